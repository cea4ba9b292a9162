import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { archivedAt, createdAt, flag, json, timestamp, updatedAt } from './columns.ts';
import { components } from './components.ts';

export const MONITOR_KINDS = ['http', 'tcp', 'dns', 'tls', 'heartbeat'] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];

export const monitors = sqliteTable('monitors', {
  /** The key from headroom.config.yaml; probe results name their monitor by it. */
  id: text('id').primaryKey(),
  componentId: text('component_id').references(() => components.id),
  name: text('name').notNull(),
  kind: text('kind').$type<MonitorKind>().notNull(),
  intervalMs: integer('interval_ms').notNull(),
  timeoutMs: integer('timeout_ms').notNull(),
  regions: json<string[]>('regions').notNull(),
  /** Kind-specific settings (url, method, host, port, record type, ...), as validated by the config schema. */
  settings: json<Record<string, unknown>>('settings').notNull(),
  downAfter: integer('down_after').notNull().default(3),
  upAfter: integer('up_after').notNull().default(2),
  degradedLatencyMs: integer('degraded_latency_ms'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  archivedAt: archivedAt(),
});

export const MONITOR_STATES = ['unknown', 'up', 'degraded', 'down'] as const;
export type MonitorStateStatus = (typeof MONITOR_STATES)[number];

/** Current state of one monitor in one region, with the streak counters flap suppression needs. */
export const monitorState = sqliteTable(
  'monitor_state',
  {
    monitorId: text('monitor_id')
      .notNull()
      .references(() => monitors.id),
    region: text('region').notNull(),
    status: text('status').$type<MonitorStateStatus>().notNull().default('unknown'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    consecutiveSuccesses: integer('consecutive_successes').notNull().default(0),
    /** Successes slower / not slower than the degraded threshold, in a row (degraded flap suppression). */
    consecutiveSlow: integer('consecutive_slow').notNull().default(0),
    consecutiveFast: integer('consecutive_fast').notNull().default(0),
    lastResultAt: timestamp('last_result_at'),
    lastOk: flag('last_ok'),
    lastLatencyMs: real('last_latency_ms'),
    lastError: text('last_error'),
    changedAt: timestamp('changed_at'),
  },
  (t) => [primaryKey({ columns: [t.monitorId, t.region] })],
);

/**
 * The secret a heartbeat monitor's job uses to check in (`POST /api/v1/heartbeats/:key`). Only
 * its SHA-256 hash is stored; an admin creates or rotates it and sees the secret once.
 */
export const heartbeatTokens = sqliteTable('heartbeat_tokens', {
  monitorId: text('monitor_id')
    .primaryKey()
    .references(() => monitors.id),
  hash: text('hash').notNull(),
  createdBy: text('created_by'),
  createdAt: createdAt(),
});
