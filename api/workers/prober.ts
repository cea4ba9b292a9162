import { and, isNull, ne } from 'drizzle-orm';
import { monitors } from '../../db/schema/monitors.ts';
import type { AppDeps } from '../deps.ts';
import { ValidationError } from '../lib/errors.ts';
import { rejectedIndexes } from '../probes/result-batch.ts';
import { runProbe } from '../probes/run-probe.ts';
import { ProbeScheduler } from '../probes/scheduler.ts';
import type { ProbeOutcome, ProbeTarget } from '../probes/types.ts';
import type { ProbeResult } from '../services/ingest-results.ts';
import { ingestProbeResults } from '../services/probe-ingest.ts';
import type { Worker, WorkerFactory } from './worker.ts';

export const DEFAULT_REGION = 'local';
const DEFAULT_CONCURRENCY = 200;
const FLUSH_EVERY_MS = 1000;
const REFRESH_EVERY_MS = 30_000;
/** Results kept in memory while the database refuses them; the oldest go first beyond this. */
const MAX_PENDING = 50_000;
const MAX_BATCH = 5000;

export interface ProberOptions {
  region: string;
  concurrency?: number;
  random?: () => number;
  /** Replaces the real probes (benchmarks of the scheduler alone). */
  probe?: (target: ProbeTarget, now: Date) => Promise<ProbeOutcome>;
}

/** The built-in prober's parts, so tests can drive it tick by tick with a ManualClock. */
export interface ProberLoop {
  scheduler: ProbeScheduler;
  /** Reloads the monitors to probe from the database. */
  refresh(): Promise<void>;
  /** Ingests the results gathered so far (in-process, same path as `POST /api/v1/results`). */
  flush(): Promise<void>;
  pending(): number;
}

/** Monitors this region probes: active, not heartbeats (those are pushed), listing the region. */
export async function loadProbeTargets(deps: Pick<AppDeps, 'db'>, region: string): Promise<ProbeTarget[]> {
  const rows = await deps.db.orm
    .select()
    .from(monitors)
    .where(and(isNull(monitors.archivedAt), ne(monitors.kind, 'heartbeat')));
  return rows
    .filter((row) => row.regions.includes(region))
    .map((row) => ({
      key: row.id,
      kind: row.kind,
      intervalMs: row.intervalMs,
      timeoutMs: row.timeoutMs,
      regions: row.regions,
      settings: row.settings,
    }));
}

export function createProberLoop(deps: AppDeps, options: ProberOptions): ProberLoop {
  let pending: ProbeResult[] = [];
  let flushing: Promise<void> = Promise.resolve();
  const scheduler = new ProbeScheduler({
    region: options.region,
    clock: deps.clock,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    probe: options.probe ?? runProbe,
    onResult: (result) => {
      pending.push(result);
      if (pending.length > MAX_PENDING) {
        const dropped = pending.length - MAX_PENDING;
        pending = pending.slice(dropped);
        deps.logger.warn({ dropped }, 'prober buffer full: oldest results dropped');
      }
    },
    ...(options.random ? { random: options.random } : {}),
  });

  const send = async (batch: ProbeResult[]): Promise<void> => {
    try {
      await ingestProbeResults(deps, batch, { now: deps.clock.now() });
    } catch (error) {
      const bad = error instanceof ValidationError ? rejectedIndexes(error.issues) : new Set<number>();
      if (bad.size === 0) throw error;
      deps.logger.warn({ rejected: bad.size, issues: error instanceof ValidationError ? error.issues?.slice(0, 5) : [] }, 'prober results rejected');
      const rest = batch.filter((_, index) => !bad.has(index));
      if (rest.length > 0) await ingestProbeResults(deps, rest, { now: deps.clock.now() });
    }
  };

  const flushOnce = async (): Promise<void> => {
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH);
      try {
        await send(batch);
      } catch (error) {
        deps.logger.error({ err: error, results: batch.length }, 'prober could not store results; will retry');
        return;
      }
      pending = pending.slice(batch.length);
    }
  };

  return {
    scheduler,
    async refresh() {
      scheduler.setTargets(await loadProbeTargets(deps, options.region));
    },
    flush() {
      // One flush at a time, so results are never sent twice by overlapping flushes.
      flushing = flushing.then(flushOnce);
      return flushing;
    },
    pending: () => pending.length,
  };
}

/**
 * The prober inside `npm start`: probes the monitors whose regions include `HEADROOM_REGION`
 * (default `local`) and ingests the results in-process every second. `HEADROOM_PROBER=off`
 * leaves probing to remote agents.
 */
export const proberWorker: WorkerFactory = async (deps): Promise<Worker> => {
  if (deps.settings.proberEnabled === false) return { name: 'prober (off)', stop: async () => undefined };
  const loop = createProberLoop(deps, { region: deps.settings.probeRegion ?? DEFAULT_REGION });
  await loop.refresh();
  loop.scheduler.start();
  const flushTimer = setInterval(() => void loop.flush(), FLUSH_EVERY_MS);
  const refreshTimer = setInterval(() => {
    loop.refresh().catch((error: unknown) => deps.logger.error({ err: error }, 'prober could not reload monitors'));
  }, REFRESH_EVERY_MS);
  return {
    name: 'prober',
    async stop() {
      clearInterval(flushTimer);
      clearInterval(refreshTimer);
      await loop.scheduler.stop();
      await loop.flush();
    },
  };
};
