import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_RULES, evaluateRule, parseRules } from '../../../../api/domain/slo/alerts.ts';
import { budgetAtRisk, budgetSpent, burnRate, burnRateOf, errorBudget, sliRatio, sloStatus } from '../../../../api/domain/slo/math.ts';
import { sliceCounts } from '../../../../api/domain/slo/timeslices.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('SLO math (SRE Workbook figures)', () => {
  it('gives burn rate 1 for a steady 0.1 % error ratio against a 99.9 % SLO', () => {
    expect(burnRate(0.001, 0.999)).toBe(1);
    expect(burnRateOf({ good: 999_000, total: 1_000_000 }, 0.999)).toBe(1);
  });

  it('spends 2 % of a 30-day budget burning at 14.4x for 1 hour, 5 % at 6x for 6 hours, 10 % at 1x for 3 days', () => {
    expect(budgetSpent(14.4, HOUR, 30 * DAY)).toBe(0.02);
    expect(budgetSpent(6, 6 * HOUR, 30 * DAY)).toBe(0.05);
    expect(budgetSpent(3, DAY, 30 * DAY)).toBe(0.1);
    expect(budgetSpent(1, 3 * DAY, 30 * DAY)).toBe(0.1);
  });

  it('computes the error budget as bad / ((1 - target) x total) and goes negative when overspent', () => {
    expect(errorBudget({ good: 9_995, total: 10_000 }, 0.999)).toEqual({ total: 10, bad: 5, consumed: 0.5, remaining: 0.5 });
    expect(errorBudget({ good: 9_970, total: 10_000 }, 0.999)).toEqual({ total: 10, bad: 30, consumed: 3, remaining: -2 });
    expect(errorBudget({ good: 0, total: 0 }, 0.999)).toEqual({ total: 0, bad: 0, consumed: null, remaining: null });
  });

  it('treats no data as no data, never as good', () => {
    expect(sliRatio({ good: 0, total: 0 })).toBeNull();
    expect(burnRateOf({ good: 0, total: 0 }, 0.99)).toBeNull();
    expect(sloStatus(errorBudget({ good: 0, total: 0 }, 0.99), false)).toBe('no_data');
  });

  it('derives status: exhausted at or below zero, at_risk under 25 % or while an alert fires, healthy otherwise', () => {
    expect(sloStatus(errorBudget({ good: 990, total: 1000 }, 0.99), false)).toBe('exhausted');
    expect(sloStatus(errorBudget({ good: 992, total: 1000 }, 0.99), false)).toBe('at_risk');
    expect(sloStatus(errorBudget({ good: 998, total: 1000 }, 0.99), true)).toBe('at_risk');
    expect(sloStatus(errorBudget({ good: 998, total: 1000 }, 0.99), false)).toBe('healthy');
  });

  it('reports budget at risk as the share of the whole budget the burn would spend had it continued', () => {
    // 14.4× for 1 h of a 30-day window: 2 % of the budget, whatever is left of it.
    expect(budgetAtRisk(14.4, HOUR, 30 * DAY)).toBe(0.02);
    // 100× for the 10 minutes left in a 31-day month: 1,000 / 44,640 of the budget.
    expect(budgetAtRisk(100, 10 * 60_000, 31 * DAY)).toBeCloseTo(1000 / 44_640, 12);
    // Capped at the whole budget; nothing at risk without a burn or time left.
    expect(budgetAtRisk(100, 30 * DAY, 30 * DAY)).toBe(1);
    expect(budgetAtRisk(0, HOUR, 30 * DAY)).toBe(0);
    expect(budgetAtRisk(14.4, 0, 30 * DAY)).toBe(0);
  });
});

describe('multi-window, multi-burn-rate alert rules', () => {
  const [page1h] = parseRules(null);

  it('defaults to the Workbook set: 14.4x 1h/5m, 6x 6h/30m page; 3x 1d/2h, 1x 3d/6h ticket', () => {
    expect(DEFAULT_ALERT_RULES.map((rule) => [rule.severity, rule.burnRate, rule.longWindow, rule.shortWindow])).toEqual([
      ['page', 14.4, '1h', '5m'],
      ['page', 6, '6h', '30m'],
      ['ticket', 3, '1d', '2h'],
      ['ticket', 1, '3d', '6h'],
    ]);
  });

  it('fires only when both the long and the short window burn above the threshold', () => {
    if (!page1h) throw new Error('no default rule');
    // 99.9 %: 14.4x is an error ratio of 1.44 %.
    const hot = { good: 980, total: 1000 }; // 2 % errors: 20x
    const cool = { good: 990, total: 1000 }; // 1 % errors: 10x
    expect(evaluateRule(page1h, hot, hot, 0.999).firing).toBe(true);
    expect(evaluateRule(page1h, hot, cool, 0.999).firing).toBe(false);
    expect(evaluateRule(page1h, cool, hot, 0.999).firing).toBe(false);
    expect(evaluateRule(page1h, hot, { good: 0, total: 0 }, 0.999).firing).toBe(false);
    expect(evaluateRule(page1h, hot, hot, 0.999)).toMatchObject({ longBurnRate: 20, shortBurnRate: 20, longWindow: '1h', shortWindow: '5m' });
  });

  it('does not fire at exactly the threshold (the Workbook compares with >)', () => {
    const ticket3d = parseRules(null)[3];
    if (!ticket3d) throw new Error('no default rule');
    const onBudget = { good: 999_000, total: 1_000_000 };
    expect(evaluateRule(ticket3d, onBudget, onBudget, 0.999).firing).toBe(false);
  });
});

describe('time-slice budgeting', () => {
  const MIN = 60_000;
  const rows = [
    // slice 0 (minutes 0-4): 9/10 good
    { bucket: 0, good: 4, total: 5 },
    { bucket: 4 * MIN, good: 5, total: 5 },
    // slice 1: 1/2 good
    { bucket: 5 * MIN, good: 1, total: 2 },
    // slice 2: no data
    { bucket: 10 * MIN, good: 0, total: 0 },
    // slice 3: 3/3 good
    { bucket: 19 * MIN, good: 3, total: 3 },
  ];

  it('Timeslices counts slices whose ratio reaches timeSliceTarget; empty slices are no data', () => {
    expect(sliceCounts(rows, 5 * MIN, 'Timeslices', 0.9)).toEqual({ good: 2, total: 3 });
    expect(sliceCounts(rows, 5 * MIN, 'Timeslices', 0.95)).toEqual({ good: 1, total: 3 });
  });

  it('RatioTimeslices averages the slice ratios', () => {
    const counts = sliceCounts(rows, 5 * MIN, 'RatioTimeslices', 0);
    expect(counts.total).toBe(3);
    expect(counts.good).toBeCloseTo(0.9 + 0.5 + 1, 12);
  });
});
