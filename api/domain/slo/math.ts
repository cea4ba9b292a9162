/**
 * The SLO numbers, as the SRE Workbook and OpenSLO define them. Pure functions of counts.
 *
 * SLI = good / total. Error budget = 1 − target. Burn rate = error ratio / (1 − target).
 * Budget consumed = bad / ((1 − target) × total) = (1 − SLI) / (1 − target); remaining = 1 −
 * consumed, negative when overspent. Results are rounded to 12 significant digits so that
 * float noise (1 − 0.999 = 0.0010000000000000009) does not turn a burn rate of exactly 1 into
 * 0.9999999999999991 and flip a threshold comparison.
 */

export const clean = (value: number): number => (Number.isFinite(value) ? Number(value.toPrecision(12)) : value);

/** Good and total units over a window: events (Occurrences) or slices (Timeslices). */
export interface SliCounts {
  good: number;
  total: number;
}

export const ZERO: SliCounts = { good: 0, total: 0 };

/** good / total, or null when there is no data (no data is never good). */
export function sliRatio(counts: SliCounts): number | null {
  return counts.total > 0 ? clean(counts.good / counts.total) : null;
}

export function errorRatio(counts: SliCounts): number | null {
  return counts.total > 0 ? clean((counts.total - counts.good) / counts.total) : null;
}

/** How many times faster than "exactly on budget" the error budget is being spent. */
export function burnRate(errorRatioValue: number, target: number): number {
  return clean(errorRatioValue / (1 - target));
}

/** Burn rate of a window's counts; null without data. */
export function burnRateOf(counts: SliCounts, target: number): number | null {
  const ratio = errorRatio(counts);
  return ratio === null ? null : burnRate(ratio, target);
}

export interface ErrorBudget {
  /** Bad units the window may have: (1 − target) × total. */
  total: number;
  /** Bad units so far. */
  bad: number;
  /** Share of the budget spent: bad / ((1 − target) × total); null without data. */
  consumed: number | null;
  /** 1 − consumed; negative when overspent; null without data. */
  remaining: number | null;
}

export function errorBudget(counts: SliCounts, target: number): ErrorBudget {
  const bad = counts.total - counts.good;
  const allowed = (1 - target) * counts.total;
  if (counts.total <= 0) return { total: 0, bad: 0, consumed: null, remaining: null };
  const consumed = clean(bad / allowed);
  return { total: clean(allowed), bad: clean(bad), consumed, remaining: clean(1 - consumed) };
}

/**
 * Share of a window's error budget a burn rate spends in `durationMs`:
 * burnRate × duration / window. 14.4× for 1 h of a 30-day window spends 2 %.
 */
export function budgetSpent(rate: number, durationMs: number, windowMs: number): number {
  return clean((rate * durationMs) / windowMs);
}

/**
 * Budget at risk: the share of the SLO's whole error budget that would have been spent had
 * `rate` continued for `continuedMs` (the time left in the window, or a shorter horizon):
 * burn rate × continuedMs / window, capped at 1. 14.4× for 1 h of a 30-day window risks 2 %;
 * 100× for the 10 minutes left in a month risks 100 × 10 min / 31 d ≈ 2.2 %. The near-miss
 * detector reports this for every signal that has a burn rate.
 */
export function budgetAtRisk(rate: number, continuedMs: number, windowMs: number): number {
  if (rate <= 0 || continuedMs <= 0 || windowMs <= 0) return 0;
  return Math.min(1, budgetSpent(rate, continuedMs, windowMs));
}

export const SLO_STATUSES = ['healthy', 'at_risk', 'exhausted', 'no_data'] as const;
export type SloStatus = (typeof SLO_STATUSES)[number];

/** Below this much remaining budget an SLO is at risk even when no alert fires. */
export const AT_RISK_REMAINING = 0.25;

/**
 * no_data: nothing measured in the window. exhausted: nothing left (remaining ≤ 0).
 * at_risk: an alert rule fires, or less than 25 % of the budget remains. healthy otherwise.
 */
export function sloStatus(budget: ErrorBudget, anyAlertFiring: boolean): SloStatus {
  if (budget.remaining === null) return 'no_data';
  if (budget.remaining <= 0) return 'exhausted';
  if (anyAlertFiring || budget.remaining < AT_RISK_REMAINING) return 'at_risk';
  return 'healthy';
}
