import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import type { ProbeResult } from '../services/ingest-results.ts';
import { errorText, type ProbeOutcome, type ProbeTarget } from './types.ts';

export interface SchedulerOptions {
  region: string;
  clock: Clock;
  /** Most probes in flight at once, across all monitors. */
  concurrency: number;
  probe: (target: ProbeTarget, now: Date) => Promise<ProbeOutcome>;
  onResult: (result: ProbeResult) => void;
  /** [0, 1) for jitter; injectable so tests are deterministic. */
  random?: () => number;
}

interface Entry {
  target: ProbeTarget;
  /** When the next run is due (epoch ms). */
  dueMs: number;
  /** Queued for a slot or running: never start it again until it finishes. */
  state: 'idle' | 'queued' | 'running';
}

/** Lag samples kept for statistics (the newest win). */
const MAX_LAG_SAMPLES = 200_000;
/** A probe that ignores its own timeout is cut off this long after it. */
const HARD_TIMEOUT_GRACE_MS = 1000;
/** Each run moves by up to ±2 % of the interval so that monitors do not lock into step. */
const RUN_JITTER = 0.02;

export interface SchedulerStats {
  started: number;
  /** Runs skipped because the previous one was still queued or running (never overlap). */
  skipped: number;
  /** Start time minus due time of recent runs, ms. */
  lagsMs: number[];
}

/**
 * Runs each monitor every `intervalMs`: the first run at a random phase within one interval
 * (so a thousand monitors do not fire together), then at fixed steps from the due time (no
 * drift) with a small jitter. A monitor never overlaps itself; at most `concurrency` probes run
 * at once and the rest wait in due order. Every probe is bounded by its timeout.
 *
 * `runDue()` starts whatever is due now; `start()` drives it with timers. Tests call `runDue()`
 * with a ManualClock and await `idle()`.
 */
export class ProbeScheduler {
  readonly #options: SchedulerOptions;
  readonly #random: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #queue: Entry[] = [];
  #running = 0;
  #idleWaiters: Array<() => void> = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;
  readonly stats: SchedulerStats = { started: 0, skipped: 0, lagsMs: [] };

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** Replaces the monitor list: new ones get a random phase, changed intervals are rescheduled, removed ones stop. */
  setTargets(targets: readonly ProbeTarget[]): void {
    const now = this.#options.clock.now().getTime();
    const keep = new Set<string>();
    for (const target of targets) {
      keep.add(target.key);
      const existing = this.#entries.get(target.key);
      const phaseDue = now + Math.floor(this.#random() * target.intervalMs);
      if (existing) {
        // Updated in place so that a run in flight still finds (and frees) its entry.
        if (existing.target.intervalMs !== target.intervalMs) existing.dueMs = Math.min(existing.dueMs, phaseDue);
        existing.target = target;
        continue;
      }
      this.#entries.set(target.key, { target, dueMs: phaseDue, state: 'idle' });
    }
    for (const key of [...this.#entries.keys()]) if (!keep.has(key)) this.#entries.delete(key);
    this.#arm();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Starts (or queues) every run that is due; returns how many became due. */
  runDue(): number {
    const now = this.#options.clock.now().getTime();
    let due = 0;
    const ready: Entry[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.dueMs > now || entry.state === 'queued') continue;
      due += 1;
      if (entry.state === 'running') {
        this.stats.skipped += 1;
        entry.dueMs = this.#nextDue(entry, now);
        continue;
      }
      entry.state = 'queued';
      ready.push(entry);
    }
    ready.sort((a, b) => a.dueMs - b.dueMs);
    this.#queue.push(...ready);
    this.#pump();
    return due;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  /** Stops scheduling and waits for the probes in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#queue.length = 0;
    await this.idle();
  }

  #nextDue(entry: Entry, now: number): number {
    const interval = entry.target.intervalMs;
    const jitter = (this.#random() - 0.5) * 2 * RUN_JITTER * interval;
    let next = entry.dueMs + interval;
    // After a long stall, skip the runs that were missed instead of firing them all at once.
    if (next <= now) next += Math.ceil((now - next + 1) / interval) * interval;
    return Math.round(next + jitter);
  }

  #pump(): void {
    while (this.#running < this.#options.concurrency) {
      const entry = this.#queue.shift();
      if (!entry) break;
      if (this.#entries.get(entry.target.key) !== entry) {
        entry.state = 'idle';
        continue;
      }
      this.#launch(entry);
    }
    if (this.#running === 0 && this.#queue.length === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #launch(entry: Entry): void {
    const startedAt = this.#options.clock.now();
    const lag = Math.max(0, startedAt.getTime() - entry.dueMs);
    if (this.stats.lagsMs.length >= MAX_LAG_SAMPLES) this.stats.lagsMs.shift();
    this.stats.lagsMs.push(lag);
    this.stats.started += 1;
    entry.dueMs = this.#nextDue(entry, startedAt.getTime());
    this.#running += 1;
    entry.state = 'running';
    const { target } = entry;
    void this.#bounded(target, startedAt).then((outcome) => {
      this.#running -= 1;
      entry.state = 'idle';
      this.#options.onResult({
        id: randomUUID(),
        monitor: target.key,
        region: this.#options.region,
        at: startedAt,
        ok: outcome.ok,
        latencyMs: outcome.latencyMs,
        statusCode: outcome.statusCode,
        error: outcome.error,
        tlsExpiresAt: outcome.tlsExpiresAt,
      });
      this.#pump();
      this.#arm();
    });
  }

  /** The probe, cut off shortly after its own timeout if it overstays, and never throwing. */
  async #bounded(target: ProbeTarget, now: Date): Promise<ProbeOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const limitMs = target.timeoutMs + HARD_TIMEOUT_GRACE_MS;
    const cutoff = new Promise<ProbeOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, latencyMs: limitMs, error: `timed out after ${target.timeoutMs} ms` }), limitMs);
    });
    try {
      return await Promise.race([this.#options.probe(target, now), cutoff]);
    } catch (error) {
      return { ok: false, latencyMs: 0, error: errorText(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sets one timer for the earliest due run (timers drive `runDue` only after `start()`). */
  #arm(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries.values()) if (entry.state === 'idle' && entry.dueMs < earliest) earliest = entry.dueMs;
    if (earliest === Number.POSITIVE_INFINITY) return;
    const wait = Math.max(0, earliest - this.#options.clock.now().getTime());
    this.#timer = setTimeout(() => {
      this.runDue();
      this.#arm();
    }, wait);
    this.#timer.unref?.();
  }
}
