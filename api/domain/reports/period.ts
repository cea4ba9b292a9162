import { localMidnightUtc } from '../slo/windows.ts';

/**
 * A reporting period: a calendar month (`2026-10`) or quarter (`2026-Q4`). `fromMs`/`toMs` are
 * its UTC bounds; each SLO is measured over the same calendar period in its own time zone
 * (`periodBoundsIn`).
 */
export interface ReportPeriod {
  label: string;
  kind: 'month' | 'quarter';
  fromMs: number;
  toMs: number;
}

export const PERIOD_PATTERN = /^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$/;

export function parsePeriod(label: string): ReportPeriod | null {
  const match = PERIOD_PATTERN.exec(label);
  if (!match) return null;
  const year = Number(match[1]);
  if (match[2]) {
    const month = Number(match[2]) - 1;
    return { label, kind: 'month', fromMs: Date.UTC(year, month, 1), toMs: Date.UTC(year, month + 1, 1) };
  }
  const quarter = Number(match[3]) - 1;
  return { label, kind: 'quarter', fromMs: Date.UTC(year, quarter * 3, 1), toMs: Date.UTC(year, quarter * 3 + 3, 1) };
}

/** The period just before: September for October, Q3 for Q4 (across years too). */
export function previousPeriod(period: ReportPeriod): ReportPeriod {
  const start = new Date(period.fromMs);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth();
  if (period.kind === 'month') {
    const previous = new Date(Date.UTC(year, month - 1, 1));
    const label = `${previous.getUTCFullYear()}-${String(previous.getUTCMonth() + 1).padStart(2, '0')}`;
    return { label, kind: 'month', fromMs: previous.getTime(), toMs: period.fromMs };
  }
  const previous = new Date(Date.UTC(year, month - 3, 1));
  const label = `${previous.getUTCFullYear()}-Q${Math.floor(previous.getUTCMonth() / 3) + 1}`;
  return { label, kind: 'quarter', fromMs: previous.getTime(), toMs: period.fromMs };
}

/**
 * The period's bounds in a time zone, as the SLO engine's calendar windows define them: from
 * local midnight on the first day of the month (or quarter) to local midnight on the first day
 * of the next. October 2026 in Europe/Berlin is 2026-09-30T22:00Z to 2026-10-31T23:00Z.
 */
export function periodBoundsIn(period: ReportPeriod, timeZone: string): { fromMs: number; toMs: number } {
  const start = new Date(period.fromMs);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + 1;
  const next = month + (period.kind === 'month' ? 1 : 3);
  return {
    fromMs: localMidnightUtc(year, month, 1, timeZone),
    toMs: localMidnightUtc(year + Math.floor((next - 1) / 12), ((next - 1) % 12) + 1, 1, timeZone),
  };
}
