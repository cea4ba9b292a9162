import { compact } from '../services/slo/compaction.ts';
import { intervalWorker, type WorkerFactory } from './worker.ts';

/** Enforces retention of raw results and minute/hour rollups once an hour. */
export const rollupCompactionWorker: WorkerFactory = (deps) =>
  intervalWorker('rollup-compaction', deps, 3_600_000, async () => {
    const summary = await compact(deps.db, deps.clock.now(), deps.config.sloEngine, deps.settings.backfillHorizonMs);
    deps.logger.info(summary, 'rollups compacted');
  });
