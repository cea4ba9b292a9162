import { describe, expect, it } from 'vitest';
import { mannWhitneyGreater, median, normalCdf, percentile, twoProportionGreater } from '../../../api/domain/stats.ts';

describe('stats', () => {
  it('takes nearest-rank percentiles and a true median', () => {
    expect(percentile([10, 20, 60], 90)).toBe(60);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([], 50)).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('computes the normal CDF to 1e-6', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975002, 5);
    expect(normalCdf(-2.326)).toBeCloseTo(0.010009, 5);
  });

  it('finds a shift with Mann–Whitney U and none between identical samples', () => {
    const before = Array.from({ length: 30 }, (_, i) => 100 + i);
    const after = Array.from({ length: 30 }, (_, i) => 120 + i);
    // U = 30·30 − (pairs where after ≤ before): 900 − (10·11/2 with ties at half) → z ≈ 3.5.
    const shifted = mannWhitneyGreater(before, after);
    expect(shifted.z).toBeGreaterThan(3);
    expect(shifted.pValue).toBeLessThan(0.001);
    expect(mannWhitneyGreater(before, before).pValue).toBeGreaterThan(0.4);
  });

  it('tests two proportions one-sided', () => {
    // 2/100 vs 12/100: pooled 0.07, se = sqrt(0.07·0.93·0.02) = 0.03608, z = 0.1/0.03608 = 2.77.
    const result = twoProportionGreater(2, 100, 12, 100);
    expect(result.z).toBeCloseTo(2.771, 2);
    expect(result.pValue).toBeCloseTo(0.0028, 3);
    expect(twoProportionGreater(0, 50, 0, 50).pValue).toBe(1);
  });
});
