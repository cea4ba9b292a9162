import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { MiddlewareHandler } from 'hono';
import type { Database } from '../../db/client.ts';
import { apiTokens, type TokenScope } from '../../db/schema/security.ts';
import type { Clock } from './clock.ts';
import { ForbiddenError, UnauthorizedError } from './errors.ts';
import type { AppEnv } from './env-types.ts';

/** Who made a request: a token, or nobody (public reads). */
export interface Actor {
  tokenId: string;
  name: string;
  scopes: TokenScope[];
}

const GENERATED_TOKEN = /^hr_([A-Za-z0-9]{8})_/;
const MAX_TOKEN_LENGTH = 256;

/** The non-secret part a token is looked up by; an operator-given token is indexed by its start. */
export function tokenPrefix(token: string): string {
  return GENERATED_TOKEN.exec(token)?.[1] ?? token.slice(0, 8);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Tokens look like `hr_<prefix>_<secret>`. The prefix is not secret: it finds the row, then
 * the hash of the whole token is compared in constant time, so lookups leak nothing useful.
 */
export function generateToken(): { token: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 8);
  const token = `hr_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix, hash: hashToken(token) };
}

export function hasScope(scopes: readonly TokenScope[], needed: TokenScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

/** Finds the live token a bearer string names, or null. */
export async function verifyToken(database: Database, token: string): Promise<(Actor & { lastUsedAt: Date | null }) | null> {
  if (token.length < 16 || token.length > MAX_TOKEN_LENGTH) return null;
  const rows = await database.orm.select().from(apiTokens).where(eq(apiTokens.prefix, tokenPrefix(token)));
  const candidate = Buffer.from(hashToken(token), 'hex');
  for (const row of rows) {
    const stored = Buffer.from(row.hash, 'hex');
    if (stored.length === candidate.length && timingSafeEqual(stored, candidate) && row.revokedAt === null) {
      return { tokenId: row.id, name: row.name, scopes: row.scopes, lastUsedAt: row.lastUsedAt };
    }
  }
  return null;
}

const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Reads the bearer token, if any, and puts the actor on the context. It never rejects: routes
 * say what they need with `requireScope`. `last_used_at` is written at most once a minute per
 * token so that authenticated ingest does not add a write per request.
 */
export function authenticate(database: Database, clock: Clock): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header) {
      const [scheme, token] = header.split(' ', 2);
      if (scheme?.toLowerCase() !== 'bearer' || !token) throw new UnauthorizedError('Use "Authorization: Bearer <token>".');
      const actor = await verifyToken(database, token.trim());
      if (!actor) throw new UnauthorizedError('The token is unknown or revoked.');
      const now = clock.now();
      if (!actor.lastUsedAt || now.getTime() - actor.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
        await database.write((tx) => tx.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, actor.tokenId)));
      }
      c.set('actor', { tokenId: actor.tokenId, name: actor.name, scopes: actor.scopes });
    }
    await next();
  };
}

/** 401 without a token, 403 when the token lacks every one of the scopes named. */
export function requireScope(...anyOf: TokenScope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get('actor');
    if (!actor) throw new UnauthorizedError();
    if (!anyOf.some((scope) => hasScope(actor.scopes, scope))) {
      throw new ForbiddenError(`This needs a token with scope ${anyOf.join(' or ')}.`);
    }
    await next();
  };
}
