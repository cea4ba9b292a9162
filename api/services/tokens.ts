import { isNull } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import { apiTokens, type TokenScope } from '../../db/schema/security.ts';
import { generateToken, hashToken, tokenPrefix } from '../lib/auth.ts';
import { newId } from '../lib/ids.ts';

export interface CreatedToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  /** The only time the secret is ever shown. */
  token: string;
}

export async function createToken(
  tx: Tx,
  input: { name: string; scopes: TokenScope[]; createdBy: string | null; now: Date; token?: string },
): Promise<CreatedToken> {
  const generated = generateToken();
  const token = input.token ?? generated.token;
  const prefix = input.token ? tokenPrefix(input.token) : generated.prefix;
  const id = newId();
  await tx.insert(apiTokens).values({
    id,
    name: input.name,
    prefix,
    hash: hashToken(token),
    scopes: [...new Set(input.scopes)],
    createdBy: input.createdBy,
    createdAt: input.now,
  });
  return { id, name: input.name, scopes: input.scopes, token };
}

/**
 * On first start there must be a way in: create an admin token (from HEADROOM_ADMIN_TOKEN when
 * set) if no live admin token exists. Returns the secret when one was created, so it can be
 * printed exactly once.
 */
export async function ensureAdminToken(database: Database, now: Date, fromEnv?: string): Promise<string | null> {
  return database.write(async (tx) => {
    const live = await tx.select({ scopes: apiTokens.scopes, hash: apiTokens.hash }).from(apiTokens).where(isNull(apiTokens.revokedAt));
    if (fromEnv) {
      if (live.some((row) => row.hash === hashToken(fromEnv))) return null;
      await createToken(tx, { name: 'admin (HEADROOM_ADMIN_TOKEN)', scopes: ['admin'], createdBy: 'system', now, token: fromEnv });
      return fromEnv;
    }
    if (live.some((row) => row.scopes.includes('admin'))) return null;
    const created = await createToken(tx, { name: 'admin (first start)', scopes: ['admin'], createdBy: 'system', now });
    return created.token;
  });
}
