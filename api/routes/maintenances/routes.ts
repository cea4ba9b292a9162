import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { maintenances } from '../../../db/schema/maintenances.ts';
import type { AppDeps } from '../../deps.ts';
import { requireScope } from '../../lib/auth.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { validate } from '../../lib/validate.ts';
import { getMaintenanceView, withMaintenanceDetails, type MaintenanceView } from '../../services/incident-queries.ts';
import { scheduleMaintenance, transitionMaintenance, type MaintenanceWriteResult } from '../../services/maintenances.ts';
import { requestContext } from '../incidents/context.ts';
import { idParam } from '../incidents/schemas.ts';
import { listMaintenancesQuery, maintenanceOut, maintenanceUpdateSchema, scheduleMaintenanceSchema } from './schemas.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function maintenanceJson(view: MaintenanceView) {
  return {
    id: view.id,
    name: view.name,
    status: view.status,
    body: view.body,
    bodyHtml: renderMarkdown(view.body),
    scheduledFor: view.scheduledFor.toISOString(),
    scheduledUntil: view.scheduledUntil.toISOString(),
    startedAt: iso(view.startedAt),
    completedAt: iso(view.completedAt),
    recurrence: view.recurrence,
    parentId: view.parentId,
    notifyBeforeMs: view.notifyBeforeMs,
    drill: view.drill,
    components: view.components.map(({ id, name }) => ({ id, name })),
    updates: view.updates.map((update) => ({
      id: update.id,
      status: update.status,
      body: update.body,
      bodyHtml: renderMarkdown(update.body),
      displayAt: update.displayAt.toISOString(),
    })),
  };
}

const maintenanceResponse = { content: { 'application/json': { schema: resolver(maintenanceOut) } } };

/** Scheduled maintenance for engineers; the worker moves windows at their start and end. */
export function maintenanceRoutes(deps: AppDeps) {
  const load = async (id: string) => {
    const view = await getMaintenanceView(deps.db.orm, id);
    if (!view) throw new NotFoundError(`No maintenance with id "${id}".`, 'maintenance_not_found');
    return maintenanceJson(view);
  };
  const announce = (result: MaintenanceWriteResult, reason: string) => {
    if (!result.drill) deps.events.emit('public.changed', { reason });
    if (result.notices > 0) deps.events.emit('outbox.enqueued');
  };

  return new Hono<AppEnv>()
    .post(
      '/api/v1/maintenances',
      describeRoute({
        tags: ['Maintenance'],
        summary: 'Schedule a maintenance window (optionally recurring); notifies subscribers unless a drill',
        responses: { 201: { description: 'Scheduled', ...maintenanceResponse } },
      }),
      requireScope('write'),
      validate('json', scheduleMaintenanceSchema),
      async (c) => {
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const notifyBeforeMs = input.notifyBefore === undefined ? undefined : input.notifyBefore.trim() === '0s' ? 0 : (parseDuration(input.notifyBefore) ?? 0);
        const result = await deps.db.write((tx) =>
          scheduleMaintenance(
            tx,
            {
              name: input.name,
              body: input.body,
              scheduledFor: new Date(input.scheduledFor),
              scheduledUntil: new Date(input.scheduledUntil),
              componentIds: input.components,
              recurrence: input.recurrence ?? null,
              ...(notifyBeforeMs !== undefined ? { notifyBeforeMs } : {}),
              drill: input.drill ?? false,
            },
            ctx,
          ),
        );
        announce(result, 'maintenance.schedule');
        return c.json(await load(result.maintenanceId), 201);
      },
    )
    .get(
      '/api/v1/maintenances',
      describeRoute({
        tags: ['Maintenance'],
        summary: 'List maintenance windows',
        responses: { 200: { description: 'Windows', content: { 'application/json': { schema: resolver(z.object({ maintenances: z.array(maintenanceOut) })) } } } },
      }),
      requireScope('read', 'write'),
      validate('query', listMaintenancesQuery),
      async (c) => {
        const query = c.req.valid('query');
        const where: SQL[] = [];
        if (query.state === 'upcoming') where.push(eq(maintenances.status, 'scheduled'));
        if (query.state === 'active') where.push(inArray(maintenances.status, ['in_progress', 'verifying']));
        if (query.state === 'completed') where.push(eq(maintenances.status, 'completed'));
        if (query.drills === 'exclude') where.push(eq(maintenances.drill, false));
        if (query.drills === 'only') where.push(eq(maintenances.drill, true));
        const rows = await deps.db.orm
          .select()
          .from(maintenances)
          .where(where.length ? and(...where) : undefined)
          .orderBy(query.state === 'upcoming' ? asc(maintenances.scheduledFor) : desc(maintenances.scheduledFor))
          .limit(query.limit);
        return c.json({ maintenances: (await withMaintenanceDetails(deps.db.orm, rows)).map(maintenanceJson) });
      },
    )
    .get(
      '/api/v1/maintenances/:id',
      describeRoute({ tags: ['Maintenance'], summary: 'One maintenance window', responses: { 200: { description: 'Window', ...maintenanceResponse } } }),
      requireScope('read', 'write'),
      validate('param', idParam),
      async (c) => c.json(await load(c.req.valid('param').id)),
    )
    .post(
      '/api/v1/maintenances/:id/updates',
      describeRoute({ tags: ['Maintenance'], summary: 'Move a window by hand (start early, verifying, complete)', responses: { 201: { description: 'Updated', ...maintenanceResponse } } }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', maintenanceUpdateSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const result = await deps.db.write((tx) => transitionMaintenance(tx, id, input.status, input.body, requestContext(c, deps)));
        announce(result, `maintenance.${input.status}`);
        return c.json(await load(id), 201);
      },
    );
}
