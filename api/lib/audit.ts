import type { Context } from 'hono';
import type { Tx } from '../../db/client.ts';
import { auditLog } from '../../db/schema/security.ts';
import type { AppEnv } from './env-types.ts';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

/** Who is acting, as the audit log names them: the token's name and id, or `system`. */
export function actorName(c: Context<AppEnv>): string {
  const actor = c.get('actor');
  return actor ? `token:${actor.name}:${actor.tokenId}` : 'anonymous';
}

/** Records a write, inside the same transaction as the write itself. */
export async function audit(tx: Tx, at: Date, actor: string, requestId: string | null, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    at,
    actor,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    requestId,
    details: entry.details ?? null,
  });
}

/** The audit context of a request: call as `audit(tx, ...auditContext(c, now), entry)`. */
export function auditContext(c: Context<AppEnv>, at: Date): [Date, string, string] {
  return [at, actorName(c), c.get('requestId')];
}
