import type { InValue } from '@libsql/client';
import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { appMeta } from '../../../db/schema/security.ts';
import { MINUTE_MS, type Resolution } from '../../domain/rollups.ts';
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

interface Pending {
  request: SegmentRequest;
  key: string;
  series: string[];
  generations: Map<string, number>;
}
type Part = { kind: 'range'; pending: Pending; seriesJson: string } | { kind: 'points'; group: Pending[]; seriesJson: string };

/** A column as JSON that parses back to the same double: integers as they are, reals as 17-digit text. */
export const exactNumber = (column: string) => `CASE typeof(${column}) WHEN 'real' THEN printf('%!.17g', ${column}) ELSE ${column} END`;

export const segmentKey = (segment: Segment): string => `${segment.resolution}:${segment.from}:${segment.to}`;

/**
 * Sums good/total for many (segment, series) pairs in as few statements as possible: one
 * `GROUP BY series` range read per distinct segment (one-minute ones as point reads), all
 * joined by UNION ALL. Each part seeks
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
  const list: Pending[] = [];
  for (const request of requests) {
    const key = segmentKey(request);
    const missing: string[] = [];
    const generations = new Map<string, number>();
    for (const series of request.series) {
      // One-off ranges are never stored, so there is nothing to look up.
      const cached = request.keep === false ? undefined : cache.get(series, key, nowMs);
      if (cached) {
        if (cached.total !== 0 || cached.good !== 0) resultFor(key).set(series, cached);
      } else {
        missing.push(series);
        generations.set(series, cache.generation(series));
      }
    }
    if (missing.length > 0) list.push({ request, key, series: missing, generations });
  }
  // One-minute ranges (a moved window's entering and leaving minutes) are point reads; those
  // asking for the same series are read together with `bucket IN (...)`, one row per minute,
  // which costs SQLite and the driver far less than a GROUP BY part per minute.
  const points = new Map<string, Pending[]>();
  const parts: Part[] = [];
  for (const pending of list) {
    const { request } = pending;
    if (request.resolution === 'minute' && request.to - request.from === MINUTE_MS) {
      const seriesJson = JSON.stringify(pending.series);
      const group = points.get(seriesJson);
      if (group) group.push(pending);
      else points.set(seriesJson, [pending]);
    } else {
      parts.push({ kind: 'range', pending, seriesJson: JSON.stringify(pending.series) });
    }
  }
  for (const [seriesJson, group] of points) parts.push({ kind: 'points', group, seriesJson });

  const store = ({ request, key, series, generations }: Pending, bySeries: Map<string, SliCounts> | undefined) => {
    for (const name of series) {
      const counts = bySeries?.get(name) ?? { good: 0, total: 0 };
      if (counts.total !== 0 || counts.good !== 0) resultFor(key).set(name, counts);
      if (request.keep !== false) cache.set(name, key, request, counts, generations.get(name) ?? -1, nowMs);
    }
  };
  for (let start = 0; start < parts.length; start += PARTS_PER_STATEMENT) {
    const chunk = parts.slice(start, start + PARTS_PER_STATEMENT);
    const args: InValue[] = [];
    const selects = chunk.map((part, index) => {
      if (part.kind === 'range') {
        const { request } = part.pending;
        args.push(part.seriesJson, request.from, request.to);
        return `SELECT ${index} AS k, series AS s, NULL AS b, sum(good) AS g, sum(total) AS t FROM ${TABLES[request.resolution]} WHERE series IN (SELECT value FROM json_each(?)) AND bucket >= ? AND bucket < ? GROUP BY series`;
      }
      args.push(part.seriesJson, JSON.stringify(part.group.map((pending) => pending.request.from)));
      return `SELECT ${index} AS k, series AS s, bucket AS b, good AS g, total AS t FROM rollups_minute WHERE series IN (SELECT value FROM json_each(?)) AND bucket IN (SELECT value FROM json_each(?))`;
    });
    // The rows come back as one JSON text: thousands of small rows cost the driver far more
    // (a BigInt and two property definitions per cell) than JSON.parse does. Reals are written
    // with 17 significant digits, which round-trips every double exactly (json() keeps only 15).
    const result = await database.client.execute({
      sql: `SELECT json_group_array(json_array(k, s, b, ${exactNumber('g')}, ${exactNumber('t')})) AS j FROM (${selects.join(' UNION ALL ')})`,
      args,
    });
    const rows = JSON.parse(String(result.rows[0]?.['j'] ?? '[]')) as [number, string, number | null, number | string, number | string][];
    // Found counts per pending request, by series.
    const found = new Map<Pending, Map<string, SliCounts>>();
    const byMinute = chunk.map((part) => (part.kind === 'points' ? new Map(part.group.map((pending) => [pending.request.from, pending])) : null));
    for (const [k, series, bucket, good, total] of rows) {
      const part = chunk[k];
      if (!part) continue;
      const pending = part.kind === 'range' ? part.pending : byMinute[k]?.get(Number(bucket));
      if (!pending) continue;
      let bySeries = found.get(pending);
      if (!bySeries) {
        bySeries = new Map();
        found.set(pending, bySeries);
      }
      bySeries.set(series, { good: Number(good), total: Number(total) });
    }
    for (const part of chunk) {
      if (part.kind === 'range') store(part.pending, found.get(part.pending));
      else for (const pending of part.group) store(pending, found.get(pending));
    }
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
