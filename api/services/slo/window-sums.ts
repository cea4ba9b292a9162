import type { SliCounts } from '../../domain/slo/math.ts';
import { decompose, NO_HORIZONS, type Horizons, type Segment } from '../../domain/slo/segments.ts';
import { segmentKey } from './rollup-reader.ts';
import type { Entry, SegmentCache } from './segment-cache.ts';

/**
 * Window sums carried from one evaluation to the next. A dashboard polling once a minute (and
 * the alert evaluator) moves every window by one minute, which makes its head and tail rollup
 * segments new and, for 1,000 SLOs, costs a few hundred thousand minute rows each time. The
 * sum over the previous range [a, b) is kept per series and window ("slot"); the new range
 * [c, d) is then a + the few minutes [b, d) − the few minutes [a, c), i.e. two or three rows.
 *
 * The kept sum lives in the segment cache as an entry covering [a, b), so a late or backfilled
 * write inside it drops it exactly like a cached segment; a read that raced with a write is not
 * kept (generation check); and it keeps the time of its oldest read, so the cache's TTL still
 * bounds staleness from writers in other processes (the chain is rebuilt from segments then).
 * Only whole counts are carried: float counts (Prometheus increases) are always summed afresh,
 * so no rounding can creep in and the result is the same number the segments give.
 */

/** A carried sum is only moved by this much; beyond it the segments are as cheap. */
const MAX_SHIFT_MS = 60 * 60_000;

export interface WindowPlan {
  series: string;
  /** The cache key the sum is carried under. */
  key: string;
  from: number;
  to: number;
  /** The carried sum the parts adjust, or zero when summing from segments. */
  base: SliCounts;
  /** What was carried when planned (a newer range is never replaced by an older one). */
  carried: Readonly<Entry> | undefined;
  /** Segments to add (+1) or subtract (−1), with their `segmentKey`. */
  parts: readonly Part[];
  /** Whether `parts` are one-off minute ranges not worth caching on their own. */
  transient: boolean;
  generation: number;
  /** When the oldest read this sum rests on was made (what the TTL counts from). */
  storedAt: number;
  nowMs: number;
  /** Nothing to read or store: the carried sum is this very range. */
  exact: boolean;
}

interface Part {
  segment: Segment;
  key: string;
  sign: 1 | -1;
}

const slotKey = (slot: string) => `window:${slot}`;
const part = (segment: Segment, sign: 1 | -1): Part => ({ segment, key: segmentKey(segment), sign });

/** `[a, b)` as signed parts: added when a < b, subtracted (reversed) when b < a. */
function signedRange(a: number, b: number, sign: 1 | -1): Part[] {
  if (a === b) return [];
  const [from, to, s] = a < b ? [a, b, sign] : [b, a, (-sign) as 1 | -1];
  return decompose(from, to, NO_HORIZONS).map((segment) => part(segment, s));
}

/** Every part is read at a resolution whose rows are still kept (compaction drops old minutes, then hours). */
function retained(parts: readonly Part[], horizons: Horizons): boolean {
  return parts.every(({ segment }) =>
    segment.resolution === 'minute' ? segment.from >= horizons.minuteFrom : segment.resolution === 'hour' ? segment.from >= horizons.hourFrom : true,
  );
}

/**
 * Plans and finishes the windows of one evaluation. The moved minutes are the same for every
 * SLO evaluated at the same instant, so their parts are built once per evaluation, not per SLO.
 */
export class WindowSums {
  readonly #cache: SegmentCache;
  readonly #horizons: Horizons;
  readonly #nowMs: number;
  /** signedRange results by sign, then a, then b. */
  readonly #ranges = new Map<1 | -1, Map<number, Map<number, Part[]>>>([
    [1, new Map()],
    [-1, new Map()],
  ]);

  constructor(cache: SegmentCache, horizons: Horizons, nowMs: number) {
    this.#cache = cache;
    this.#horizons = horizons;
    this.#nowMs = nowMs;
  }

  #range(a: number, b: number, sign: 1 | -1): Part[] {
    const bySign = this.#ranges.get(sign);
    let byA = bySign?.get(a);
    if (!byA) {
      byA = new Map();
      bySign?.set(a, byA);
    }
    let parts = byA.get(b);
    if (!parts) {
      parts = signedRange(a, b, sign);
      byA.set(b, parts);
    }
    return parts;
  }

  /**
   * How to get the sum of `series` over [from, to) (already aligned to the kept resolution, see
   * `effectiveFrom`): from the carried sum when it is this range or a small shift of it, else
   * from the rollup segments (`fresh`, which `decompose` with the horizons gives).
   */
  plan(series: string, slot: string, from: number, to: number, fresh: () => Segment[], onlyFresh = false): WindowPlan {
    const key = slotKey(slot);
    const generation = this.#cache.generation(series);
    const carried = onlyFresh ? undefined : this.#cache.entry(series, key, this.#nowMs);
    const nowMs = this.#nowMs;
    if (carried && carried.from === from && carried.to === to) {
      return { series, key, from, to, generation, nowMs, carried, base: carried.counts, parts: [], transient: true, storedAt: carried.storedAt, exact: true };
    }
    if (carried && Math.abs(to - carried.to) <= MAX_SHIFT_MS && Math.abs(from - carried.from) <= MAX_SHIFT_MS) {
      // [from, to) = [a, b) + (b → to) − (a → from), each signed, for any small shift either way.
      const added = this.#range(carried.to, to, 1);
      const dropped = this.#range(carried.from, from, -1);
      const parts = dropped.length === 0 ? added : added.length === 0 ? dropped : [...added, ...dropped];
      if (retained(parts, this.#horizons)) {
        return { series, key, from, to, generation, nowMs, carried, base: carried.counts, parts, transient: true, storedAt: carried.storedAt, exact: false };
      }
    }
    const parts = fresh().map((segment) => part(segment, 1));
    return { series, key, from, to, generation, nowMs, carried, base: { good: 0, total: 0 }, parts, transient: false, storedAt: nowMs, exact: false };
  }

  /**
   * The window's sum once its parts are summed (`partSum` looks one up; undefined is zero), and
   * the sum carried for the next evaluation. A range older than the one carried never replaces
   * it, so a `?at=` in the past or a history query does not push the live window out.
   *
   * Null when a carried sum met a fractional part: float addition depends on its order, so the
   * caller sums that window from segments (`plan(..., onlyFresh)`) to get the very same double.
   */
  finish(plan: WindowPlan, partSum: (key: string) => SliCounts | undefined): SliCounts | null {
    if (plan.exact) return plan.base;
    let good = plan.base.good;
    let total = plan.base.total;
    for (const { key, sign } of plan.parts) {
      const sum = partSum(key);
      if (!sum) continue;
      good += sign * sum.good;
      total += sign * sum.total;
    }
    const counts = { good, total };
    const whole = Number.isInteger(good) && Number.isInteger(total);
    if (!whole && plan.transient) return null;
    if (whole && (!plan.carried || plan.to >= plan.carried.to)) {
      this.#cache.set(plan.series, plan.key, plan, counts, plan.generation, plan.storedAt);
    }
    return counts;
  }
}
