import { ne } from 'drizzle-orm';
import { maintenances } from '../../db/schema/maintenances.ts';
import type { AppDeps } from '../deps.ts';
import { dueMaintenanceStep } from '../domain/maintenance.ts';
import { notifyMaintenanceAhead, transitionMaintenance, type MaintenanceWriteResult } from '../services/maintenances.ts';
import { intervalWorker, type WorkerFactory } from './worker.ts';

/**
 * Moves maintenance windows on their own: the notice ahead (default 24 h), `in_progress` at the
 * start (components show `under_maintenance`), `completed` at the end. Each step is its own
 * transaction, so one bad row does not hold the others back.
 */
export function createMaintenanceScheduler(deps: AppDeps) {
  return {
    /** Applies every step due at the clock's now; returns how many were applied. */
    async tick(): Promise<number> {
      const now = deps.clock.now();
      const open = await deps.db.orm.select().from(maintenances).where(ne(maintenances.status, 'completed'));
      const ctx = { now, actor: 'system:maintenance', requestId: null, publicUrl: deps.settings.publicUrl, pageName: deps.config.page.name };
      let applied = 0;
      for (const row of open) {
        const step = dueMaintenanceStep(row, now);
        if (!step) continue;
        const result: MaintenanceWriteResult = await deps.db.write((tx) =>
          step === 'notify_ahead'
            ? notifyMaintenanceAhead(tx, row.id, ctx)
            : transitionMaintenance(tx, row.id, step === 'start' ? 'in_progress' : 'completed', undefined, ctx),
        );
        applied += 1;
        if (!result.drill && step !== 'notify_ahead') deps.events.emit('public.changed', { reason: `maintenance.${step}` });
        if (result.notices > 0) deps.events.emit('outbox.enqueued');
      }
      return applied;
    },
  };
}

export const maintenanceWorker: WorkerFactory = (deps) => {
  const scheduler = createMaintenanceScheduler(deps);
  return intervalWorker('maintenance', deps, 15_000, async () => {
    await scheduler.tick();
  });
};
