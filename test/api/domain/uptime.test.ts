import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../api/domain/rollups.ts';
import { uptimeDays, uptimeOver } from '../../../api/domain/uptime.ts';

const NOW = new Date('2026-11-01T12:00:00Z');
const TODAY = Date.parse('2026-11-01T00:00:00Z');

describe('uptimeDays', () => {
  it('gives one cell per UTC day, oldest first, ending today', () => {
    const days = uptimeDays([], [], NOW, 90);
    expect(days).toHaveLength(90);
    expect(days[0]?.date).toBe('2026-08-04');
    expect(days[89]?.date).toBe('2026-11-01');
  });

  it('marks a day without results as no data, never as 100 %', () => {
    const days = uptimeDays([{ bucket: TODAY - DAY_MS, total: 10, good: 10 }], [], NOW, 3);
    expect(days.map((day) => day.uptime)).toEqual([null, 1, null]);
  });

  it('sums regions of the same day into one ratio', () => {
    const days = uptimeDays(
      [
        { bucket: TODAY, total: 100, good: 99 },
        { bucket: TODAY, total: 100, good: 97 },
      ],
      [],
      NOW,
      1,
    );
    expect(days[0]).toMatchObject({ total: 200, good: 196, uptime: 0.98 });
  });

  it('counts incidents on every day they overlap and keeps the worst impact', () => {
    const days = uptimeDays(
      [],
      [
        { startedAt: new Date('2026-10-30T23:00:00Z'), resolvedAt: new Date('2026-10-31T01:00:00Z'), impact: 'minor' },
        { startedAt: new Date('2026-10-31T10:00:00Z'), resolvedAt: null, impact: 'critical' },
      ],
      NOW,
      3,
    );
    expect(days.map((day) => [day.date, day.incidents, day.worstImpact])).toEqual([
      ['2026-10-30', 1, 'minor'],
      ['2026-10-31', 2, 'critical'],
      ['2026-11-01', 1, 'critical'],
    ]);
  });
});

describe('uptimeOver', () => {
  it('weights days by their results and is null without any', () => {
    const days = uptimeDays(
      [
        { bucket: TODAY, total: 100, good: 100 },
        { bucket: TODAY - DAY_MS, total: 300, good: 200 },
        { bucket: TODAY - 10 * DAY_MS, total: 100, good: 0 },
      ],
      [],
      NOW,
      30,
    );
    expect(uptimeOver(days, 7)).toBeCloseTo(300 / 400);
    expect(uptimeOver(days, 30)).toBeCloseTo(300 / 500);
    expect(uptimeOver(uptimeDays([], [], NOW, 30), 7)).toBeNull();
  });
});
