import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { describeRoute } from 'hono-openapi';
import { monitors } from '../../../db/schema/monitors.ts';
import type { AppDeps } from '../../deps.ts';
import { actorName, audit, auditContext } from '../../lib/audit.ts';
import { hasScope, requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, UnauthorizedError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { heartbeatRegion, rotateHeartbeatToken, verifyHeartbeatToken } from '../../services/heartbeats.ts';
import { ingestProbeResults } from '../../services/probe-ingest.ts';
import { heartbeatBodySchema, heartbeatParams, heartbeatTokenParams } from './schemas.ts';

/**
 * Heartbeat (push) monitors: a cron job or batch run checks in; silence beyond
 * `interval + grace` counts as a failure (the heartbeat checker worker records it).
 */
export function heartbeatRoutes(deps: AppDeps) {
  const findHeartbeat = async (key: string) => {
    const [monitor] = await deps.db.orm
      .select()
      .from(monitors)
      .where(and(eq(monitors.id, key), isNull(monitors.archivedAt)));
    if (!monitor) throw new NotFoundError(`No monitor "${key}".`, 'monitor_not_found');
    if (monitor.kind !== 'heartbeat') throw new ConflictError(`Monitor "${key}" is a ${monitor.kind} monitor, not a heartbeat.`, 'not_a_heartbeat');
    return monitor;
  };

  /** The secret from the path or `X-Heartbeat-Token`, or else a bearer API token with scope `ingest`. */
  const authorise = async (c: Context<AppEnv>, key: string, pathToken: string | undefined) => {
    const token = pathToken ?? c.req.header('x-heartbeat-token');
    if (token !== undefined) {
      if (await verifyHeartbeatToken(deps.db, key, token)) return;
      throw new UnauthorizedError('The heartbeat token is wrong for this monitor.');
    }
    const actor = c.get('actor');
    if (actor && hasScope(actor.scopes, 'ingest')) return;
    throw new UnauthorizedError('Send the heartbeat token in the path or the X-Heartbeat-Token header.');
  };

  const beat = async (c: Context<AppEnv>, key: string, pathToken: string | undefined, body: { id?: string | undefined; ok: boolean; durationMs?: number | undefined; message?: string | undefined }) => {
    // Unknown monitor and wrong token answer alike (401) so that keys cannot be probed without a secret.
    const [exists] = await deps.db.orm.select({ id: monitors.id }).from(monitors).where(and(eq(monitors.id, key), isNull(monitors.archivedAt)));
    if (!exists) await authorise(c, '\u0000', pathToken);
    await authorise(c, key, pathToken);
    const monitor = await findHeartbeat(key);
    const now = deps.clock.now();
    const summary = await ingestProbeResults(
      deps,
      [
        {
          id: body.id ?? randomUUID(),
          monitor: monitor.id,
          region: heartbeatRegion(monitor.regions),
          at: now,
          ok: body.ok,
          latencyMs: body.durationMs ?? 0,
          error: body.ok ? undefined : (body.message ?? 'the job reported a failed run'),
        },
      ],
      { now, audit: (tx, counts) => audit(tx, ...auditContext(c, now), { action: 'heartbeat', targetType: 'monitor', targetId: monitor.id, details: { ...counts, ok: body.ok } }) },
    );
    return c.json({ monitor: monitor.id, at: now.toISOString(), ok: body.ok, duplicate: summary.duplicates > 0 }, 200);
  };

  return new Hono<AppEnv>()
    .post(
      '/api/v1/heartbeats/:key',
      describeRoute({ tags: ['Heartbeats'], summary: 'Check in for a heartbeat monitor (token in X-Heartbeat-Token)' }),
      validate('param', heartbeatParams),
      validate('json', heartbeatBodySchema),
      async (c) => beat(c, c.req.valid('param').key, undefined, c.req.valid('json')),
    )
    .post(
      '/api/v1/heartbeats/:key/:token',
      describeRoute({ tags: ['Heartbeats'], summary: 'Check in for a heartbeat monitor (token in the path, for plain curl in cron)' }),
      validate('param', heartbeatTokenParams),
      validate('json', heartbeatBodySchema),
      async (c) => {
        const { key, token } = c.req.valid('param');
        return beat(c, key, token, c.req.valid('json'));
      },
    )
    .post(
      '/api/v1/monitors/:key/heartbeat-token',
      describeRoute({ tags: ['Heartbeats'], summary: 'Create or rotate a heartbeat monitor token (shown once; the old one stops working)' }),
      requireScope('admin'),
      validate('param', heartbeatParams),
      async (c) => {
        const monitor = await findHeartbeat(c.req.valid('param').key);
        const now = deps.clock.now();
        const token = await deps.db.write(async (tx) => {
          const secret = await rotateHeartbeatToken(tx, monitor.id, actorName(c), now);
          await audit(tx, ...auditContext(c, now), { action: 'heartbeat.token.rotate', targetType: 'monitor', targetId: monitor.id });
          return secret;
        });
        const base = deps.settings.publicUrl.replace(/\/$/, '');
        return c.json({ monitor: monitor.id, token, url: `${base}/api/v1/heartbeats/${monitor.id}/${token}` }, 201);
      },
    );
}
