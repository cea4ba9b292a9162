import type { AppDeps } from '../deps.ts';
import type { Worker, WorkerFactory } from './worker.ts';
import { heartbeatCheckerWorker } from './heartbeat-checker.ts';
import { maintenanceWorker } from './maintenance.ts';
import { nearMissDetectorWorker } from './near-miss-detector.ts';
import { outboxWorker } from './outbox.ts';
import { proberWorker } from './prober.ts';
import { prometheusSliWorker } from './prometheus-sli.ts';
import { publisherWorker } from './publisher.ts';
import { rollupCompactionWorker } from './rollup-compaction.ts';
import { sloAlertWorker } from './slo-alerts.ts';

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
