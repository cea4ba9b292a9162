import { parseDuration } from '../lib/duration.ts';
import { activeSlos } from '../services/evaluate-slo.ts';
import { pullPrometheusSli } from '../services/slo/prometheus-source.ts';
import { intervalWorker, type WorkerFactory } from './worker.ts';

/** Pulls every Prometheus SLI into its rollups once per `sloEngine.prometheus.step` (1 min). */
export const prometheusSliWorker: WorkerFactory = (deps) =>
  intervalWorker('prometheus-sli', deps, Math.max(1000, parseDuration(deps.config.sloEngine.prometheus.step) ?? 60_000), async () => {
    for (const slo of await activeSlos(deps.db)) {
      if (slo.sliKind !== 'prometheus') continue;
      try {
        await pullPrometheusSli(deps.db, slo, deps.clock.now(), deps.config.sloEngine.prometheus);
      } catch (error) {
        // One unreachable Prometheus must not stop the others; the cursor stays, so nothing is lost.
        deps.logger.warn({ err: error, slo: slo.id }, 'Prometheus SLI pull failed');
      }
    }
  });
