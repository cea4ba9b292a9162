import { parseDuration } from '../lib/duration.ts';
import { evaluateAlerts } from '../services/slo/alert-evaluator.ts';
import { intervalWorker, type WorkerFactory } from './worker.ts';

/** Evaluates the SLO burn-rate alerts every `sloEngine.evaluateEvery` (1 min) and enqueues notices for each transition. */
export const sloAlertWorker: WorkerFactory = (deps) =>
  intervalWorker('slo-alerts', deps, parseDuration(deps.config.sloEngine.evaluateEvery) ?? 60_000, async () => {
    const transitions = await evaluateAlerts(deps.db, deps.clock.now(), {
      channels: deps.config.alerting.channels,
      publicUrl: deps.settings.publicUrl,
    });
    if (transitions.length > 0) {
      deps.logger.info({ transitions }, 'SLO alert transitions');
      deps.events.emit('outbox.enqueued');
    }
  });
