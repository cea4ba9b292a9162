import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COLUMNS } from '../../db/schema/rollups.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const RESOLUTIONS = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS } as const;
export type Resolution = keyof typeof RESOLUTIONS;

export type LatencyBucketColumn = (typeof LATENCY_BUCKET_COLUMNS)[number];

/** One rollup row's worth of counts; what the rollup tables store per (series, bucket). */
export interface RollupCounts {
  series: string;
  bucket: number;
  total: number;
  good: number;
  latencyCount: number;
  latencySum: number;
  latencyMax: number;
  buckets: Record<LatencyBucketColumn, number>;
}

export const monitorSeries = (monitorId: string, region: string): string => `monitor:${monitorId}:${region}`;
export const sloSeries = (sloId: string): string => `slo:${sloId}`;

/** Start of the UTC minute, hour or day containing `atMs`. */
export function bucketStart(atMs: number, resolution: Resolution): number {
  const size = RESOLUTIONS[resolution];
  return Math.floor(atMs / size) * size;
}

export function latencyBucketColumn(latencyMs: number): LatencyBucketColumn | null {
  const index = LATENCY_BUCKET_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
  return index === -1 ? null : (LATENCY_BUCKET_COLUMNS[index] ?? null);
}

const emptyBuckets = (): Record<LatencyBucketColumn, number> =>
  Object.fromEntries(LATENCY_BUCKET_COLUMNS.map((column) => [column, 0])) as Record<LatencyBucketColumn, number>;

/** One observation to fold into a series: a probe result or a batch of SLI events. */
export interface Observation {
  series: string;
  atMs: number;
  total: number;
  good: number;
  latencyMs?: number | undefined;
}

/**
 * Folds observations into rollup rows at one resolution. Pure: the caller upserts the rows,
 * adding them to what is stored, so the same folding serves ingest and tests.
 */
export function foldObservations(observations: Iterable<Observation>, resolution: Resolution): RollupCounts[] {
  const rows = new Map<string, RollupCounts>();
  for (const observation of observations) {
    const bucket = bucketStart(observation.atMs, resolution);
    const key = `${observation.series}\u0000${bucket}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        series: observation.series,
        bucket,
        total: 0,
        good: 0,
        latencyCount: 0,
        latencySum: 0,
        latencyMax: 0,
        buckets: emptyBuckets(),
      };
      rows.set(key, row);
    }
    row.total += observation.total;
    row.good += observation.good;
    if (observation.latencyMs !== undefined) {
      row.latencyCount += 1;
      row.latencySum += observation.latencyMs;
      row.latencyMax = Math.max(row.latencyMax, observation.latencyMs);
      const column = latencyBucketColumn(observation.latencyMs);
      if (column) row.buckets[column] += 1;
    }
  }
  return [...rows.values()];
}

/**
 * The latency at quantile `q` (0..1) from histogram counts: the upper bound of the bucket that
 * holds the q-th observation (an upper estimate, as Prometheus' histogram_quantile would
 * interpolate within it; we report the bound so a threshold comparison is never optimistic).
 * Returns null with no observations and Infinity when the quantile falls in the overflow.
 */
export function latencyQuantile(counts: Pick<RollupCounts, 'latencyCount' | 'buckets'>, q: number): number | null {
  if (counts.latencyCount === 0) return null;
  const rank = Math.ceil(q * counts.latencyCount);
  let seen = 0;
  for (const [index, column] of LATENCY_BUCKET_COLUMNS.entries()) {
    seen += counts.buckets[column];
    if (seen >= rank) return LATENCY_BUCKET_BOUNDS_MS[index] ?? null;
  }
  return Number.POSITIVE_INFINITY;
}
