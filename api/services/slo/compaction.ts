import { lt, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { probeResults } from '../../../db/schema/probe-results.ts';
import { appMeta } from '../../../db/schema/security.ts';
import { sloEvents } from '../../../db/schema/slos.ts';
import type { SloEngineConfig } from '../../config/alerting.ts';
import { DAY_MS, HOUR_MS, sloSeries } from '../../domain/rollups.ts';
import { floorTo, parseSloWindow } from '../../domain/slo/windows.ts';
import { parseDuration } from '../../lib/duration.ts';
import { activeSlos, sliceResolution } from '../evaluate-slo.ts';
import { HOUR_HORIZON_KEY, MINUTE_HORIZON_KEY } from './rollup-reader.ts';

export interface CompactionSummary {
  raw: number;
  events: number;
  minute: number;
  hour: number;
}

const BATCH = 5000;

/**
 * Compaction. Ingest already writes every result into minute, hour AND day rollups in one
 * transaction, so "folding minutes into hours" has already happened exactly; what is left is
 * retention: drop raw results and minute/hour rows older than configured, which the coarser
 * rows still hold. Deletes run in small transactions so ingest is never held up for long.
 * Raw results and pushed events are kept at least as long as the backfill horizon, because
 * their ids are what makes a replayed batch a no-op.
 *
 * Time-slice SLOs whose slices are finer than an hour keep their minute rows for their whole
 * window, since a slice cannot be rebuilt from hours. The new horizons are recorded in
 * app_meta so evaluation knows which heads must be read at hour resolution.
 */
export async function compact(database: Database, now: Date, config: SloEngineConfig, backfillHorizonMs: number): Promise<CompactionSummary> {
  const ms = (text: string, fallback: number) => parseDuration(text) ?? fallback;
  const rawCutoff = new Date(now.getTime() - Math.max(ms(config.rawRetention, 35 * DAY_MS), backfillHorizonMs));
  const minuteCutoff = floorTo(now.getTime() - ms(config.minuteRetention, 35 * DAY_MS), HOUR_MS);
  const hourCutoff = floorTo(now.getTime() - ms(config.hourRetention, 400 * DAY_MS), DAY_MS);

  const summary: CompactionSummary = { raw: 0, events: 0, minute: 0, hour: 0 };
  summary.raw = await deleteInBatches(database, (limit) =>
    sql`DELETE FROM ${probeResults} WHERE rowid IN (SELECT rowid FROM ${probeResults} WHERE ${lt(probeResults.at, rawCutoff)} LIMIT ${limit})`,
  );
  summary.events = await deleteInBatches(database, (limit) =>
    sql`DELETE FROM ${sloEvents} WHERE rowid IN (SELECT rowid FROM ${sloEvents} WHERE ${lt(sloEvents.at, rawCutoff)} LIMIT ${limit})`,
  );

  const keepMinutes = new Map<string, number>();
  for (const slo of await activeSlos(database)) {
    if (slo.budgetingMethod === 'Occurrences' || sliceResolution(slo.timeSliceWindowMs ?? 60_000) !== 'minute') continue;
    const window = parseSloWindow(slo.window, slo.timeZone);
    const length = window?.kind === 'rolling' ? window.ms : 93 * DAY_MS;
    keepMinutes.set(sloSeries(slo.id), Math.min(minuteCutoff, floorTo(now.getTime() - length - DAY_MS, HOUR_MS)));
  }
  const minuteSeries = await database.orm.all<{ series: string }>(sql`SELECT DISTINCT series FROM rollups_minute`);
  for (const { series } of minuteSeries) {
    const cutoff = keepMinutes.get(series) ?? minuteCutoff;
    summary.minute += await deleteInBatches(database, (limit) =>
      sql`DELETE FROM rollups_minute WHERE rowid IN (SELECT rowid FROM rollups_minute WHERE series = ${series} AND bucket < ${cutoff} LIMIT ${limit})`,
    );
  }
  const hourSeries = await database.orm.all<{ series: string }>(sql`SELECT DISTINCT series FROM rollups_hour`);
  for (const { series } of hourSeries) {
    summary.hour += await deleteInBatches(database, (limit) =>
      sql`DELETE FROM rollups_hour WHERE rowid IN (SELECT rowid FROM rollups_hour WHERE series = ${series} AND bucket < ${hourCutoff} LIMIT ${limit})`,
    );
  }
  await database.write(async (tx) => {
    for (const [key, value] of [
      [MINUTE_HORIZON_KEY, minuteCutoff],
      [HOUR_HORIZON_KEY, hourCutoff],
    ] as const) {
      await tx
        .insert(appMeta)
        .values({ key, value: String(value), updatedAt: now })
        .onConflictDoUpdate({ target: appMeta.key, set: { value: String(value), updatedAt: now } });
    }
  });
  return summary;
}

async function deleteInBatches(database: Database, statement: (limit: number) => ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await database.write((tx) => tx.run(statement(BATCH)));
    const affected = Number(result.rowsAffected);
    total += affected;
    if (affected < BATCH) return total;
  }
}

