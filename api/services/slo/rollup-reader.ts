import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { appMeta } from '../../../db/schema/security.ts';
import type { Resolution } from '../../domain/rollups.ts';
import { NO_HORIZONS, type Horizons, type Segment } from '../../domain/slo/segments.ts';
import type { BucketCounts } from '../../domain/slo/timeslices.ts';
import type { SliCounts } from '../../domain/slo/math.ts';
import { segmentCacheFor } from './segment-cache.ts';

const TABLES: Record<Resolution, string> = { minute: 'rollups_minute', hour: 'rollups_hour', day: 'rollups_day' };
/** SQLite allows 500 terms in a compound SELECT. */
const PARTS_PER_STATEMENT = 200;

/** app_meta keys the compaction worker writes: the oldest bucket each resolution still fully holds. */
export const MINUTE_HORIZON_KEY = 'rollups.minute_horizon';
export const HOUR_HORIZON_KEY = 'rollups.hour_horizon';

export async function loadHorizons(database: Database): Promise<Horizons> {
  const rows = await database.orm
    .select()
    .from(appMeta)
    .where(inArray(appMeta.key, [MINUTE_HORIZON_KEY, HOUR_HORIZON_KEY]));
  const value = (key: string) => {
    const row = rows.find((r) => r.key === key);
    return row ? Number(row.value) : Number.NEGATIVE_INFINITY;
  };
  return rows.length === 0 ? NO_HORIZONS : { minuteFrom: value(MINUTE_HORIZON_KEY), hourFrom: value(HOUR_HORIZON_KEY) };
}

export interface SegmentRequest extends Segment {
  series: Set<string>;
  /** False for one-off ranges (a window's moved minutes) that would only churn the cache. */
  keep?: boolean;
}

export const segmentKey = (segment: Segment): string => `${segment.resolution}:${segment.from}:${segment.to}`;

/**
 * Sums good/total for many (segment, series) pairs in as few statements as possible: one
 * `GROUP BY series` range read per distinct segment, all joined by UNION ALL. Each part seeks
 * the (series, bucket) primary key, so the cost is the rows in the ranges, not the table size.
 * Closed segments already summed are served from the segment cache (see segment-cache.ts).
 */
export async function sumSegments(database: Database, requests: Iterable<SegmentRequest>): Promise<Map<string, Map<string, SliCounts>>> {
  const cache = segmentCacheFor(database.client);
  const nowMs = Date.now();
  const out = new Map<string, Map<string, SliCounts>>();
  const resultFor = (key: string) => {
    let bySeries = out.get(key);
    if (!bySeries) {
      bySeries = new Map();
      out.set(key, bySeries);
    }
    return bySeries;
  };
  const list: { request: SegmentRequest; key: string; series: string[]; generations: Map<string, number> }[] = [];
  for (const request of requests) {
    const key = segmentKey(request);
    const missing: string[] = [];
    const generations = new Map<string, number>();
    for (const series of request.series) {
      const cached = cache.get(series, key, nowMs);
      if (cached) {
        if (cached.total !== 0 || cached.good !== 0) resultFor(key).set(series, cached);
      } else {
        missing.push(series);
        generations.set(series, cache.generation(series));
      }
    }
    if (missing.length > 0) list.push({ request, key, series: missing, generations });
  }
  for (let start = 0; start < list.length; start += PARTS_PER_STATEMENT) {
    const chunk = list.slice(start, start + PARTS_PER_STATEMENT);
    const parts = chunk.map(
      ({ request, series }, index) =>
        sql`SELECT ${start + index} AS k, series AS s, sum(good) AS g, sum(total) AS t FROM ${sql.raw(TABLES[request.resolution])} WHERE series IN (SELECT value FROM json_each(${JSON.stringify(series)})) AND bucket >= ${request.from} AND bucket < ${request.to} GROUP BY series`,
    );
    const rows = await database.orm.all<{ k: number; s: string; g: number; t: number }>(sql.join(parts, sql` UNION ALL `));
    const found = new Map<number, Map<string, SliCounts>>();
    for (const row of rows) {
      const counts = { good: Number(row.g), total: Number(row.t) };
      const bySeries = found.get(row.k) ?? new Map<string, SliCounts>();
      bySeries.set(row.s, counts);
      found.set(row.k, bySeries);
    }
    chunk.forEach(({ request, key, series, generations }, index) => {
      const bySeries = found.get(start + index);
      for (const name of series) {
        const counts = bySeries?.get(name) ?? { good: 0, total: 0 };
        if (counts.total !== 0 || counts.good !== 0) resultFor(key).set(name, counts);
        if (request.keep !== false) cache.set(name, key, request, counts, generations.get(name) ?? -1, nowMs);
      }
    });
  }
  return out;
}

/** The rows of one series in [from, to) at one resolution (for time-slice budgeting). */
export async function readRows(database: Database, series: string, resolution: Resolution, from: number, to: number): Promise<BucketCounts[]> {
  const rows = await database.orm.all<{ bucket: number; good: number; total: number }>(
    sql`SELECT bucket, good, total FROM ${sql.raw(TABLES[resolution])} WHERE series = ${series} AND bucket >= ${from} AND bucket < ${to} ORDER BY bucket`,
  );
  return rows.map((row) => ({ bucket: Number(row.bucket), good: Number(row.good), total: Number(row.total) }));
}
