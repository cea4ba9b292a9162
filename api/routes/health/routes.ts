import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { migrationsApplied } from '../../../db/client.ts';
import type { AppDeps } from '../../deps.ts';
import type { AppEnv } from '../../lib/env-types.ts';

/** Extra readiness checks other parts register (e.g. the site publisher's last build). */
export type ReadinessCheck = () => Promise<{ name: string; ok: boolean; detail?: string }>;

export function healthRoutes(deps: AppDeps, checks: readonly ReadinessCheck[] = []) {
  return new Hono<AppEnv>()
    .get('/healthz', describeRoute({ tags: ['Health'], summary: 'The process is alive' }), (c) => c.json({ status: 'ok' }))
    .get('/readyz', describeRoute({ tags: ['Health'], summary: 'Database reachable and migrated' }), async (c) => {
      const results = [];
      try {
        await deps.db.client.execute('SELECT 1');
        results.push({ name: 'database', ok: true });
        const migrated = await migrationsApplied(deps.db);
        results.push({ name: 'migrations', ok: migrated, ...(migrated ? {} : { detail: 'migrations are not applied' }) });
      } catch (error) {
        deps.logger.error({ err: error }, 'readiness: database unreachable');
        results.push({ name: 'database', ok: false, detail: 'database unreachable' });
      }
      for (const check of checks) results.push(await check());
      const ready = results.every((result) => result.ok);
      return c.json({ status: ready ? 'ready' : 'not_ready', checks: results }, ready ? 200 : 503);
    });
}
