import { asc, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { monitors } from '../../../db/schema/monitors.ts';
import type { AppDeps } from '../../deps.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { formatDuration } from '../../lib/duration.ts';

/**
 * The declared monitors. Probe agents (scope `ingest`) read this to know what to probe, so the
 * kind-specific settings are included; it is not a public read because those settings can
 * name internal hosts.
 */
export function monitorRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get(
    '/api/v1/monitors',
    describeRoute({ tags: ['Monitors'], summary: 'List the declared monitors with their keys, components and regions' }),
    requireScope('read', 'ingest'),
    async (c) => {
      const rows = await deps.db.orm.select().from(monitors).where(isNull(monitors.archivedAt)).orderBy(asc(monitors.id));
      return c.json({
        monitors: rows.map((row) => ({
          key: row.id,
          name: row.name,
          kind: row.kind,
          component: row.componentId,
          regions: row.regions,
          interval: formatDuration(row.intervalMs),
          intervalMs: row.intervalMs,
          timeoutMs: row.timeoutMs,
          downAfter: row.downAfter,
          upAfter: row.upAfter,
          degradedLatencyMs: row.degradedLatencyMs,
          settings: row.settings,
        })),
      });
    },
  );
}
