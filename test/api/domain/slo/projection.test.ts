import { describe, expect, it } from 'vitest';
import { calendarProjection } from '../../../../api/domain/slo/projection.ts';
import { calendarPeriodEnd, calendarPeriodStart } from '../../../../api/domain/slo/windows.ts';

const t = (iso: string) => Date.parse(iso);

describe('calendarProjection', () => {
  it('states a tenth of November gone and the month budget at the pace so far (hand-computed)', () => {
    // November has 30 days; on the 4th at 00:00 UTC three of them are gone: elapsed 0.1.
    // 1,000 events so far → 10,000 expected; 1 % of that is a 100-event budget; the 10 bad
    // events spend 10 % of it, although they are the whole budget of the 1,000 so far.
    const projection = calendarProjection(t('2026-11-01T00:00:00Z'), t('2026-12-01T00:00:00Z'), t('2026-11-04T00:00:00Z'), { good: 990, total: 1000 }, 0.99);
    expect(projection).toEqual({
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      elapsed: 0.1,
      expectedTotal: 10_000,
      budgetTotal: 100,
      budgetConsumed: 0.1,
      budgetRemaining: 0.9,
    });
  });

  it('measures a quarter in its time zone, including the hour DST gives back', () => {
    // Q4 2026 in New York: 1 Oct 00:00 EDT (04:00Z) to 1 Jan 00:00 EST (05:00Z) = 92 days + 1 h = 2,209 h.
    const at = t('2026-11-16T04:00:00Z');
    const start = calendarPeriodStart(at, 'quarter', 'America/New_York');
    const end = calendarPeriodEnd(at, 'quarter', 'America/New_York');
    expect([new Date(start).toISOString(), new Date(end).toISOString()]).toEqual(['2026-10-01T04:00:00.000Z', '2027-01-01T05:00:00.000Z']);
    const projection = calendarProjection(start, end, at, { good: 4_416, total: 4_416 }, 0.999);
    // 46 days = 1,104 h of 2,209 h.
    expect(projection.elapsed).toBe(Number((1104 / 2209).toPrecision(12)));
    expect(projection.expectedTotal).toBe(Number((4416 / (1104 / 2209)).toPrecision(12)));
    expect(projection.expectedTotal).toBeCloseTo(8836, 6);
    expect(projection.budgetConsumed).toBe(0);
    expect(projection.budgetRemaining).toBe(1);
  });

  it('has no pace to go by at the very start of a period or before any data', () => {
    const start = t('2026-11-01T00:00:00Z');
    const end = t('2026-12-01T00:00:00Z');
    expect(calendarProjection(start, end, start, { good: 0, total: 0 }, 0.99)).toMatchObject({ elapsed: 0, expectedTotal: null, budgetTotal: null, budgetConsumed: null });
    expect(calendarProjection(start, end, t('2026-11-20T00:00:00Z'), { good: 0, total: 0 }, 0.99)).toMatchObject({ expectedTotal: null, budgetRemaining: null });
  });
});
