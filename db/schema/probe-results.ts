import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { flag, timestamp } from './columns.ts';

/** Raw probe results, kept for a short retention; windows are summed from rollups instead. */
export const probeResults = sqliteTable(
  'probe_results',
  {
    /** Client-made UUID: the idempotency key of ingest. */
    id: text('id').primaryKey(),
    monitorId: text('monitor_id').notNull(),
    region: text('region').notNull(),
    at: timestamp('at').notNull(),
    ok: flag('ok').notNull(),
    latencyMs: real('latency_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    tlsExpiresAt: timestamp('tls_expires_at'),
    receivedAt: timestamp('received_at').notNull(),
  },
  (t) => [index('probe_results_series_at_idx').on(t.monitorId, t.region, t.at)],
);
