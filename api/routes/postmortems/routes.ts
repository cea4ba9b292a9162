import { and, asc, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { describeRoute } from 'hono-openapi';
import { actionItems, incidents, postmortems } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { hasScope, requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, UnauthorizedError, ForbiddenError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { validate } from '../../lib/validate.ts';
import { actionItemJson } from '../../services/action-items.ts';
import { incidentImpact, incidentImpacts, incidentTimeline, policyVerdict, POSTMORTEM_BUDGET_THRESHOLD, type IncidentRow } from '../../services/postmortem-impact.ts';
import { createPostmortemSchema, idParam, listPostmortemsQuery, requiredQuery, updatePostmortemSchema } from './schemas.ts';

type PostmortemRow = typeof postmortems.$inferSelect;

const rowJson = (row: PostmortemRow) => ({
  id: row.id,
  incidentId: row.incidentId,
  status: row.status,
  visibility: row.visibility,
  summary: row.summary,
  rootCause: row.rootCause,
  contributingFactors: row.contributingFactors ?? [],
  whereWeGotLucky: row.whereWeGotLucky,
  lessons: row.lessons,
  author: row.author,
  publishedAt: row.publishedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** The whole blameless postmortem: the written parts plus impact, timeline and action items computed for you. */
async function postmortemView(deps: AppDeps, row: PostmortemRow, incident: IncidentRow, audience: 'internal' | 'public') {
  const now = deps.clock.now();
  const impact = await incidentImpact(deps.db, incident, now);
  const timeline = await incidentTimeline(deps.db.orm, incident, impact, deps.config.nearMisses.changeWindow, now);
  const items = await deps.db.orm.select().from(actionItems).where(eq(actionItems.postmortemId, row.id)).orderBy(asc(actionItems.priority));
  const base = {
    ...rowJson(row),
    incident: {
      id: incident.id,
      name: incident.name,
      impact: incident.impact,
      status: incident.status,
      startedAt: incident.startedAt.toISOString(),
      resolvedAt: incident.resolvedAt?.toISOString() ?? null,
      drill: incident.drill,
    },
    impact,
  };
  if (audience === 'public') {
    // Readers outside see what happened and what we learned; internal links, alerts and owners stay inside.
    return {
      ...base,
      author: null,
      timeline: timeline.filter((entry) => entry.kind === 'status' || entry.kind === 'update'),
      actionItems: items.map((item) => ({ title: item.title, priority: item.priority, status: item.status })),
    };
  }
  return {
    ...base,
    timeline,
    actionItems: items.map((item) => actionItemJson(item, now)),
    policy: await policyVerdict(deps.db.orm, incident, impact),
  };
}

async function loadIncident(deps: AppDeps, id: string): Promise<IncidentRow | undefined> {
  const [incident] = await deps.db.orm.select().from(incidents).where(eq(incidents.id, id));
  return incident;
}

/** A published public postmortem is readable by anyone; anything else needs scope read. */
function canReadInternal(c: Context<AppEnv>): boolean {
  const actor = c.get('actor');
  return actor !== undefined && hasScope(actor.scopes, 'read');
}

export function postmortemRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post(
      '/api/v1/postmortems',
      describeRoute({ tags: ['Postmortems'], summary: 'Start the (one) postmortem of an incident from the blameless template' }),
      requireScope('write'),
      validate('json', createPostmortemSchema),
      async (c) => {
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const row = await deps.db.write(async (tx) => {
          const [incident] = await tx.select({ id: incidents.id }).from(incidents).where(eq(incidents.id, input.incidentId));
          if (!incident) {
            throw new ValidationError('Invalid body: incidentId: unknown incident', [{ path: 'incidentId', message: 'unknown incident', code: 'unknown_reference' }]);
          }
          const [existing] = await tx.select({ id: postmortems.id }).from(postmortems).where(eq(postmortems.incidentId, input.incidentId));
          if (existing) throw new ConflictError(`Incident "${input.incidentId}" already has postmortem "${existing.id}".`, 'postmortem_exists');
          const id = newId();
          const [inserted] = await tx
            .insert(postmortems)
            .values({
              id,
              incidentId: input.incidentId,
              visibility: input.visibility,
              summary: input.summary ?? '',
              rootCause: input.rootCause ?? '',
              contributingFactors: input.contributingFactors ?? [],
              whereWeGotLucky: input.whereWeGotLucky ?? '',
              lessons: input.lessons ?? '',
              author: input.author ?? null,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          await audit(tx, ...auditContext(c, now), { action: 'postmortem.create', targetType: 'postmortem', targetId: id, details: { incidentId: input.incidentId } });
          if (!inserted) throw new Error('insert returned nothing');
          return inserted;
        });
        const incident = await loadIncident(deps, row.incidentId);
        if (!incident) throw new NotFoundError('The incident disappeared.');
        return c.json(await postmortemView(deps, row, incident, 'internal'), 201);
      },
    )
    .get(
      '/api/v1/postmortems',
      describeRoute({ tags: ['Postmortems'], summary: 'List postmortems (without the computed parts)' }),
      requireScope('read'),
      validate('query', listPostmortemsQuery),
      async (c) => {
        const query = c.req.valid('query');
        const conditions: SQL[] = [];
        if (query.incidentId) conditions.push(eq(postmortems.incidentId, query.incidentId));
        if (query.status) conditions.push(eq(postmortems.status, query.status));
        const rows = await deps.db.orm
          .select()
          .from(postmortems)
          .where(conditions.length > 0 ? and(...conditions) : undefined)
          .orderBy(desc(postmortems.createdAt));
        return c.json({ postmortems: rows.map(rowJson) });
      },
    )
    .get(
      '/api/v1/postmortems/required',
      describeRoute({
        tags: ['Postmortems'],
        summary: 'Error-budget policy: incidents that consumed > 20 % of an SLO\'s four-week budget and still lack a postmortem with a P0 action item',
      }),
      requireScope('read'),
      validate('query', requiredQuery),
      async (c) => {
        const query = c.req.valid('query');
        const now = deps.clock.now();
        const to = query.to ? new Date(query.to) : now;
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 90 * 86_400_000);
        const rows = await deps.db.orm
          .select()
          .from(incidents)
          .where(and(eq(incidents.drill, false), gte(incidents.startedAt, from), lt(incidents.startedAt, to)))
          .orderBy(asc(incidents.startedAt));
        const flagged = [];
        const impacts = await incidentImpacts(deps.db, rows, now);
        for (const incident of rows) {
          const impact = impacts.get(incident.id);
          if (!impact) continue;
          const verdict = await policyVerdict(deps.db.orm, incident, impact);
          if (!verdict.flagged) continue;
          flagged.push({
            incidentId: incident.id,
            name: incident.name,
            startedAt: incident.startedAt.toISOString(),
            resolvedAt: incident.resolvedAt?.toISOString() ?? null,
            slos: impact.slos.filter((slo) => verdict.sloIds.includes(slo.sloId)),
            ...verdict,
          });
        }
        return c.json({ from: from.toISOString(), to: to.toISOString(), threshold: POSTMORTEM_BUDGET_THRESHOLD, incidents: flagged });
      },
    )
    .get(
      '/api/v1/postmortems/:id',
      describeRoute({
        tags: ['Postmortems'],
        summary: 'A postmortem with computed impact, timeline, action items and policy status (public ones, once published, need no token)',
      }),
      validate('param', idParam),
      async (c) => {
        const { id } = c.req.valid('param');
        const [row] = await deps.db.orm.select().from(postmortems).where(eq(postmortems.id, id));
        const internal = canReadInternal(c);
        if (!internal) {
          if (!row || row.visibility !== 'public' || row.status !== 'published') {
            if (c.get('actor')) throw new ForbiddenError('This needs a token with scope read.');
            throw new UnauthorizedError();
          }
        }
        if (!row) throw new NotFoundError(`No postmortem with id "${id}".`, 'postmortem_not_found');
        const incident = await loadIncident(deps, row.incidentId);
        if (!incident) throw new NotFoundError(`No incident with id "${row.incidentId}".`, 'incident_not_found');
        return c.json(await postmortemView(deps, row, incident, internal ? 'internal' : 'public'));
      },
    )
    .patch(
      '/api/v1/postmortems/:id',
      describeRoute({ tags: ['Postmortems'], summary: 'Edit a postmortem; status published stamps publishedAt' }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', updatePostmortemSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const { row, wasPublic } = await deps.db.write(async (tx) => {
          const [existing] = await tx.select().from(postmortems).where(eq(postmortems.id, id));
          if (!existing) throw new NotFoundError(`No postmortem with id "${id}".`, 'postmortem_not_found');
          const status = input.status ?? existing.status;
          const publishedAt = status === 'published' ? (existing.publishedAt ?? now) : null;
          const [updated] = await tx
            .update(postmortems)
            .set({ ...input, status, publishedAt, updatedAt: now })
            .where(eq(postmortems.id, id))
            .returning();
          await audit(tx, ...auditContext(c, now), {
            action: 'postmortem.update',
            targetType: 'postmortem',
            targetId: id,
            details: { fields: Object.keys(input), status },
          });
          return { row: updated ?? existing, wasPublic: existing.visibility === 'public' && existing.status === 'published' };
        });
        const isPublic = row.visibility === 'public' && row.status === 'published';
        if (isPublic || wasPublic) deps.events.emit('public.changed', { reason: 'postmortem' });
        const incident = await loadIncident(deps, row.incidentId);
        if (!incident) throw new NotFoundError(`No incident with id "${row.incidentId}".`, 'incident_not_found');
        return c.json(await postmortemView(deps, row, incident, 'internal'));
      },
    );
}
