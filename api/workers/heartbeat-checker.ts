import { checkHeartbeats } from '../services/heartbeats.ts';
import { intervalWorker, type WorkerFactory } from './worker.ts';

const CHECK_EVERY_MS = 5000;

/**
 * Records missed heartbeats as failures (see `checkHeartbeats`). Every API process runs it; miss
 * ids are deterministic, so several processes record each miss once.
 */
export const heartbeatCheckerWorker: WorkerFactory = (deps) =>
  intervalWorker('heartbeat-checker', deps, CHECK_EVERY_MS, async () => {
    await checkHeartbeats(deps);
  });
