import { DAY_MS, HOUR_MS, MINUTE_MS, type Resolution } from '../rollups.ts';
import { ceilTo, floorTo } from './windows.ts';

/** A bucket range [from, to) read from one rollup table. */
export interface Segment {
  resolution: Resolution;
  from: number;
  to: number;
}

export interface Horizons {
  /** Minute rows older than this have been compacted away (hour/day rows still hold them). */
  minuteFrom: number;
  /** Hour rows older than this have been compacted away. */
  hourFrom: number;
}

export const NO_HORIZONS: Horizons = { minuteFrom: Number.NEGATIVE_INFINITY, hourFrom: Number.NEGATIVE_INFINITY };

/**
 * The start a window is actually summed from: exact to the minute while minute rows are kept;
 * older heads are widened to the hour (or day) that holds them, since that is the finest data
 * left. Documented in the README; never used to drop data.
 */
export function effectiveFrom(from: number, horizons: Horizons): number {
  let start = floorTo(from, MINUTE_MS);
  if (start < horizons.minuteFrom) start = floorTo(start, HOUR_MS);
  if (start < horizons.hourFrom) start = floorTo(start, DAY_MS);
  return start;
}

/** A module-level helper rather than a closure: `decompose` runs for every window of every SLO. */
function push(out: Segment[], resolution: Resolution, from: number, to: number): void {
  if (to > from) out.push({ resolution, from, to });
}

/**
 * Splits a minute-aligned range into the fewest rollup rows: minutes up to the first whole
 * hour, hours up to the first whole UTC day, whole days, then hours and minutes at the tail.
 */
export function decompose(from: number, to: number, horizons: Horizons = NO_HORIZONS): Segment[] {
  const start = effectiveFrom(from, horizons);
  const end = floorTo(to, MINUTE_MS);
  if (end <= start) return [];
  const out: Segment[] = [];
  const hourStart = ceilTo(start, HOUR_MS);
  const hourEnd = floorTo(end, HOUR_MS);
  if (hourStart >= hourEnd) {
    push(out, 'minute', start, end);
    return out;
  }
  push(out, 'minute', start, hourStart);
  const dayStart = ceilTo(hourStart, DAY_MS);
  const dayEnd = floorTo(hourEnd, DAY_MS);
  if (dayStart >= dayEnd) {
    push(out, 'hour', hourStart, hourEnd);
  } else {
    push(out, 'hour', hourStart, dayStart);
    push(out, 'day', dayStart, dayEnd);
    push(out, 'hour', dayEnd, hourEnd);
  }
  push(out, 'minute', hourEnd, end);
  return out;
}

/** Merges overlapping or touching intervals; the result is sorted. */
export function mergeIntervals(intervals: readonly { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const interval of sorted) {
    const last = out[out.length - 1];
    if (last && interval.from <= last.to) last.to = Math.max(last.to, interval.to);
    else out.push({ ...interval });
  }
  return out;
}

/** The parts of [from, to) covered by the (merged) intervals. */
export function intersect(from: number, to: number, intervals: readonly { from: number; to: number }[]): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (const interval of intervals) {
    const a = Math.max(from, interval.from);
    const b = Math.min(to, interval.to);
    if (b > a) out.push({ from: a, to: b });
  }
  return out;
}
