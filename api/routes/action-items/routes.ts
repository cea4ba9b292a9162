import { and, asc, eq, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { actionItems, nearMisses, postmortems } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { validate } from '../../lib/validate.ts';
import { actionItemJson, isClosed, isOverdue } from '../../services/action-items.ts';
import { createActionItemSchema, idParam, listActionItemsQuery, updateActionItemSchema } from './schemas.ts';

/** Follow-ups of postmortems and near misses: owner, priority P0–P3, due date, status. */
export function actionItemRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post(
      '/api/v1/action-items',
      describeRoute({ tags: ['Action items'], summary: 'Add an action item to a postmortem or a near miss' }),
      requireScope('write'),
      validate('json', createActionItemSchema),
      async (c) => {
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const row = await deps.db.write(async (tx) => {
          if (input.postmortemId) {
            const [owner] = await tx.select({ id: postmortems.id }).from(postmortems).where(eq(postmortems.id, input.postmortemId));
            if (!owner) throw new ValidationError('Invalid body: postmortemId: unknown postmortem', [{ path: 'postmortemId', message: 'unknown postmortem' }]);
          }
          if (input.nearMissId) {
            const [owner] = await tx.select({ id: nearMisses.id }).from(nearMisses).where(eq(nearMisses.id, input.nearMissId));
            if (!owner) throw new ValidationError('Invalid body: nearMissId: unknown near miss', [{ path: 'nearMissId', message: 'unknown near miss' }]);
          }
          const id = newId();
          const [inserted] = await tx
            .insert(actionItems)
            .values({
              id,
              postmortemId: input.postmortemId ?? null,
              nearMissId: input.nearMissId ?? null,
              title: input.title,
              owner: input.owner ?? null,
              priority: input.priority,
              status: 'open',
              dueAt: input.dueAt ? new Date(input.dueAt) : null,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          await audit(tx, ...auditContext(c, now), {
            action: 'action_item.create',
            targetType: 'action_item',
            targetId: id,
            details: { title: input.title, priority: input.priority, postmortemId: input.postmortemId, nearMissId: input.nearMissId },
          });
          if (!inserted) throw new Error('insert returned nothing');
          return inserted;
        });
        return c.json(actionItemJson(row, now), 201);
      },
    )
    .get(
      '/api/v1/action-items',
      describeRoute({ tags: ['Action items'], summary: 'List action items; `?overdue=true` for open ones past their due date' }),
      requireScope('read'),
      validate('query', listActionItemsQuery),
      async (c) => {
        const query = c.req.valid('query');
        const now = deps.clock.now();
        const conditions: SQL[] = [];
        if (query.status) conditions.push(eq(actionItems.status, query.status));
        if (query.owner) conditions.push(eq(actionItems.owner, query.owner));
        if (query.postmortemId) conditions.push(eq(actionItems.postmortemId, query.postmortemId));
        if (query.nearMissId) conditions.push(eq(actionItems.nearMissId, query.nearMissId));
        const rows = await deps.db.orm
          .select()
          .from(actionItems)
          .where(conditions.length > 0 ? and(...conditions) : undefined)
          .orderBy(asc(actionItems.dueAt), asc(actionItems.createdAt));
        const filtered = query.overdue === undefined ? rows : rows.filter((row) => isOverdue(row, now) === (query.overdue === 'true'));
        return c.json({ actionItems: filtered.map((row) => actionItemJson(row, now)) });
      },
    )
    .patch(
      '/api/v1/action-items/:id',
      describeRoute({ tags: ['Action items'], summary: 'Update an action item; done or wont_do closes it' }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', updateActionItemSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const row = await deps.db.write(async (tx) => {
          const [existing] = await tx.select().from(actionItems).where(eq(actionItems.id, id));
          if (!existing) throw new NotFoundError(`No action item with id "${id}".`, 'action_item_not_found');
          const status = input.status ?? existing.status;
          const closedAt = isClosed({ status }) ? (isClosed(existing) ? existing.closedAt : now) : null;
          const [updated] = await tx
            .update(actionItems)
            .set({
              ...(input.title !== undefined ? { title: input.title } : {}),
              ...(input.owner !== undefined ? { owner: input.owner } : {}),
              ...(input.priority !== undefined ? { priority: input.priority } : {}),
              ...(input.dueAt !== undefined ? { dueAt: input.dueAt === null ? null : new Date(input.dueAt) } : {}),
              status,
              closedAt,
              updatedAt: now,
            })
            .where(eq(actionItems.id, id))
            .returning();
          await audit(tx, ...auditContext(c, now), { action: 'action_item.update', targetType: 'action_item', targetId: id, details: input });
          return updated ?? existing;
        });
        return c.json(actionItemJson(row, now));
      },
    );
}
