import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { LATENCY_BUCKET_COLUMNS, rollupsDay, rollupsHour, rollupsMinute, type RollupTable } from '../../db/schema/rollups.ts';
import { foldObservations, type Observation, type Resolution } from '../domain/rollups.ts';

const TABLES: Record<Resolution, RollupTable> = { minute: rollupsMinute, hour: rollupsHour, day: rollupsDay };
/** SQLite allows 32,766 bound parameters; rollup rows have 17 columns. */
const ROWS_PER_STATEMENT = 500;

/**
 * Adds observations to the minute, hour and day rollups in one go. Every level is written at
 * ingest, so a window is an exact sum at whatever resolution fits it, and compaction only has
 * to drop old fine-grained rows.
 */
export async function addToRollups(tx: Tx, observations: readonly Observation[]): Promise<void> {
  if (observations.length === 0) return;
  for (const resolution of ['minute', 'hour', 'day'] as const) {
    const table = TABLES[resolution];
    const rows = foldObservations(observations, resolution).map(({ buckets, ...counts }) => ({ ...counts, ...buckets }));
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      await tx
        .insert(table)
        .values(rows.slice(start, start + ROWS_PER_STATEMENT))
        .onConflictDoUpdate({
          target: [table.series, table.bucket],
          set: {
            total: sql`${table.total} + excluded.total`,
            good: sql`${table.good} + excluded.good`,
            latencyCount: sql`${table.latencyCount} + excluded.latency_count`,
            latencySum: sql`${table.latencySum} + excluded.latency_sum`,
            latencyMax: sql`max(${table.latencyMax}, excluded.latency_max)`,
            ...Object.fromEntries(
              LATENCY_BUCKET_COLUMNS.map((column) => [column, sql`${table[column]} + excluded.${sql.identifier(table[column].name)}`]),
            ),
          },
        });
    }
  }
}
