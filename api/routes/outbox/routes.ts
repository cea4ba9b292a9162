import { desc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import { outbox, OUTBOX_STATUSES } from '../../../db/schema/notices.ts';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';

const listQuery = z.strictObject({
  status: z.enum(OUTBOX_STATUSES).default('dead'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const idParam = z.strictObject({ id: z.string().min(1).max(100) });

/** Delivery state of notices (admin): dead ones are listed here and can be re-sent under the same id. */
export function outboxRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use('/api/v1/outbox', requireScope('admin'))
    .use('/api/v1/outbox/*', requireScope('admin'))
    .get(
      '/api/v1/outbox',
      describeRoute({ tags: ['Notices'], summary: 'List notices by delivery status (default: dead) (admin)' }),
      validate('query', listQuery),
      async (c) => {
        const query = c.req.valid('query');
        const rows = await deps.db.orm.select().from(outbox).where(eq(outbox.status, query.status)).orderBy(desc(outbox.createdAt)).limit(query.limit);
        return c.json({
          notices: rows.map((row) => ({
            id: row.id,
            channel: row.channel,
            topic: row.topic,
            target: row.target,
            status: row.status,
            attempts: row.attempts,
            lastError: row.lastError,
            nextAttemptAt: row.nextAttemptAt.toISOString(),
            deliveredAt: row.deliveredAt?.toISOString() ?? null,
            createdAt: row.createdAt.toISOString(),
          })),
        });
      },
    )
    .post(
      '/api/v1/outbox/:id/resend',
      describeRoute({ tags: ['Notices'], summary: 'Re-send a notice with the same stable id (admin)' }),
      validate('param', idParam),
      async (c) => {
        const { id } = c.req.valid('param');
        const now = deps.clock.now();
        const row = await deps.db.write(async (tx) => {
          const [existing] = await tx.select().from(outbox).where(eq(outbox.id, id));
          if (!existing) throw new NotFoundError(`No notice with id "${id}".`, 'notice_not_found');
          const [updated] = await tx
            .update(outbox)
            .set({ status: 'pending', attempts: 0, nextAttemptAt: now, deliveredAt: null })
            .where(eq(outbox.id, id))
            .returning();
          await audit(tx, ...auditContext(c, now), { action: 'outbox.resend', targetType: 'outbox', targetId: id, details: { previousStatus: existing.status } });
          return updated ?? existing;
        });
        deps.events.emit('outbox.enqueued');
        return c.json({ id: row.id, status: row.status, attempts: row.attempts, nextAttemptAt: row.nextAttemptAt.toISOString() }, 202);
      },
    );
}
