import { inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { monitorState } from '../../db/schema/monitors.ts';

/** One region's view of a monitor: its flap-suppressed state and streaks. */
export interface RegionStateView {
  region: string;
  status: 'unknown' | 'up' | 'degraded' | 'down';
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  lastResultAt: string | null;
  lastOk: boolean | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  changedAt: string | null;
}

export interface ResultView {
  id: string;
  region: string;
  at: string;
  ok: boolean;
  latencyMs: number;
  statusCode: number | null;
  error: string | null;
  tlsExpiresAt: string | null;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * Per-region state of the given monitors, one entry for every configured region (a region
 * that never reported is `unknown`), in configured order.
 */
export async function loadRegionStates(
  database: Database,
  monitorsWithRegions: readonly { id: string; regions: readonly string[] }[],
): Promise<Map<string, RegionStateView[]>> {
  const ids = monitorsWithRegions.map((monitor) => monitor.id);
  const rows = ids.length === 0 ? [] : await database.orm.select().from(monitorState).where(inArray(monitorState.monitorId, ids));
  const byKey = new Map(rows.map((row) => [`${row.monitorId}\u0000${row.region}`, row]));
  const views = new Map<string, RegionStateView[]>();
  for (const monitor of monitorsWithRegions) {
    views.set(
      monitor.id,
      monitor.regions.map((region) => {
        const row = byKey.get(`${monitor.id}\u0000${region}`);
        return {
          region,
          status: row?.status ?? 'unknown',
          consecutiveFailures: row?.consecutiveFailures ?? 0,
          consecutiveSuccesses: row?.consecutiveSuccesses ?? 0,
          lastResultAt: iso(row?.lastResultAt ?? null),
          lastOk: row?.lastOk ?? null,
          lastLatencyMs: row?.lastLatencyMs ?? null,
          lastError: row?.lastError ?? null,
          changedAt: iso(row?.changedAt ?? null),
        };
      }),
    );
  }
  return views;
}

/** The newest `limit` results of a monitor in each of its regions, newest first. */
export async function loadLastResults(
  database: Database,
  monitor: { id: string; regions: readonly string[] },
  limit: number,
): Promise<ResultView[]> {
  return (await loadLastResultsByMonitor(database, [monitor], limit)).get(monitor.id) ?? [];
}

/** (monitor, region) pairs per statement: 2 parameters each, well under SQLite's 32,766. */
const PAIRS_PER_QUERY = 5000;

/**
 * The newest `limit` results of each monitor in each of its regions (newest first), for many
 * monitors in one statement. Each (monitor, region) pair picks its rows with an
 * `ORDER BY at DESC LIMIT n` subquery on the (monitor_id, region, at) index, so the cost is a
 * few index steps per pair however much history is stored (a window function over all rows
 * would read every result of those monitors).
 */
export async function loadLastResultsByMonitor(
  database: Database,
  monitorList: readonly { id: string; regions: readonly string[] }[],
  limit: number,
): Promise<Map<string, ResultView[]>> {
  const views = new Map<string, ResultView[]>(monitorList.map((monitor) => [monitor.id, []]));
  const pairs = monitorList.flatMap((monitor) => monitor.regions.map((region) => [monitor.id, region] as const));
  const perPage = Math.max(0, Math.floor(limit));
  if (pairs.length === 0 || perPage === 0) return views;
  for (let start = 0; start < pairs.length; start += PAIRS_PER_QUERY) {
    const chunk = pairs.slice(start, start + PAIRS_PER_QUERY);
    const rows = await database.client.execute({
      sql: `WITH pairs(monitor_id, region) AS (VALUES ${chunk.map(() => '(?, ?)').join(', ')})
        SELECT r.id, r.monitor_id, r.region, r.at, r.ok, r.latency_ms, r.status_code, r.error, r.tls_expires_at
        FROM pairs p JOIN probe_results r ON r.rowid IN (
          SELECT rowid FROM probe_results
          WHERE monitor_id = p.monitor_id AND region = p.region
          ORDER BY at DESC LIMIT ${perPage})`,
      args: chunk.flat(),
    });
    for (const row of rows.rows) {
      const tlsExpiresAt = row['tls_expires_at'];
      const statusCode = row['status_code'];
      const error = row['error'];
      views.get(String(row['monitor_id']))?.push({
        id: String(row['id']),
        region: String(row['region']),
        at: new Date(Number(row['at'])).toISOString(),
        ok: Number(row['ok']) === 1,
        latencyMs: Number(row['latency_ms']),
        statusCode: statusCode === null || statusCode === undefined ? null : Number(statusCode),
        error: error === null || error === undefined ? null : String(error),
        tlsExpiresAt: tlsExpiresAt === null || tlsExpiresAt === undefined ? null : new Date(Number(tlsExpiresAt)).toISOString(),
      });
    }
  }
  for (const monitor of monitorList) {
    const order = new Map(monitor.regions.map((region, index) => [region, index]));
    // Newest first; at equal times, in the monitor's configured region order.
    views.get(monitor.id)?.sort((a, b) => b.at.localeCompare(a.at) || (order.get(a.region) ?? 0) - (order.get(b.region) ?? 0));
  }
  return views;
}
