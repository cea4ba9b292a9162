/** A reporting period: a calendar month (`2026-10`) or quarter (`2026-Q4`), in UTC. */
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
