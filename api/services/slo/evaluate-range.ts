import type { Database } from '../../../db/client.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, sloSeries } from '../../domain/rollups.ts';
import { errorBudget, sliRatio, type ErrorBudget, type SliCounts } from '../../domain/slo/math.ts';
import { decompose, intersect, type Horizons } from '../../domain/slo/segments.ts';
import { sliceCounts, type BucketCounts } from '../../domain/slo/timeslices.ts';
import { ceilTo, evaluationEnd, floorTo } from '../../domain/slo/windows.ts';
import { exclusionSegments, sliceResolution, type SloRow } from '../evaluate-slo.ts';
import { maintenanceByComponent, type Interval } from './maintenance.ts';
import { loadHorizons, readRows, segmentKey, sumSegments, type SegmentRequest } from './rollup-reader.ts';

/** One SLO over one arbitrary range [fromMs, toMs). */
export interface RangeRequest {
  slo: SloRow;
  fromMs: number;
  toMs: number;
}

/** What the SLO engine says about one SLO over one range. */
export interface RangeEvaluation {
  sloId: string;
  /** The range actually measured: whole minutes, never past the last whole minute before `now`. */
  fromMs: number;
  toMs: number;
  /** SLI units of the budgeting method: events (Occurrences) or slices (RatioTimeslices: good = sum of slice ratios). */
  sli: SliCounts & { ratio: number | null };
  /** Raw events counted (after maintenance exclusion), whatever the method. */
  events: SliCounts;
  errorBudget: ErrorBudget;
  /** Maintenance time left out of the range, in ms. */
  excludedMs: number;
}

export interface RangeOptions {
  /** The evaluation instant: ranges are clipped to the last whole minute before it. */
  now: Date;
  /** Read from app_meta (written by compaction) when absent. */
  horizons?: Horizons;
}

const sizeOf = (resolution: 'minute' | 'hour' | 'day') => (resolution === 'day' ? DAY_MS : resolution === 'hour' ? HOUR_MS : MINUTE_MS);

/**
 * Evaluates SLOs over arbitrary ranges with the SLO engine's own pieces: the same rollup
 * segments (`decompose` + `sumSegments`, and the segment cache), the same maintenance
 * exclusion, and the same time-slice budgeting as `evaluateSlosDetailed`; only the window is
 * given instead of derived from the SLO. Ranges are widened to whole minutes (an incident from
 * 10:00:30 to 10:05:10 covers the minutes 10:00–10:05) and clipped to the last whole minute
 * before `now`, so a range never reads a minute still being written. Results are in request order.
 */
export async function evaluateRanges(database: Database, requests: readonly RangeRequest[], options: RangeOptions): Promise<RangeEvaluation[]> {
  if (requests.length === 0) return [];
  const end = evaluationEnd(options.now);
  const horizons = options.horizons ?? (await loadHorizons(database));
  const aligned = requests.map((request) => {
    const toMs = Math.min(ceilTo(request.toMs, MINUTE_MS), end);
    const fromMs = Math.min(floorTo(request.fromMs, MINUTE_MS), toMs);
    return { slo: request.slo, fromMs, toMs, series: sloSeries(request.slo.id) };
  });

  const needMaintenance = aligned.filter((range) => range.slo.excludeMaintenance && range.slo.componentId);
  const byComponent = needMaintenance.length
    ? await maintenanceByComponent(
        database,
        [...new Set(needMaintenance.map((range) => range.slo.componentId ?? ''))],
        Math.min(...needMaintenance.map((range) => range.fromMs)),
        Math.max(...needMaintenance.map((range) => range.toMs)),
      )
    : new Map<string, Interval[]>();
  const excludedOf = (slo: SloRow): Interval[] =>
    slo.excludeMaintenance && slo.componentId ? (byComponent.get(slo.componentId) ?? []) : [];

  // Occurrences: every range as rollup segments, maintenance subtracted, all in one batch.
  const segments = new Map<string, SegmentRequest>();
  const wanted: { index: number; key: string; sign: 1 | -1; series: string }[] = [];
  aligned.forEach((range, index) => {
    if (range.slo.budgetingMethod !== 'Occurrences') return;
    const want = (segment: { resolution: 'minute' | 'hour' | 'day'; from: number; to: number }, sign: 1 | -1) => {
      const key = segmentKey(segment);
      const request = segments.get(key) ?? { ...segment, series: new Set<string>() };
      request.series.add(range.series);
      segments.set(key, request);
      wanted.push({ index, key, sign, series: range.series });
    };
    for (const segment of decompose(range.fromMs, range.toMs, horizons)) want(segment, 1);
    for (const segment of exclusionSegments(range.fromMs, range.toMs, excludedOf(range.slo), horizons)) want(segment, -1);
  });
  const sums = segments.size > 0 ? await sumSegments(database, segments.values()) : new Map<string, Map<string, SliCounts>>();
  const occurrences = aligned.map(() => ({ good: 0, total: 0 }));
  for (const { index, key, sign, series } of wanted) {
    const sum = sums.get(key)?.get(series);
    const counts = occurrences[index];
    if (!sum || !counts) continue;
    counts.good += sign * sum.good;
    counts.total += sign * sum.total;
  }

  // Time slices: the SLO's rows at its slice resolution, read once per SLO for all its ranges.
  const sliceRows = new Map<string, BucketCounts[]>();
  for (const range of aligned) {
    if (range.slo.budgetingMethod === 'Occurrences' || sliceRows.has(range.slo.id)) continue;
    const mine = aligned.filter((other) => other.slo.id === range.slo.id);
    const resolution = sliceResolution(sliceMsOf(range.slo));
    const size = sizeOf(resolution);
    const excluded = excludedOf(range.slo);
    const rows = await readRows(
      database,
      range.series,
      resolution,
      floorTo(Math.min(...mine.map((other) => other.fromMs)), size),
      Math.max(...mine.map((other) => other.toMs)),
    );
    // As in the evaluator: a row counts when its bucket starts inside the range and outside every maintenance.
    sliceRows.set(range.slo.id, rows.filter((row) => !excluded.some((interval) => row.bucket < interval.to && row.bucket + size > interval.from)));
  }

  return aligned.map((range, index) => {
    const { slo } = range;
    let sli: SliCounts;
    let events: SliCounts;
    if (slo.budgetingMethod === 'Occurrences') {
      sli = occurrences[index] ?? { good: 0, total: 0 };
      events = sli;
    } else {
      const inside = (sliceRows.get(slo.id) ?? []).filter((row) => row.bucket >= range.fromMs && row.bucket < range.toMs);
      const method = slo.budgetingMethod === 'RatioTimeslices' ? 'RatioTimeslices' : 'Timeslices';
      sli = sliceCounts(inside, sliceMsOf(slo), method, slo.timeSliceTarget ?? slo.target);
      events = inside.reduce((sum, row) => ({ good: sum.good + row.good, total: sum.total + row.total }), { good: 0, total: 0 });
    }
    const excludedMs = intersect(range.fromMs, range.toMs, excludedOf(slo)).reduce((sum, part) => sum + part.to - part.from, 0);
    return {
      sloId: slo.id,
      fromMs: range.fromMs,
      toMs: range.toMs,
      sli: { ...sli, ratio: sliRatio(sli) },
      events,
      errorBudget: errorBudget(sli, slo.target),
      excludedMs,
    };
  });
}

/** The slice length the evaluator uses: whole minutes, at least one. */
function sliceMsOf(slo: SloRow): number {
  return Math.max(MINUTE_MS, floorTo(slo.timeSliceWindowMs ?? MINUTE_MS, MINUTE_MS));
}
