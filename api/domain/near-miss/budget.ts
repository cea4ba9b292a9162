import { DAY_MS, MINUTE_MS } from '../rollups.ts';
import { budgetAtRisk, burnRate as sloBurnRate } from '../slo/math.ts';
import { calendarPeriodEnd, calendarPeriodStart, type SloWindow } from '../slo/windows.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { DetectorSlo, MinuteSeries } from './types.ts';

/**
 * The burn-rate arithmetic the detector runs per minute over prefix sums of minute rollups:
 * burn rate = (bad / total over the window) / (1 − target), as in `domain/slo/math.ts`, but on
 * raw counts so thousands of minute windows stay cheap.
 */
export function burnRate(bad: number, total: number, target: number): number {
  if (total <= 0) return 0;
  return bad / total / (1 - target);
}

/** Nominal window lengths for calendar windows, used for the costly-event budget in events. */
export function sloWindowMs(window: string): number {
  if (window === 'month') return 30 * DAY_MS;
  if (window === 'quarter') return 91 * DAY_MS;
  return parseDuration(window) ?? 30 * DAY_MS;
}

/** The length of an SLO's window and the time left in it at `atMs`. */
export function windowSpan(window: SloWindow, atMs: number): { windowMs: number; leftMs: number } {
  if (window.kind === 'rolling') return { windowMs: window.ms, leftMs: window.ms };
  const start = calendarPeriodStart(atMs, window.unit, window.timeZone);
  const end = calendarPeriodEnd(atMs, window.unit, window.timeZone);
  return { windowMs: end - start, leftMs: Math.max(0, end - atMs) };
}

/**
 * Budget at risk of a condition seen at `atMs` in which `badRatio` of the SLO's events were
 * bad: `budgetAtRisk` from `domain/slo/math.ts` (burn rate × how long it would have continued
 * ÷ window, capped at the whole budget), where "continued" is `horizonMs` but never past the
 * end of the SLO's window (a calendar month's budget resets; a rolling window always has its
 * whole length ahead). Calendar windows use their real length (28–31 days, 90–92 days).
 */
export function budgetShare(slo: Pick<DetectorSlo, 'target' | 'window'>, badRatio: number, horizonMs: number, atMs: number): number {
  if (badRatio <= 0) return 0;
  const { windowMs, leftMs } = windowSpan(slo.window, atMs);
  return budgetAtRisk(sloBurnRate(badRatio, slo.target), Math.min(horizonMs, leftMs), windowMs);
}

/** Prefix sums over a minute series so any window is an O(1) difference. */
export class WindowSums {
  readonly startMs: number;
  readonly length: number;
  readonly #good: Float64Array;
  readonly #total: Float64Array;
  constructor(series: MinuteSeries) {
    this.startMs = series.startMs;
    this.length = series.total.length;
    this.#good = new Float64Array(this.length + 1);
    this.#total = new Float64Array(this.length + 1);
    for (let index = 0; index < this.length; index += 1) {
      this.#good[index + 1] = (this.#good[index] ?? 0) + (series.good[index] ?? 0);
      this.#total[index + 1] = (this.#total[index] ?? 0) + (series.total[index] ?? 0);
    }
  }
  /** Index of the minute containing `atMs` (may be out of range). */
  indexOf(atMs: number): number {
    return Math.floor((atMs - this.startMs) / MINUTE_MS);
  }
  minuteStart(index: number): number {
    return this.startMs + index * MINUTE_MS;
  }
  /** Good and total over the `minutes` minutes ending with minute `index` (inclusive). */
  window(index: number, minutes: number): { good: number; total: number; bad: number } {
    const end = Math.min(this.length, Math.max(0, index + 1));
    const start = Math.min(end, Math.max(0, index + 1 - minutes));
    const good = (this.#good[end] ?? 0) - (this.#good[start] ?? 0);
    const total = (this.#total[end] ?? 0) - (this.#total[start] ?? 0);
    return { good, total, bad: total - good };
  }
  minute(index: number): { good: number; total: number; bad: number } {
    return this.window(index, 1);
  }
}

/** Runs of consecutive `true` indexes, as [first, last] pairs. */
export function runsOf(flags: readonly boolean[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  flags.forEach((flag, index) => {
    if (flag && start === -1) start = index;
    if (!flag && start !== -1) {
      runs.push([start, index - 1]);
      start = -1;
    }
  });
  if (start !== -1) runs.push([start, flags.length - 1]);
  return runs;
}

export const round = (value: number, digits = 4): number => Number(value.toFixed(digits));
