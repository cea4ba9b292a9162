import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import { heartbeatTokens, monitors, monitorState } from '../../db/schema/monitors.ts';
import { hashToken } from '../lib/auth.ts';
import type { AppDeps } from '../deps.ts';
import type { ProbeResult } from './ingest-results.ts';
import { ingestProbeResults } from './probe-ingest.ts';

const DEFAULT_GRACE_MS = 60_000;
/** A checker that was off for long catches up at most this many misses per monitor and tick. */
const MAX_MISSES_PER_TICK = 100;

/** Creates or replaces a heartbeat monitor's secret; the secret is returned this once, only its hash is stored. */
export async function rotateHeartbeatToken(tx: Tx, monitorId: string, createdBy: string, now: Date): Promise<string> {
  const token = `hb_${randomBytes(24).toString('base64url')}`;
  await tx
    .insert(heartbeatTokens)
    .values({ monitorId, hash: hashToken(token), createdBy, createdAt: now })
    .onConflictDoUpdate({ target: heartbeatTokens.monitorId, set: { hash: hashToken(token), createdBy, createdAt: now } });
  return token;
}

/** True when `token` is the monitor's current heartbeat secret (compared in constant time). */
export async function verifyHeartbeatToken(database: Database, monitorId: string, token: string): Promise<boolean> {
  if (token.length < 16 || token.length > 256) return false;
  const [row] = await database.orm.select().from(heartbeatTokens).where(eq(heartbeatTokens.monitorId, monitorId));
  if (!row) return false;
  const stored = Buffer.from(row.hash, 'hex');
  const candidate = Buffer.from(hashToken(token), 'hex');
  return stored.length === candidate.length && timingSafeEqual(stored, candidate);
}

/** Heartbeats are region-less; their results go to the monitor's first region (`local` by default). */
export const heartbeatRegion = (regions: readonly string[]): string => regions[0] ?? 'local';

/**
 * A stable UUID for a missed beat, so that two API processes checking the same monitor record
 * the same miss once (ingest is idempotent by id).
 */
export function missId(monitorId: string, region: string, atMs: number): string {
  const hex = createHash('sha256').update(`heartbeat-miss:${monitorId}:${region}:${atMs}`).digest('hex');
  // Shaped as an RFC 9562 version-8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The failures heartbeat monitors are owed at `now`: when no result (beat or earlier miss) has
 * arrived for `interval + grace`, one failing result is due at that deadline, and another after
 * each further `interval + grace` of silence. So a job that stops is down after `downAfter`
 * missed beats, like any probe after `downAfter` failures.
 */
export async function dueHeartbeatMisses(database: Database, now: Date, earliestMs: number): Promise<ProbeResult[]> {
  const rows = await database.orm
    .select()
    .from(monitors)
    .where(and(isNull(monitors.archivedAt), eq(monitors.kind, 'heartbeat')));
  if (rows.length === 0) return [];
  const states = await database.orm
    .select()
    .from(monitorState)
    .where(
      inArray(
        monitorState.monitorId,
        rows.map((row) => row.id),
      ),
    );
  const misses: ProbeResult[] = [];
  for (const monitor of rows) {
    const region = heartbeatRegion(monitor.regions);
    const state = states.find((row) => row.monitorId === monitor.id && row.region === region);
    const grace = typeof monitor.settings['grace'] === 'number' ? monitor.settings['grace'] : DEFAULT_GRACE_MS;
    const step = monitor.intervalMs + grace;
    // Before any beat, the monitor's creation (or its return from the archive) is the start.
    const base = state?.lastResultAt?.getTime() ?? monitor.updatedAt.getTime();
    let deadline = base + step;
    if (deadline < earliestMs) deadline += Math.ceil((earliestMs - deadline) / step) * step;
    for (let count = 0; deadline <= now.getTime() && count < MAX_MISSES_PER_TICK; count += 1) {
      misses.push({
        id: missId(monitor.id, region, deadline),
        monitor: monitor.id,
        region,
        at: new Date(deadline),
        ok: false,
        latencyMs: 0,
        error: `no heartbeat since ${new Date(base).toISOString()} (interval ${monitor.intervalMs} ms + grace ${grace} ms)`,
      });
      deadline += step;
    }
  }
  return misses;
}

/** Keep a minute clear of the backfill horizon so a catching-up miss is never refused as too old. */
const HORIZON_MARGIN_MS = 60_000;

/** Records the misses heartbeat monitors are owed at the clock's now; returns how many were new. */
export async function checkHeartbeats(deps: Pick<AppDeps, 'db' | 'clock' | 'events' | 'settings' | 'config'>): Promise<number> {
  const now = deps.clock.now();
  const misses = await dueHeartbeatMisses(deps.db, now, now.getTime() - deps.settings.backfillHorizonMs + HORIZON_MARGIN_MS);
  if (misses.length === 0) return 0;
  const summary = await ingestProbeResults(deps, misses, { now });
  return summary.accepted;
}
