import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Upper bounds (ms) of the latency histogram kept in every rollup row. A latency falls in the
 * first bucket whose bound is ≥ it; above the last bound it counts only in `latencyCount`
 * (overflow = latencyCount − sum of the buckets). Percentiles are read from these buckets.
 */
export const LATENCY_BUCKET_BOUNDS_MS = [50, 100, 200, 300, 500, 750, 1000, 2000, 5000, 10000] as const;

/**
 * Minute, hour and day rollups share one shape, keyed by (series, bucket start). A series is
 * `monitor:<monitorId>:<region>` (good = ok probes) or `slo:<sloId>` (good/total events,
 * classified at ingest), so any window is an exact sum of rows.
 */
function rollupTable(name: string) {
  return sqliteTable(
    name,
    {
      series: text('series').notNull(),
      /** Bucket start, epoch ms UTC (aligned to the minute, hour or UTC day). */
      bucket: integer('bucket').notNull(),
      total: integer('total').notNull().default(0),
      good: integer('good').notNull().default(0),
      latencyCount: integer('latency_count').notNull().default(0),
      latencySum: real('latency_sum').notNull().default(0),
      latencyMax: real('latency_max').notNull().default(0),
      le50: integer('le_50').notNull().default(0),
      le100: integer('le_100').notNull().default(0),
      le200: integer('le_200').notNull().default(0),
      le300: integer('le_300').notNull().default(0),
      le500: integer('le_500').notNull().default(0),
      le750: integer('le_750').notNull().default(0),
      le1000: integer('le_1000').notNull().default(0),
      le2000: integer('le_2000').notNull().default(0),
      le5000: integer('le_5000').notNull().default(0),
      le10000: integer('le_10000').notNull().default(0),
    },
    (t) => [primaryKey({ columns: [t.series, t.bucket] })],
  );
}

export const rollupsMinute = rollupTable('rollups_minute');
export const rollupsHour = rollupTable('rollups_hour');
export const rollupsDay = rollupTable('rollups_day');
export type RollupTable = typeof rollupsMinute;
/** The histogram column names in bound order, matching LATENCY_BUCKET_BOUNDS_MS. */
export const LATENCY_BUCKET_COLUMNS = [
  'le50',
  'le100',
  'le200',
  'le300',
  'le500',
  'le750',
  'le1000',
  'le2000',
  'le5000',
  'le10000',
] as const satisfies readonly (keyof RollupTable['$inferSelect'])[];
