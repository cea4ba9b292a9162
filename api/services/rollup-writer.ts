import type { InValue } from '@libsql/client';
import { getTableName } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { LATENCY_BUCKET_COLUMNS, rollupsDay, rollupsHour, rollupsMinute, type RollupTable } from '../../db/schema/rollups.ts';
import { segmentCacheFor } from './slo/segment-cache.ts';
import { foldObservations, type Observation, type Resolution, type RollupCounts } from '../domain/rollups.ts';

const TABLES: Record<Resolution, RollupTable> = { minute: rollupsMinute, hour: rollupsHour, day: rollupsDay };
const ADDED = ['total', 'good', 'latency_count', 'latency_sum', ...LATENCY_BUCKET_COLUMNS.map((column) => rollupsMinute[column].name)];
const COLUMNS = ['series', 'bucket', 'latency_max', ...ADDED];
/** SQLite allows 32,766 bound parameters per statement. */
const ROWS_PER_STATEMENT = Math.floor(32_000 / COLUMNS.length);
const ROW_PLACEHOLDERS = `(${COLUMNS.map(() => '?').join(',')})`;
const ON_CONFLICT = `ON CONFLICT (series, bucket) DO UPDATE SET latency_max = max(latency_max, excluded.latency_max), ${ADDED.map(
  (column) => `${column} = ${column} + excluded.${column}`,
).join(', ')}`;

/** Cached SLO segment sums that contain a written minute are dropped once the write is visible. */
function dropCachedSumsAfterCommit(tx: Tx, minuteRows: readonly RollupCounts[]): void {
  const touched = new Map<string, number[]>();
  for (const row of minuteRows) {
    const buckets = touched.get(row.series) ?? [];
    buckets.push(row.bucket);
    touched.set(row.series, buckets);
  }
  tx.afterCommit(() => {
    const cache = segmentCacheFor(tx.$root);
    for (const [series, buckets] of touched) cache.invalidate(series, buckets);
  });
}

function rowArgs(row: RollupCounts): InValue[] {
  return [
    row.series,
    row.bucket,
    row.latencyMax,
    row.total,
    row.good,
    row.latencyCount,
    row.latencySum,
    ...LATENCY_BUCKET_COLUMNS.map((column) => row.buckets[column]),
  ];
}

/**
 * Adds observations to the minute, hour and day rollups in one go. Every level is written at
 * ingest, so a window is an exact sum at whatever resolution fits it, and compaction only has
 * to drop old fine-grained rows. This is the ingest hot path, so it sends one prebuilt
 * multi-row upsert per level rather than building the query through drizzle.
 */
export async function addToRollups(tx: Tx, observations: readonly Observation[]): Promise<void> {
  if (observations.length === 0) return;
  for (const resolution of ['minute', 'hour', 'day'] as const) {
    const table = getTableName(TABLES[resolution]);
    const rows = foldObservations(observations, resolution);
    if (resolution === 'minute') dropCachedSumsAfterCommit(tx, rows);
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
      await tx.$client.execute({
        sql: `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${chunk.map(() => ROW_PLACEHOLDERS).join(',')} ${ON_CONFLICT}`,
        args: chunk.flatMap(rowArgs),
      });
    }
  }
}
