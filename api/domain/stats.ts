/**
 * Small, pure statistics for near-miss detection and reports. Percentiles are nearest-rank
 * (a value that was actually observed), which is what the reports promise to leadership.
 */

/** Nearest-rank percentile (p in 0..100) of a sample; null when it is empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? null;
}

/** The median as the mean of the two middle values for even sizes; null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? 0) + upper) / 2;
}

/** Standard normal cumulative distribution (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

export interface TestResult {
  /** The test statistic (z score of the normal approximation). */
  z: number;
  /** One-sided p-value for "the second sample is larger". */
  pValue: number;
}

/**
 * Mann–Whitney U test, one-sided: is `after` stochastically larger than `before`? Uses the
 * normal approximation with tie correction and continuity correction, valid for the sample
 * sizes the detector insists on (≥ 20 each). Rank-based, so a few slow outliers cannot fake it.
 */
export function mannWhitneyGreater(before: readonly number[], after: readonly number[]): TestResult {
  const n1 = before.length;
  const n2 = after.length;
  if (n1 === 0 || n2 === 0) return { z: 0, pValue: 1 };
  const all = [...before.map((value) => ({ value, after: false })), ...after.map((value) => ({ value, after: true }))].sort(
    (a, b) => a.value - b.value,
  );
  let rankSumAfter = 0;
  let tieTerm = 0;
  for (let start = 0; start < all.length; ) {
    let end = start;
    while (end + 1 < all.length && all[end + 1]?.value === all[start]?.value) end += 1;
    const averageRank = (start + end) / 2 + 1;
    const size = end - start + 1;
    tieTerm += size ** 3 - size;
    for (let index = start; index <= end; index += 1) if (all[index]?.after) rankSumAfter += averageRank;
    start = end + 1;
  }
  const u = rankSumAfter - (n2 * (n2 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { z: 0, pValue: 1 };
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { z, pValue: 1 - normalCdf(z) };
}

/**
 * Two-proportion z-test, one-sided: is the bad ratio after larger than before? Pooled
 * standard error; with no failures on either side there is nothing to test (p = 1).
 */
export function twoProportionGreater(badBefore: number, totalBefore: number, badAfter: number, totalAfter: number): TestResult {
  if (totalBefore === 0 || totalAfter === 0) return { z: 0, pValue: 1 };
  const pooled = (badBefore + badAfter) / (totalBefore + totalAfter);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / totalBefore + 1 / totalAfter));
  if (se === 0) return { z: 0, pValue: 1 };
  const z = (badAfter / totalAfter - badBefore / totalBefore) / se;
  return { z, pValue: 1 - normalCdf(z) };
}
