import type { InValue } from '@libsql/client';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { components, monitors, monitorState, type ComponentStatus } from '../../db/schema/index.ts';
import { deriveComponentStatus } from '../domain/component-status.ts';
import { advanceStreak, INITIAL_STREAK, type StreakState } from '../domain/monitor-state.ts';
import type { ProbeResult } from './ingest-results.ts';

/** A component whose monitor-derived status changed. */
export interface ComponentStatusChange {
  componentId: string;
  from: ComponentStatus | null;
  to: ComponentStatus | null;
}

/** A monitor (in one region) whose state changed, e.g. for logs and near-miss detection. */
export interface MonitorStateChange {
  monitorId: string;
  region: string;
  from: string;
  to: string;
}

export interface StatusAdvance {
  monitors: MonitorStateChange[];
  components: ComponentStatusChange[];
}

const DEFAULT_QUORUM = 0.5;

function quorumOf(settings: Record<string, unknown>): number {
  const value = settings['quorum'];
  return typeof value === 'number' && value > 0 && value <= 1 ? value : DEFAULT_QUORUM;
}

/**
 * Advances monitor state with newly stored results (called inside the ingest transaction), then
 * re-derives the status of every component they touch with the quorum rule and stores it in
 * `components.derived_status`. Results older than a series' latest one are kept for history
 * (rollups) but do not move its streaks: a late batch from a buffering agent must not rewind
 * the present state.
 */
export async function advanceStatuses(tx: Tx, inserted: readonly ProbeResult[], now: Date): Promise<StatusAdvance> {
  if (inserted.length === 0) return { monitors: [], components: [] };
  const monitorIds = [...new Set(inserted.map((result) => result.monitor))];
  const monitorRows = await tx.select().from(monitors).where(inArray(monitors.id, monitorIds));
  const monitorById = new Map(monitorRows.map((row) => [row.id, row]));
  const stateRows = await tx.select().from(monitorState).where(inArray(monitorState.monitorId, monitorIds));
  const stateByKey = new Map(stateRows.map((row) => [`${row.monitorId}\u0000${row.region}`, row]));

  const bySeries = new Map<string, ProbeResult[]>();
  for (const result of inserted) {
    const key = `${result.monitor}\u0000${result.region}`;
    const list = bySeries.get(key) ?? [];
    list.push(result);
    bySeries.set(key, list);
  }

  const monitorChanges: MonitorStateChange[] = [];
  const touchedComponents = new Set<string>();
  const upserts: InValue[][] = [];
  for (const [key, results] of bySeries) {
    const first = results[0];
    const monitor = first ? monitorById.get(first.monitor) : undefined;
    if (!first || !monitor) continue;
    const stored = stateByKey.get(key);
    const lastAt = stored?.lastResultAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    const fresh = results.filter((result) => result.at.getTime() >= lastAt).sort((a, b) => a.at.getTime() - b.at.getTime());
    const latest = fresh.at(-1);
    if (!latest) continue;
    let streak: StreakState = stored
      ? {
          status: stored.status,
          consecutiveFailures: stored.consecutiveFailures,
          consecutiveSuccesses: stored.consecutiveSuccesses,
          consecutiveSlow: stored.consecutiveSlow,
          consecutiveFast: stored.consecutiveFast,
        }
      : INITIAL_STREAK;
    const before = streak.status;
    for (const result of fresh) {
      streak = advanceStreak(streak, result, {
        downAfter: monitor.downAfter,
        upAfter: monitor.upAfter,
        degradedLatencyMs: monitor.degradedLatencyMs,
      });
    }
    const changed = streak.status !== before;
    upserts.push([
      first.monitor,
      first.region,
      streak.status,
      streak.consecutiveFailures,
      streak.consecutiveSuccesses,
      streak.consecutiveSlow,
      streak.consecutiveFast,
      latest.at.getTime(),
      latest.ok ? 1 : 0,
      latest.latencyMs,
      latest.error ?? null,
      changed ? latest.at.getTime() : null,
    ]);
    if (changed) {
      monitorChanges.push({ monitorId: first.monitor, region: first.region, from: before, to: streak.status });
      if (monitor.componentId) touchedComponents.add(monitor.componentId);
    }
  }

  await upsertStates(tx, upserts);
  const componentChanges = await rederiveComponents(tx, [...touchedComponents], now);
  return { monitors: monitorChanges, components: componentChanges };
}

