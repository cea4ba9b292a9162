import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp, updatedAt } from './columns.ts';

export const ALERTMANAGER_ACTIONS = ['incident', 'near_miss'] as const;
export type AlertmanagerAction = (typeof ALERTMANAGER_ACTIONS)[number];

/**
 * One row per alert state Headroom has acted on, keyed by a hash of Alertmanager's
 * `groupKey` + the alert's `fingerprint` + `startsAt` + `status`. Alertmanager re-sends whole
 * groups (on every group_interval change and repeat_interval, and after retries), so a key seen
 * before means "already handled" and the alert is skipped: a repeated delivery changes nothing.
 */
export const alertmanagerDeliveries = sqliteTable(
  'alertmanager_deliveries',
  {
    key: text('key').primaryKey(),
    groupKey: text('group_key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    startsAt: timestamp('starts_at').notNull(),
    status: text('status').$type<'firing' | 'resolved'>().notNull(),
    /** What Headroom did with it, e.g. `incident.opened`, `near_miss.recorded`, `unmapped`. */
    outcome: text('outcome').notNull(),
    receivedAt: timestamp('received_at').notNull(),
  },
  (t) => [index('alertmanager_deliveries_received_idx').on(t.receivedAt)],
);

/**
 * One firing episode of one alert (fingerprint + startsAt), across deliveries: which route it
 * matched, the incident it opened or joined, the near miss it became, or that nothing matched.
 */
export const alertmanagerAlerts = sqliteTable(
  'alertmanager_alerts',
  {
    /** `<fingerprint>@<startsAt ISO>`: the same episode reported by two groups is one row. */
    id: text('id').primaryKey(),
    fingerprint: text('fingerprint').notNull(),
    alertname: text('alertname'),
    status: text('status').$type<'firing' | 'resolved'>().notNull(),
    labels: json<Record<string, string>>('labels').notNull(),
    annotations: json<Record<string, string>>('annotations').notNull(),
    startsAt: timestamp('starts_at').notNull(),
    endsAt: timestamp('ends_at'),
    generatorUrl: text('generator_url'),
    /** Index of the matching route in `alertmanager.routes`; null when no route matched. */
    routeIndex: integer('route_index'),
    action: text('action').$type<AlertmanagerAction>(),
    componentIds: json<string[]>('component_ids').notNull(),
    incidentId: text('incident_id'),
    nearMissId: text('near_miss_id'),
    /** How many deliveries (not counting exact repeats) mentioned this episode. */
    deliveries: integer('deliveries').notNull().default(1),
    firstSeenAt: timestamp('first_seen_at').notNull(),
    lastSeenAt: timestamp('last_seen_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('alertmanager_alerts_incident_idx').on(t.incidentId),
    index('alertmanager_alerts_unmapped_idx').on(t.routeIndex, t.lastSeenAt),
  ],
);
