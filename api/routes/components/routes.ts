import { and, eq, isNull } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { describeRoute } from 'hono-openapi';
import { components } from '../../../db/schema/components.ts';
import { monitors } from '../../../db/schema/monitors.ts';
import type { AppDeps } from '../../deps.ts';
import { actorName, audit, auditContext } from '../../lib/audit.ts';
import { hasScope, requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { loadComponentStatuses, type ComponentStatusEntry } from '../../services/component-status.ts';
import { loadLastResultsByMonitor, loadRegionStates } from '../../services/monitor-views.ts';
import { componentKeyParams, overrideBodySchema } from './schemas.ts';

const LAST_RESULTS_PER_REGION = 5;

/** Token holders with `read` see hidden components, error texts and who set an override; the public does not. */
function canReadInternals(c: Context<AppEnv>): boolean {
  const actor = c.get('actor');
  return actor !== undefined && hasScope(actor.scopes, 'read');
}

export function componentRoutes(deps: AppDeps) {
  const staleAfterMs = () => deps.config.page.staleAfter;

  const view = async (entries: ComponentStatusEntry[], internal: boolean) => {
    const ids = new Set(entries.map((entry) => entry.id));
    const monitorRows = (await deps.db.orm.select().from(monitors).where(isNull(monitors.archivedAt))).filter(
      (row) => row.componentId !== null && ids.has(row.componentId),
    );
    // A fixed number of statements whatever the number of monitors and regions.
    const regionStates = await loadRegionStates(deps.db, monitorRows);
    const lastResultsByMonitor = await loadLastResultsByMonitor(deps.db, monitorRows, LAST_RESULTS_PER_REGION);
    const monitorViews = new Map<string, unknown[]>();
    for (const row of monitorRows) {
      const lastResults = lastResultsByMonitor.get(row.id) ?? [];
      const list = monitorViews.get(row.componentId ?? '') ?? [];
      list.push({
        key: row.id,
        name: row.name,
        kind: row.kind,
        regions: (regionStates.get(row.id) ?? []).map((state) => (internal ? state : { ...state, lastError: undefined })),
        lastResults: lastResults.map((result) => (internal ? result : { ...result, error: undefined })),
      });
      monitorViews.set(row.componentId ?? '', list);
    }
    return entries.map((entry) => ({
      key: entry.id,
      name: entry.name,
      description: entry.description,
      group: entry.groupId,
      status: entry.status,
      source: entry.source,
      dataState: entry.dataState,
      lastDataAt: entry.lastDataAt?.toISOString() ?? null,
      derivedStatus: entry.derivedStatus,
      override: entry.override
        ? {
            status: entry.override.status,
            reason: entry.override.reason,
            expiresAt: entry.override.expiresAt?.toISOString() ?? null,
            ...(internal ? { by: entry.override.by } : {}),
          }
        : null,
      ...(internal ? { public: entry.public } : {}),
      monitors: monitorViews.get(entry.id) ?? [],
    }));
  };

  const loadOne = async (key: string) => {
    const entries = await loadComponentStatuses(deps.db, deps.clock.now(), staleAfterMs());
    const entry = entries.find((candidate) => candidate.id === key);
    if (!entry) throw new NotFoundError(`No component "${key}".`, 'component_not_found');
    return entry;
  };

  const requireComponent = async (key: string) => {
    const [row] = await deps.db.orm
      .select({ id: components.id })
      .from(components)
      .where(and(eq(components.id, key), isNull(components.archivedAt)));
    if (!row) throw new NotFoundError(`No component "${key}".`, 'component_not_found');
  };

  return new Hono<AppEnv>()
    .get(
      '/api/v1/components',
      describeRoute({
        tags: ['Components'],
        summary: 'Components with their effective status, per-region monitor state and last results (public read)',
      }),
      async (c) => {
        const internal = canReadInternals(c);
        const entries = (await loadComponentStatuses(deps.db, deps.clock.now(), staleAfterMs())).filter((entry) => internal || entry.public);
        return c.json({ components: await view(entries, internal) });
      },
    )
    .put(
      '/api/v1/components/:key/status',
      describeRoute({ tags: ['Components'], summary: 'Override a component status until it expires or is cleared' }),
      requireScope('write'),
      validate('param', componentKeyParams),
      validate('json', overrideBodySchema),
      async (c) => {
        const { key } = c.req.valid('param');
        const body = c.req.valid('json');
        const now = deps.clock.now();
        const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
        if (expiresAt && expiresAt.getTime() <= now.getTime()) {
          throw new ValidationError('expiresAt must be in the future.', [{ path: 'expiresAt', message: 'must be in the future', code: 'in_past' }]);
        }
        await requireComponent(key);
        const by = actorName(c);
        await deps.db.write(async (tx) => {
          await tx
            .update(components)
            .set({ overrideStatus: body.status, overrideBy: by, overrideReason: body.reason ?? null, overrideExpiresAt: expiresAt, updatedAt: now })
            .where(eq(components.id, key));
          await audit(tx, ...auditContext(c, now), {
            action: 'component.status.override',
            targetType: 'component',
            targetId: key,
            details: { status: body.status, reason: body.reason ?? null, expiresAt: expiresAt?.toISOString() ?? null },
          });
        });
        deps.events.emit('public.changed', { reason: 'component.override' });
        const [entry] = await view([await loadOne(key)], true);
        return c.json(entry, 200);
      },
    )
    .delete(
      '/api/v1/components/:key/status',
      describeRoute({ tags: ['Components'], summary: 'Clear a component status override (idempotent)' }),
      requireScope('write'),
      validate('param', componentKeyParams),
      async (c) => {
        const { key } = c.req.valid('param');
        const now = deps.clock.now();
        await requireComponent(key);
        await deps.db.write(async (tx) => {
          await tx
            .update(components)
            .set({ overrideStatus: null, overrideBy: null, overrideReason: null, overrideExpiresAt: null, updatedAt: now })
            .where(eq(components.id, key));
          await audit(tx, ...auditContext(c, now), { action: 'component.status.clear', targetType: 'component', targetId: key });
        });
        deps.events.emit('public.changed', { reason: 'component.override' });
        const [entry] = await view([await loadOne(key)], true);
        return c.json(entry, 200);
      },
    );
}