const STATE_COLUMNS = [
  'monitor_id',
  'region',
  'status',
  'consecutive_failures',
  'consecutive_successes',
  'consecutive_slow',
  'consecutive_fast',
  'last_result_at',
  'last_ok',
  'last_latency_ms',
  'last_error',
  'changed_at',
];
const STATE_UPDATES = STATE_COLUMNS.slice(2)
  .map((column) => (column === 'changed_at' ? 'changed_at = coalesce(excluded.changed_at, changed_at)' : `${column} = excluded.${column}`))
  .join(', ');
const STATES_PER_STATEMENT = Math.floor(32_000 / STATE_COLUMNS.length);

/**
 * Every touched series' state in one multi-row upsert (this runs inside every ingest, so it is
 * prebuilt SQL rather than one drizzle statement per series). `changed_at` moves only when the
 * status did.
 */
async function upsertStates(tx: Tx, rows: readonly InValue[][]): Promise<void> {
  for (let start = 0; start < rows.length; start += STATES_PER_STATEMENT) {
    const chunk = rows.slice(start, start + STATES_PER_STATEMENT);
    await tx.$client.execute({
      sql: `INSERT INTO monitor_state (${STATE_COLUMNS.join(', ')}) VALUES ${chunk
        .map(() => `(${STATE_COLUMNS.map(() => '?').join(',')})`)
        .join(',')} ON CONFLICT (monitor_id, region) DO UPDATE SET ${STATE_UPDATES}`,
      args: chunk.flat(),
    });
  }
}

/** Re-derives and stores the monitor status of the given components; returns those that changed. */
export async function rederiveComponents(tx: Tx, componentIds: readonly string[], now: Date): Promise<ComponentStatusChange[]> {
  if (componentIds.length === 0) return [];
  const componentRows = await tx
    .select({ id: components.id, derivedStatus: components.derivedStatus })
    .from(components)
    .where(and(inArray(components.id, [...componentIds]), isNull(components.archivedAt)));
  const monitorRows = await tx
    .select({ id: monitors.id, componentId: monitors.componentId, regions: monitors.regions, settings: monitors.settings })
    .from(monitors)
    .where(and(inArray(monitors.componentId, [...componentIds]), isNull(monitors.archivedAt)));
  const monitorIds = monitorRows.map((row) => row.id);
  const states =
    monitorIds.length === 0 ? [] : await tx.select().from(monitorState).where(inArray(monitorState.monitorId, monitorIds));
  const changes: ComponentStatusChange[] = [];
  for (const component of componentRows) {
    const own = monitorRows.filter((row) => row.componentId === component.id);
    const ownIds = new Set(own.map((row) => row.id));
    // Only regions a monitor is still configured for vote (a removed region's old state does not).
    const regionsOf = new Map(own.map((row) => [row.id, new Set(row.regions)]));
    const quorum = own[0] ? quorumOf(own[0].settings) : DEFAULT_QUORUM;
    const verdict = deriveComponentStatus(
      states
        .filter((state) => ownIds.has(state.monitorId) && (regionsOf.get(state.monitorId)?.has(state.region) ?? false))
        .map((state) => ({ monitorId: state.monitorId, region: state.region, status: state.status })),
      quorum,
    );
    if (verdict.status === component.derivedStatus) continue;
    await tx
      .update(components)
      .set({ derivedStatus: verdict.status, derivedAt: now })
      .where(eq(components.id, component.id));
    changes.push({ componentId: component.id, from: component.derivedStatus, to: verdict.status });
  }
  return changes;
}
