import { z } from 'zod';
import { TOKEN_SCOPES } from '../../../db/schema/security.ts';

export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, 'give at least one scope'),
});

export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(TOKEN_SCOPES)),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const idParamSchema = z.object({ id: z.string().min(1).max(100) });
