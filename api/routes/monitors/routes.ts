import { and, asc, eq, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { heartbeatTokens, monitors } from '../../../db/schema/monitors.ts';
import type { AppDeps } from '../../deps.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { formatDuration } from '../../lib/duration.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { loadLastResults, loadRegionStates } from '../../services/monitor-views.ts';

const LAST_RESULTS_PER_REGION = 10;

/** A monitor as the API shows it, settings included. */
function monitorJson(row: typeof monitors.$inferSelect) {
  return {
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
  };
}

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
        monitors: rows.map(monitorJson),
      });
    },
  ).get(
    '/api/v1/monitors/:key',
    describeRoute({ tags: ['Monitors'], summary: 'One monitor with its settings, per-region state and last results' }),
    requireScope('read'),
    validate('param', z.object({ key: z.string().min(1).max(64) })),
    async (c) => {
      const { key } = c.req.valid('param');
      const [row] = await deps.db.orm
        .select()
        .from(monitors)
        .where(and(eq(monitors.id, key), isNull(monitors.archivedAt)));
      if (!row) throw new NotFoundError(`No monitor "${key}".`, 'monitor_not_found');
      const regionStates = await loadRegionStates(deps.db, [row]);
      const [token] = await deps.db.orm.select({ createdAt: heartbeatTokens.createdAt }).from(heartbeatTokens).where(eq(heartbeatTokens.monitorId, key));
      return c.json({
        ...monitorJson(row),
        ...(row.kind === 'heartbeat' ? { heartbeatTokenCreatedAt: token?.createdAt.toISOString() ?? null } : {}),
        state: regionStates.get(row.id) ?? [],
        lastResults: await loadLastResults(deps.db, row, LAST_RESULTS_PER_REGION),
      });
    },
  );
}
