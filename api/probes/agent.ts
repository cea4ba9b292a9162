import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ProbeResult } from '../services/ingest-results.ts';
import { DiskBuffer } from './disk-buffer.ts';
import { rejectedIndexes } from './result-batch.ts';
import { runProbe } from './run-probe.ts';
import { ProbeScheduler } from './scheduler.ts';
import type { ProbeOutcome, ProbeTarget } from './types.ts';

/** A result as `POST /api/v1/results` takes it; this is also what the disk buffer stores. */
export interface WireResult {
  id: string;
  monitor: string;
  region: string;
  at: string;
  ok: boolean;
  latencyMs: number;
  statusCode?: number;
  error?: string;
  tlsExpiresAt?: string;
}

export interface AgentOptions {
  region: string;
  /** Base URL of the Headroom API, e.g. `http://status.internal:3000`. */
  apiUrl: string;
  /** A token with scope `ingest` (it reads the monitors and posts results). */
  token: string;
  /** Where the buffer (and the last known monitor list) live. */
  dataDir: string;
  logger: Logger;
  clock?: Clock;
  concurrency?: number;
  /** Results kept on disk while the API is unreachable; the oldest are dropped beyond this. */
  maxBuffered?: number;
  batchSize?: number;
  probe?: (target: ProbeTarget, now: Date) => Promise<ProbeOutcome>;
  random?: () => number;
}

export interface FlushReport {
  sent: number;
  rejected: number;
  /** Why the flush stopped early (API unreachable, 5xx, auth), if it did. */
  error?: string;
}

const MAX_ERROR_LENGTH = 2000;

export function toWire(result: ProbeResult): WireResult {
  return {
    id: result.id,
    monitor: result.monitor,
    region: result.region,
    at: result.at.toISOString(),
    ok: result.ok,
    latencyMs: Math.min(Math.max(0, result.latencyMs), 3_600_000),
    ...(result.statusCode !== undefined && result.statusCode >= 100 && result.statusCode <= 599 ? { statusCode: result.statusCode } : {}),
    ...(result.error !== undefined ? { error: result.error.slice(0, MAX_ERROR_LENGTH) } : {}),
    ...(result.tlsExpiresAt !== undefined && !Number.isNaN(result.tlsExpiresAt.getTime()) ? { tlsExpiresAt: result.tlsExpiresAt.toISOString() } : {}),
  };
}

/**
 * A regional probe agent: reads the monitors from the API, probes those listing its region,
 * and pushes results in batches. Every result goes to an on-disk buffer first and leaves it only
 * after the API acknowledged it, with its original id, so an outage (or an agent restart) loses
 * nothing and a resend after a lost answer is counted once (ingest is idempotent by id).
 */
