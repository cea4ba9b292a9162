import { floorTo } from './windows.ts';
import { clean, type SliCounts } from './math.ts';

/** One rollup row as the slice math needs it. */
export interface BucketCounts {
  bucket: number;
  good: number;
  total: number;
}

/**
 * OpenSLO budgeting over time slices. The window is cut into slices of `sliceMs` (aligned to
 * the epoch, so slices are the same whatever the evaluation time); a slice with no events is
 * no data and does not count either way.
 * - Timeslices: a slice is good when its ratio ≥ timeSliceTarget; SLI = good slices / slices.
 * - RatioTimeslices: SLI = mean of the slices' ratios.
 * Returned as counts so the budget math is the same as for Occurrences: for Timeslices
 * good/total are slice counts; for RatioTimeslices `good` is the sum of slice ratios.
 */
export function sliceCounts(
  rows: Iterable<BucketCounts>,
  sliceMs: number,
  method: 'Timeslices' | 'RatioTimeslices',
  timeSliceTarget: number,
): SliCounts {
  const slices = new Map<number, { good: number; total: number }>();
  for (const row of rows) {
    if (row.total <= 0) continue;
    const key = floorTo(row.bucket, sliceMs);
    const slice = slices.get(key) ?? { good: 0, total: 0 };
    slice.good += row.good;
    slice.total += row.total;
    slices.set(key, slice);
  }
  let good = 0;
  for (const slice of slices.values()) {
    const ratio = slice.good / slice.total;
    if (method === 'Timeslices') good += clean(ratio) >= timeSliceTarget ? 1 : 0;
    else good += ratio;
  }
  return { good: method === 'Timeslices' ? good : clean(good), total: slices.size };
}
