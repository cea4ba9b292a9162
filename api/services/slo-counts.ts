import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { rollupsDay, rollupsHour, rollupsMinute, type RollupTable } from '../../db/schema/rollups.ts';
import { bucketStart, DAY_MS, HOUR_MS, MINUTE_MS, sloSeries, type Resolution } from '../domain/rollups.ts';

const TABLES: Record<Resolution, RollupTable> = { minute: rollupsMinute, hour: rollupsHour, day: rollupsDay };

/** Good and total events of an SLO's series in rollup buckets starting in [fromMs, toMs). */
export async function sloCounts(orm: Db, sloId: string, fromMs: number, toMs: number, resolution: Resolution): Promise<{ good: number; total: number }> {
  const table = TABLES[resolution];
  const [row] = await orm
    .select({ good: sql<number>`coalesce(sum(${table.good}), 0)`, total: sql<number>`coalesce(sum(${table.total}), 0)` })
    .from(table)
    .where(and(eq(table.series, sloSeries(sloId)), gte(table.bucket, fromMs), lt(table.bucket, toMs)));
  return { good: Number(row?.good ?? 0), total: Number(row?.total ?? 0) };
}

/**
 * Counts over an arbitrary [fromMs, toMs), exact to the minute: whole days from the day
 * rollups, whole hours at the edges from the hour rollups, and minutes at the very edges.
 */
export async function sloCountsBetween(orm: Db, sloId: string, fromMs: number, toMs: number): Promise<{ good: number; total: number }> {
  const start = bucketStart(fromMs, 'minute');
  const end = Math.ceil(toMs / MINUTE_MS) * MINUTE_MS;
  if (end <= start) return { good: 0, total: 0 };
  const parts: Array<[number, number, Resolution]> = [];
  const dayFrom = Math.ceil(start / DAY_MS) * DAY_MS;
  const dayTo = Math.floor(end / DAY_MS) * DAY_MS;
  const split = (from: number, to: number) => {
    const hourFrom = Math.ceil(from / HOUR_MS) * HOUR_MS;
    const hourTo = Math.floor(to / HOUR_MS) * HOUR_MS;
    if (hourTo > hourFrom) {
      parts.push([from, hourFrom, 'minute'], [hourFrom, hourTo, 'hour'], [hourTo, to, 'minute']);
    } else {
      parts.push([from, to, 'minute']);
    }
  };
  if (dayTo > dayFrom) {
    split(start, dayFrom);
    parts.push([dayFrom, dayTo, 'day']);
    split(dayTo, end);
  } else {
    split(start, end);
  }
  let good = 0;
  let total = 0;
  for (const [from, to, resolution] of parts) {
    if (to <= from) continue;
    const counts = await sloCounts(orm, sloId, from, to, resolution);
    good += counts.good;
    total += counts.total;
  }
  return { good, total };
}
