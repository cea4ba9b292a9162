import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { archivedAt, createdAt, flag, json, timestamp, updatedAt } from './columns.ts';

export const SLI_KINDS = ['availability', 'latency', 'events', 'prometheus'] as const;
export type SliKind = (typeof SLI_KINDS)[number];
export const BUDGETING_METHODS = ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const;
export type BudgetingMethod = (typeof BUDGETING_METHODS)[number];

/** SLI definition as declared: which monitors feed it, thresholds, or PromQL queries. */
export interface SliDefinition {
  monitors?: string[];
  latencyThresholdMs?: number;
  prometheus?: { url: string; good?: string; bad?: string; total: string };
}
export interface BurnAlertRule {
  name: string;
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  burnRate: number;
}
export interface ErrorBudgetPolicy {
  text: string;
  freezeReleases: boolean;
}

export const slos = sqliteTable(
  'slos',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description'),
    /** The service a release gate asks about. */
    service: text('service').notNull(),
    componentId: text('component_id'),
    sliKind: text('sli_kind').$type<SliKind>().notNull(),
    sli: json<SliDefinition>('sli').notNull(),
    target: real('target').notNull(),
    /** `7d`-style rolling duration, or `month` / `quarter` for calendar windows. */
    window: text('window').notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    budgetingMethod: text('budgeting_method').$type<BudgetingMethod>().notNull().default('Occurrences'),
    timeSliceTarget: real('time_slice_target'),
    timeSliceWindowMs: integer('time_slice_window_ms'),
    excludeMaintenance: flag('exclude_maintenance').notNull().default(true),
    alertRules: json<BurnAlertRule[]>('alert_rules'),
    policy: json<ErrorBudgetPolicy>('policy'),
    public: flag('public').notNull().default(false),
    /** Where the definition came from: the config file or the API. */
    origin: text('origin').$type<'config' | 'api'>().notNull().default('config'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    archivedAt: archivedAt(),
  },
  (t) => [index('slos_service_idx').on(t.service)],
);

/** Alert state per SLO and rule; each transition is sent once through the outbox. */
export const burnAlerts = sqliteTable(
  'burn_alerts',
  {
    id: text('id').primaryKey(),
    sloId: text('slo_id')
      .notNull()
      .references(() => slos.id),
    rule: text('rule').notNull(),
    severity: text('severity').$type<'page' | 'ticket'>().notNull(),
    state: text('state').$type<'firing' | 'resolved'>().notNull(),
    firedAt: timestamp('fired_at').notNull(),
    resolvedAt: timestamp('resolved_at'),
    longBurnRate: real('long_burn_rate'),
    shortBurnRate: real('short_burn_rate'),
    /** The rule as it was when the alert fired, so a resolution can be described after the rule is gone. */
    longWindow: text('long_window'),
    shortWindow: text('short_window'),
    threshold: real('threshold'),
  },
  (t) => [index('burn_alerts_slo_idx').on(t.sloId, t.rule)],
);

/** Application-pushed SLI events (`POST /api/v1/events`), idempotent by id. */
export const sloEvents = sqliteTable('slo_events', {
  id: text('id').primaryKey(),
  sloId: text('slo_id').notNull(),
  at: timestamp('at').notNull(),
  good: integer('good').notNull(),
  total: integer('total').notNull(),
  receivedAt: timestamp('received_at').notNull(),
});
