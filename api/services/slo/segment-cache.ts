import type { Client } from '@libsql/client';
import type { SliCounts } from '../../domain/slo/math.ts';

export interface Entry {
  from: number;
  to: number;
  counts: SliCounts;
  storedAt: number;
}

/** Entries older than this are read again, which bounds staleness from writers in other processes. */
const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 500_000;

/**
 * Sums of one series over one closed rollup segment (e.g. the days 30 to 1 days ago). An SLO
 * evaluation only reads buckets before the current minute, and live ingest only writes the
 * current minute, so these sums stay true until late or backfilled data lands inside them; the
 * rollup writer drops exactly those after its transaction commits. A read that raced with such
 * a write is not stored (the series' generation moved while it ran).
 */
export class SegmentCache {
  readonly #bySeries = new Map<string, Map<string, Entry>>();
  readonly #generation = new Map<string, number>();
  #size = 0;

  generation(series: string): number {
    return this.#generation.get(series) ?? 0;
  }

  get(series: string, key: string, nowMs: number): SliCounts | undefined {
    return this.entry(series, key, nowMs)?.counts;
  }

  /** The live entry with the range it covers and when it was read. */
  entry(series: string, key: string, nowMs: number): Readonly<Entry> | undefined {
    const entry = this.#bySeries.get(series)?.get(key);
    if (!entry || nowMs - entry.storedAt > TTL_MS) return undefined;
    return entry;
  }

  set(series: string, key: string, segment: { from: number; to: number }, counts: SliCounts, generation: number, nowMs: number): void {
    if (this.generation(series) !== generation) return;
    if (this.#size >= MAX_ENTRIES) this.clear();
    let entries = this.#bySeries.get(series);
    if (!entries) {
      entries = new Map();
      this.#bySeries.set(series, entries);
    }
    if (!entries.has(key)) this.#size += 1;
    entries.set(key, { from: segment.from, to: segment.to, counts, storedAt: nowMs });
  }

  /** Drops every cached segment of `series` that contains one of the written bucket times. */
  invalidate(series: string, bucketTimes: Iterable<number>): void {
    this.#generation.set(series, this.generation(series) + 1);
    const entries = this.#bySeries.get(series);
    if (!entries) return;
    const times = [...bucketTimes];
    for (const [key, entry] of entries) {
      if (times.some((at) => at >= entry.from && at < entry.to)) {
        entries.delete(key);
        this.#size -= 1;
      }
    }
  }

  clear(): void {
    this.#bySeries.clear();
    this.#size = 0;
  }
}

const caches = new WeakMap<Client, SegmentCache>();

/** One cache per database (keyed by its client). */
export function segmentCacheFor(client: Client): SegmentCache {
  let cache = caches.get(client);
  if (!cache) {
    cache = new SegmentCache();
    caches.set(client, cache);
  }
  return cache;
}
