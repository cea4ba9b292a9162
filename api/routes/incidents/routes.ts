import { and, desc, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { incidents, incidentTemplates } from '../../../db/schema/incidents.ts';
import type { AppDeps } from '../../deps.ts';
import { audit } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { validate } from '../../lib/validate.ts';
import { getIncidentView, withIncidentDetails, type IncidentView } from '../../services/incident-queries.ts';
import { addIncidentUpdate, announceIncidentWrite, editIncidentUpdate, openIncident } from '../../services/incidents.ts';
import { requestContext } from './context.ts';
import {
  addUpdateSchema,
  createIncidentSchema,
  editUpdateSchema,
  idParam,
  incidentOut,
  listIncidentsQuery,
  patchIncidentSchema,
  resolveSchema,
  templateSchema,
  updateParam,
} from './schemas.ts';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function incidentJson(view: IncidentView) {
  return {
    id: view.id,
    name: view.name,
    status: view.status,
    impact: view.impact,
    source: view.source,
    drill: view.drill,
    startedAt: view.startedAt.toISOString(),
    identifiedAt: iso(view.identifiedAt),
    monitoringAt: iso(view.monitoringAt),
    resolvedAt: iso(view.resolvedAt),
    commander: view.commander,
    communicationsLead: view.communicationsLead,
    templateId: view.templateId,
    createdAt: view.createdAt.toISOString(),
    updatedAt: view.updatedAt.toISOString(),
    components: view.components.map(({ id, name, status, runbookUrl }) => ({ id, name, status, runbookUrl })),
    updates: view.updates.map((update) => ({
      id: update.id,
      status: update.status,
      body: update.body,
      bodyHtml: renderMarkdown(update.body),
      displayAt: update.displayAt.toISOString(),
      author: update.author,
      createdAt: update.createdAt.toISOString(),
      editedAt: iso(update.editedAt),
      affectedComponents: update.affectedComponents ?? [],
    })),
  };
}

const incidentResponse = { content: { 'application/json': { schema: resolver(incidentOut) } } };
const date = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

/**
 * Incidents for engineers (`/api/v1/incidents`): open from scratch or a template, post updates,
 * resolve, edit an update (audited), assign roles. Reads need `read` because they include
 * drills; the public reads are `/api/v2/*` and the feeds.
 */
export function incidentRoutes(deps: AppDeps) {
  const load = async (id: string) => {
    const view = await getIncidentView(deps.db.orm, id);
    if (!view) throw new NotFoundError(`No incident with id "${id}".`, 'incident_not_found');
    return incidentJson(view);
  };

  return new Hono<AppEnv>()
    .post(
      '/api/v1/incidents',
      describeRoute({
        tags: ['Incidents'],
        summary: 'Open an incident (notifies subscribers unless it is a drill)',
        responses: { 201: { description: 'Opened', ...incidentResponse } },
      }),
      requireScope('write'),
      validate('json', createIncidentSchema),
      async (c) => {
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const result = await deps.db.write(async (tx) => {
          let template: typeof incidentTemplates.$inferSelect | undefined;
          if (input.template) {
            [template] = await tx.select().from(incidentTemplates).where(eq(incidentTemplates.id, input.template));
            if (!template) {
              throw new ValidationError(`Unknown template "${input.template}".`, [{ path: 'template', message: 'unknown template' }], 'unknown_template');
            }
          }
          const templateComponents =
            template?.componentIds && template.componentStatus
              ? template.componentIds.map((id) => ({ id, status: template.componentStatus ?? 'major_outage' }))
              : undefined;
          return openIncident(
            tx,
            {
              name: input.name ?? template?.title ?? '',
              impact: input.impact ?? template?.impact ?? 'none',
              body: input.body ?? template?.body ?? '',
              ...(input.status ? { status: input.status } : {}),
              ...((input.components ?? templateComponents) ? { components: input.components ?? templateComponents } : {}),
              ...(input.drill !== undefined ? { drill: input.drill } : {}),
              ...(input.startedAt ? { startedAt: new Date(input.startedAt) } : {}),
              commander: input.commander ?? null,
              communicationsLead: input.communicationsLead ?? null,
              templateId: template?.id ?? null,
            },
            ctx,
          );
        });
        announceIncidentWrite(deps.events, result, 'incident.open');
        return c.json(await load(result.incidentId), 201);
      },
    )
    .get(
      '/api/v1/incidents',
      describeRoute({
        tags: ['Incidents'],
        summary: 'List incidents, newest first (drills included unless excluded)',
        responses: { 200: { description: 'Incidents', content: { 'application/json': { schema: resolver(z.object({ incidents: z.array(incidentOut) })) } } } },
      }),
      requireScope('read', 'write'),
      validate('query', listIncidentsQuery),
      async (c) => {
        const query = c.req.valid('query');
        const where: SQL[] = [];
        if (query.state === 'open') where.push(isNull(incidents.resolvedAt));
        if (query.state === 'resolved') where.push(isNotNull(incidents.resolvedAt));
        if (query.drills === 'exclude') where.push(eq(incidents.drill, false));
        if (query.drills === 'only') where.push(eq(incidents.drill, true));
        const rows = await deps.db.orm
          .select()
          .from(incidents)
          .where(where.length ? and(...where) : undefined)
          .orderBy(desc(incidents.startedAt))
          .limit(query.limit);
        const views = await withIncidentDetails(deps.db.orm, rows);
        return c.json({ incidents: views.map(incidentJson) });
      },
    )
    .get(
      '/api/v1/incidents/:id',
      describeRoute({ tags: ['Incidents'], summary: 'One incident with its timeline', responses: { 200: { description: 'Incident', ...incidentResponse } } }),
      requireScope('read', 'write'),
      validate('param', idParam),
      async (c) => c.json(await load(c.req.valid('param').id)),
    )
    .patch(
      '/api/v1/incidents/:id',
      describeRoute({ tags: ['Incidents'], summary: 'Rename or assign roles (incident commander, communications lead)' }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', patchIncidentSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const drill = await deps.db.write(async (tx) => {
          const [existing] = await tx.select().from(incidents).where(eq(incidents.id, id));
          if (!existing) throw new NotFoundError(`No incident with id "${id}".`, 'incident_not_found');
          await tx.update(incidents).set({ ...input, updatedAt: ctx.now }).where(eq(incidents.id, id));
          await audit(tx, ctx.now, ctx.actor, ctx.requestId, {
            action: 'incident.patch',
            targetType: 'incident',
            targetId: id,
            details: {
              before: { name: existing.name, commander: existing.commander, communicationsLead: existing.communicationsLead },
              after: input,
            },
          });
          return existing.drill;
        });
        if (!drill && input.name) deps.events.emit('public.changed', { reason: 'incident.patch' });
        return c.json(await load(id));
      },
    )
    .post(
      '/api/v1/incidents/:id/updates',
      describeRoute({ tags: ['Incidents'], summary: 'Post an update (status change, news); notifies subscribers', responses: { 201: { description: 'Posted', ...incidentResponse } } }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', addUpdateSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const result = await deps.db.write((tx) =>
          addIncidentUpdate(
            tx,
            id,
            {
              body: input.body,
              ...(input.status ? { status: input.status } : {}),
              ...(input.impact ? { impact: input.impact } : {}),
              ...(input.components ? { components: input.components } : {}),
              ...(input.displayAt ? { displayAt: new Date(input.displayAt) } : {}),
            },
            ctx,
          ),
        );
        announceIncidentWrite(deps.events, result, 'incident.update');
        return c.json(await load(id), 201);
      },
    )
    .post(
      '/api/v1/incidents/:id/resolve',
      describeRoute({ tags: ['Incidents'], summary: 'Resolve: a final update; affected components go back to operational', responses: { 200: { description: 'Resolved', ...incidentResponse } } }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', resolveSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const result = await deps.db.write(async (tx) => {
          const [existing] = await tx.select({ resolvedAt: incidents.resolvedAt }).from(incidents).where(eq(incidents.id, id));
          if (existing?.resolvedAt) throw new ConflictError(`Incident "${id}" is already resolved.`, 'already_resolved');
          return addIncidentUpdate(
            tx,
            id,
            {
              status: 'resolved',
              body: input.body ?? 'This incident has been resolved.',
              ...(input.displayAt ? { displayAt: new Date(input.displayAt) } : {}),
            },
            ctx,
          );
        });
        announceIncidentWrite(deps.events, result, 'incident.resolve');
        return c.json(await load(id));
      },
    )
    .patch(
      '/api/v1/incidents/:id/updates/:updateId',
      describeRoute({ tags: ['Incidents'], summary: 'Edit an update (no new notice; before/after kept in the audit log)' }),
      requireScope('write'),
      validate('param', updateParam),
      validate('json', editUpdateSchema),
      async (c) => {
        const { id, updateId } = c.req.valid('param');
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const { drill } = await deps.db.write((tx) =>
          editIncidentUpdate(
            tx,
            id,
            updateId,
            { ...(input.body !== undefined ? { body: input.body } : {}), ...(input.displayAt ? { displayAt: date(input.displayAt) } : {}) },
            ctx,
          ),
        );
        if (!drill) deps.events.emit('public.changed', { reason: 'incident.update.edit' });
        return c.json(await load(id));
      },
    )
    .post(
      '/api/v1/incident-templates',
      describeRoute({ tags: ['Incidents'], summary: 'Create or replace a reusable incident template' }),
      requireScope('write'),
      validate('json', templateSchema),
      async (c) => {
        const input = c.req.valid('json');
        const ctx = requestContext(c, deps);
        const row = {
          id: input.id,
          name: input.name,
          title: input.title,
          body: input.body,
          impact: input.impact,
          componentStatus: input.componentStatus ?? null,
          componentIds: input.componentIds ?? null,
          updatedAt: ctx.now,
        };
        await deps.db.write(async (tx) => {
          await tx
            .insert(incidentTemplates)
            .values({ ...row, createdAt: ctx.now })
            .onConflictDoUpdate({ target: incidentTemplates.id, set: row });
          await audit(tx, ctx.now, ctx.actor, ctx.requestId, { action: 'incident_template.put', targetType: 'incident_template', targetId: input.id });
        });
        return c.json({ ...input }, 201);
      },
    )
    .get(
      '/api/v1/incident-templates',
      describeRoute({ tags: ['Incidents'], summary: 'List incident templates' }),
      requireScope('read', 'write'),
      async (c) => {
        const rows = await deps.db.orm.select().from(incidentTemplates).orderBy(incidentTemplates.name);
        return c.json({
          templates: rows.map((row) => ({
            id: row.id,
            name: row.name,
            title: row.title,
            body: row.body,
            impact: row.impact,
            componentStatus: row.componentStatus,
            componentIds: row.componentIds,
          })),
        });
      },
    );
}