export class ProbeAgent {
  readonly scheduler: ProbeScheduler;
  readonly buffer: DiskBuffer<WireResult>;
  readonly #options: AgentOptions;
  readonly #batchSize: number;
  #flushing: Promise<FlushReport> | undefined;
  #timers: NodeJS.Timeout[] = [];
  #failures = 0;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 1000;
    mkdirSync(options.dataDir, { recursive: true });
    this.buffer = new DiskBuffer<WireResult>(join(options.dataDir, 'buffer'), options.maxBuffered ?? 100_000);
    this.scheduler = new ProbeScheduler({
      region: options.region,
      clock: options.clock ?? systemClock,
      concurrency: options.concurrency ?? 200,
      probe: options.probe ?? runProbe,
      onResult: (result) => this.buffer.append([toWire(result)]),
      ...(options.random ? { random: options.random } : {}),
    });
  }

  #url(path: string): string {
    return `${this.#options.apiUrl.replace(/\/$/, '')}${path}`;
  }

  /**
   * Loads the monitors for this region from the API. While the API is unreachable the last
   * list seen (kept on disk) is used, so an agent can start, and keep probing, during an outage.
   */
  async refresh(): Promise<number> {
    const cache = join(this.#options.dataDir, 'monitors.json');
    let targets: ProbeTarget[];
    try {
      const response = await fetch(this.#url('/api/v1/monitors'), {
        headers: { authorization: `Bearer ${this.#options.token}` },
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`GET /api/v1/monitors answered ${response.status}`);
      const body = (await response.json()) as { monitors: ProbeTarget[] & { key: string }[] };
      targets = body.monitors.map((monitor) => ({
        key: monitor.key,
        kind: monitor.kind,
        intervalMs: monitor.intervalMs,
        timeoutMs: monitor.timeoutMs,
        regions: monitor.regions,
        settings: monitor.settings,
      }));
      writeFileSync(cache, JSON.stringify(targets));
    } catch (error) {
      if (!existsSync(cache)) throw error;
      this.#options.logger.warn({ err: error }, 'agent: API unreachable, using the last known monitors');
      targets = JSON.parse(readFileSync(cache, 'utf8')) as ProbeTarget[];
    }
    const mine = targets.filter((target) => target.kind !== 'heartbeat' && target.regions.includes(this.#options.region));
    this.scheduler.setTargets(mine);
    return mine.length;
  }

  /** Sends everything buffered, oldest first; stops at the first delivery problem and keeps the rest. */
  flush(): Promise<FlushReport> {
    // One flush at a time: overlapping flushes would send the same buffered results twice.
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushAll(): Promise<FlushReport> {
    const report: FlushReport = { sent: 0, rejected: 0 };
    while (this.buffer.size > 0) {
      const batch = this.buffer.peek(this.#batchSize);
      const outcome = await this.#post(batch);
      if (outcome.kind === 'retry') {
        report.error = outcome.error;
        return report;
      }
      if (outcome.kind === 'rejected') {
        // Drop exactly the items the API named (e.g. a monitor removed meanwhile) and send the rest.
        const rest = batch.filter((_, index) => !outcome.indexes.has(index));
        this.#options.logger.warn({ rejected: outcome.indexes.size, detail: outcome.error }, 'agent: results rejected by the API were dropped');
        const second = rest.length === 0 ? ({ kind: 'ok' } as const) : await this.#post(rest);
        if (second.kind !== 'ok') {
          report.error = second.kind === 'retry' || second.kind === 'rejected' ? second.error : 'rejected';
          return report;
        }
        report.rejected += batch.length - rest.length;
        report.sent += rest.length;
      } else {
        report.sent += batch.length;
      }
      this.buffer.ack(batch.length);
    }
    return report;
  }

  async #post(batch: WireResult[]): Promise<{ kind: 'ok' } | { kind: 'retry'; error: string } | { kind: 'rejected'; error: string; indexes: Set<number> }> {
    let response: Response;
    try {
      response = await fetch(this.#url('/api/v1/results'), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ results: batch }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      return { kind: 'retry', error: `API unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (response.ok) {
      await response.body?.cancel();
      return { kind: 'ok' };
    }
    const text = await response.text();
    if (response.status === 422) {
      const problem = JSON.parse(text) as { issues?: { path: string }[]; detail?: string };
      const indexes = rejectedIndexes(problem.issues);
      if (indexes.size > 0) return { kind: 'rejected', error: problem.detail ?? 'rejected', indexes };
    }
    // 401/403 (token), 429, 5xx and anything unexpected: keep the results and try again later.
    return { kind: 'retry', error: `API answered ${response.status}: ${text.slice(0, 200)}` };
  }

  /** Runs with real timers: probes on schedule, flushes every few seconds (backing off while the API is down). */
  async start(): Promise<void> {
    await this.refresh();
    this.scheduler.start();
    const flushLoop = async () => {
      const report = await this.flush();
      this.#failures = report.error ? this.#failures + 1 : 0;
      if (report.error) this.#options.logger.warn({ error: report.error, buffered: this.buffer.size }, 'agent: results kept for later');
      const delay = Math.min(60_000, 2000 * 2 ** Math.min(this.#failures, 5));
      this.#timers.push(setTimeout(() => void flushLoop(), report.error ? delay : 2000));
    };
    this.#timers.push(setTimeout(() => void flushLoop(), 2000));
    this.#timers.push(
      setInterval(() => {
        this.refresh().catch((error: unknown) => this.#options.logger.error({ err: error }, 'agent: could not load monitors'));
      }, 60_000),
    );
  }

  async stop(): Promise<FlushReport> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    await this.scheduler.stop();
    return this.flush();
  }
}
