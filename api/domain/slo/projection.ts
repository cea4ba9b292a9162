import { clean, type SliCounts } from './math.ts';

/**
 * A calendar window (OpenSLO `timeWindow` with `isRolling: false`, e.g. `1M` aligned to the
 * calendar in a time zone) is measured over the period so far, so early in the month the SLI
 * and the budget rest on a few days: ten bad events of the first thousand are a whole 1 %
 * budget "consumed", yet at that pace the month will bring about ten thousand events and a
 * hundred-event budget. The projection states how far into the period the window is and the
 * budget the whole period is expected to have, at the traffic seen so far, so a reader can tell
 * an early-month figure from a late one. It changes nothing else: `errorBudget`, `status` and
 * alerts are still those of the period so far.
 */
export interface CalendarProjection {
  /** The period the window belongs to: [periodStart, periodEnd), in the SLO's time zone. */
  periodStart: string;
  periodEnd: string;
  /** Share of the period elapsed at the window's end (wall-clock time, maintenance included). */
  elapsed: number;
  /** Units (events; slices for time-slice budgeting) the whole period is expected to have: total / elapsed. */
  expectedTotal: number | null;
  /** The whole period's error budget in units: (1 − target) × expectedTotal. */
  budgetTotal: number | null;
  /** Share of the whole period's budget already spent: bad / budgetTotal (= consumed so far × elapsed). */
  budgetConsumed: number | null;
  /** 1 − budgetConsumed: what the rest of the period may still spend. */
  budgetRemaining: number | null;
}

/** Null figures when nothing has elapsed or no units arrived yet: there is no pace to go by. */
export function calendarProjection(periodStart: number, periodEnd: number, windowEnd: number, counts: SliCounts, target: number): CalendarProjection {
  const elapsed = periodEnd > periodStart ? Math.min(1, Math.max(0, (windowEnd - periodStart) / (periodEnd - periodStart))) : 0;
  const base = { periodStart: new Date(periodStart).toISOString(), periodEnd: new Date(periodEnd).toISOString(), elapsed: clean(elapsed) };
  if (elapsed <= 0 || counts.total <= 0) return { ...base, expectedTotal: null, budgetTotal: null, budgetConsumed: null, budgetRemaining: null };
  const expectedTotal = counts.total / elapsed;
  const budgetTotal = (1 - target) * expectedTotal;
  const consumed = clean((counts.total - counts.good) / budgetTotal);
  return { ...base, expectedTotal: clean(expectedTotal), budgetTotal: clean(budgetTotal), budgetConsumed: consumed, budgetRemaining: clean(1 - consumed) };
}
