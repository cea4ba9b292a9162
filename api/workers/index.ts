import type { AppDeps } from '../deps.ts';
import { heartbeatCheckerWorker } from './heartbeat-checker.ts';
import { maintenanceWorker } from './maintenance.ts';
import { nearMissDetectorWorker } from './near-miss-detector.ts';
import { outboxWorker } from './outbox.ts';
import { proberWorker } from './prober.ts';
import { prometheusSliWorker } from './prometheus-sli.ts';
import { publisherWorker } from './publisher.ts';
import { rollupCompactionWorker } from './rollup-compaction.ts';
import { sloAlertWorker } from './slo-alerts.ts';

/** A background loop started with the server and stopped, awaited, on shutdown. */
export interface Worker {
  name: string;
  stop(): Promise<void>;
}

export type WorkerFactory = (deps: AppDeps) => Worker | Promise<Worker>;

/**
 * Every worker `npm start` runs, in start order. Each feature adds its factory here; tests
 * start the ones they need directly with an injected clock.
 */
export const workerFactories: ReadonlyArray<WorkerFactory> = [proberWorker, heartbeatCheckerWorker, nearMissDetectorWorker, maintenanceWorker, outboxWorker, publisherWorker, prometheusSliWorker, sloAlertWorker, rollupCompactionWorker];

export async function startWorkers(deps: AppDeps, factories: ReadonlyArray<WorkerFactory> = workerFactories): Promise<Worker[]> {
  const started: Worker[] = [];
  for (const factory of factories) started.push(await factory(deps));
  return started;
}

/**
 * Runs `tick` every `intervalMs` without ever overlapping itself; errors are logged and the
 * loop goes on. The usual shape of a worker.
 */
export function intervalWorker(name: string, deps: AppDeps, intervalMs: number, tick: () => Promise<void>): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const loop = async () => {
    if (stopped) return;
    running = tick().catch((error: unknown) => deps.logger.error({ err: error, worker: name }, 'worker tick failed'));
    await running;
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs);
  };
  timer = setTimeout(() => void loop(), 0);
  return {
    name,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
