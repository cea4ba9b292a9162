import { desc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { apiTokens } from '../../../db/schema/security.ts';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext, actorName } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { createToken } from '../../services/tokens.ts';
import { createTokenSchema, idParamSchema, tokenSchema } from './schemas.ts';

type TokenRow = typeof apiTokens.$inferSelect;

const toJson = (row: TokenRow) => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  createdAt: row.createdAt.toISOString(),
  lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  revokedAt: row.revokedAt?.toISOString() ?? null,
});

/** Admin-only token management. The secret is returned once, at creation, and never stored. */
export function tokenRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use('/api/v1/tokens', requireScope('admin'))
    .use('/api/v1/tokens/*', requireScope('admin'))
    .post(
      '/api/v1/tokens',
      describeRoute({ tags: ['Tokens'], summary: 'Create a scoped API token (admin)' }),
      validate('json', createTokenSchema),
      async (c) => {
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const created = await deps.db.write(async (tx) => {
          const token = await createToken(tx, { ...input, createdBy: actorName(c), now });
          await audit(tx, ...auditContext(c, now), {
            action: 'token.create',
            targetType: 'api_token',
            targetId: token.id,
            details: { name: input.name, scopes: input.scopes },
          });
          return token;
        });
        return c.json(created, 201);
      },
    )
    .get(
      '/api/v1/tokens',
      describeRoute({
        tags: ['Tokens'],
        summary: 'List tokens (admin); secrets are never shown',
        responses: { 200: { description: 'Tokens', content: { 'application/json': { schema: resolver(z.object({ tokens: z.array(tokenSchema) })) } } } },
      }),
      async (c) => {
        const rows = await deps.db.orm.select().from(apiTokens).orderBy(desc(apiTokens.createdAt));
        return c.json({ tokens: rows.map(toJson) });
      },
    )
    .delete(
      '/api/v1/tokens/:id',
      describeRoute({ tags: ['Tokens'], summary: 'Revoke a token (admin); revoking twice is a no-op' }),
      validate('param', idParamSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const now = deps.clock.now();
        const row = await deps.db.write(async (tx) => {
          const [existing] = await tx.select().from(apiTokens).where(eq(apiTokens.id, id));
          if (!existing) throw new NotFoundError(`No token with id "${id}".`);
          if (existing.revokedAt) return existing;
          const [revoked] = await tx.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id)).returning();
          await audit(tx, ...auditContext(c, now), { action: 'token.revoke', targetType: 'api_token', targetId: id });
          return revoked ?? existing;
        });
        return c.json(toJson(row));
      },
    );
}
