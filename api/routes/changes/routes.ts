import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { changes, incidents } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { validate } from '../../lib/validate.ts';
import { changeJson, changesBefore, listChanges } from '../../services/changes.ts';
import { changeSchema, createChangeSchema, incidentIdParam, listChangesQuery, windowQuery } from './schemas.ts';

/** Reads a `?window=24h` look-back, defaulting to the configured change window. */
export function windowMs(deps: AppDeps, text: string | undefined): number {
  if (text === undefined) return deps.config.nearMisses.changeWindow;
  const ms = parseDuration(text);
  if (ms === null || ms > 90 * 86_400_000) {
    throw new ValidationError(`Invalid query: window: expected a duration up to 90d, got "${text}"`, [
      { path: 'window', message: 'expected a duration like 24h, up to 90d' },
    ]);
  }
  return ms;
}

/** Deploys and config changes, recorded from pipelines or `headroom change mark`, for correlation. */
export function changeRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post(
      '/api/v1/changes',
      describeRoute({
        tags: ['Changes'],
        summary: 'Record a deploy or config change (idempotent when the client sends an id)',
        responses: { 201: { description: 'Recorded', content: { 'application/json': { schema: resolver(changeSchema) } } } },
      }),
      requireScope('write'),
      validate('json', createChangeSchema),
      async (c) => {
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const at = input.at ? new Date(input.at) : now;
        if (at.getTime() > now.getTime() + 5 * 60_000) {
          throw new ValidationError('Invalid body: at: is more than 5 minutes in the future', [{ path: 'at', message: 'is in the future' }]);
        }
        const values = {
          service: input.service,
          kind: input.kind,
          version: input.version ?? null,
          at,
          author: input.author ?? null,
          link: input.link ?? null,
          description: input.description ?? null,
        };
        const { row, created } = await deps.db.write(async (tx) => {
          if (input.id) {
            const [existing] = await tx.select().from(changes).where(eq(changes.id, input.id));
            if (existing) {
              const same = existing.service === values.service && existing.at.getTime() === at.getTime() && existing.version === values.version;
              if (!same) throw new ConflictError(`A different change with id "${input.id}" is already recorded.`, 'change_id_conflict');
              return { row: existing, created: false };
            }
          }
          const id = input.id ?? newId();
          const [inserted] = await tx.insert(changes).values({ id, ...values, createdAt: now }).returning();
          await audit(tx, ...auditContext(c, now), {
            action: 'change.create',
            targetType: 'change',
            targetId: id,
            details: { service: values.service, kind: values.kind, version: values.version },
          });
          if (!inserted) throw new Error('insert returned nothing');
          return { row: inserted, created: true };
        });
        return c.json(changeJson(row), created ? 201 : 200);
      },
    )
    .get(
      '/api/v1/changes',
      describeRoute({
        tags: ['Changes'],
        summary: 'List changes in a time range, oldest first (at most 1,000)',
        responses: { 200: { description: 'Changes', content: { 'application/json': { schema: resolver(z.object({ changes: z.array(changeSchema) })) } } } },
      }),
      requireScope('read'),
      validate('query', listChangesQuery),
      async (c) => {
        const query = c.req.valid('query');
        const list = await listChanges(deps.db.orm, {
          from: query.from ? new Date(query.from) : undefined,
          to: query.to ? new Date(query.to) : undefined,
          service: query.service,
        });
        return c.json({ changes: list });
      },
    )
    .get(
      '/api/v1/incidents/:id/changes',
      describeRoute({ tags: ['Changes'], summary: 'Changes in the window before an incident (and during it), newest first' }),
      requireScope('read'),
      validate('param', incidentIdParam),
      validate('query', windowQuery),
      async (c) => {
        const { id } = c.req.valid('param');
        const window = windowMs(deps, c.req.valid('query').window);
        const [incident] = await deps.db.orm.select().from(incidents).where(eq(incidents.id, id));
        if (!incident) throw new NotFoundError(`No incident with id "${id}".`, 'incident_not_found');
        const list = await changesBefore(deps.db.orm, incident.startedAt, window, incident.resolvedAt ?? deps.clock.now());
        return c.json({ windowMs: window, changes: list });
      },
    );
}
