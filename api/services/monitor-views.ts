import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { monitorState } from '../../db/schema/monitors.ts';
import { probeResults as results } from '../../db/schema/probe-results.ts';

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
  const views = new Map<string, RegionStateView[]>();
  for (const monitor of monitorsWithRegions) {
    views.set(
      monitor.id,
      monitor.regions.map((region) => {
        const row = rows.find((candidate) => candidate.monitorId === monitor.id && candidate.region === region);
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
  const all: ResultView[] = [];
  for (const region of monitor.regions) {
    const rows = await database.orm
      .select()
      .from(results)
      .where(and(eq(results.monitorId, monitor.id), eq(results.region, region)))
      .orderBy(desc(results.at))
      .limit(limit);
    for (const row of rows) {
      all.push({
        id: row.id,
        region: row.region,
        at: row.at.toISOString(),
        ok: row.ok,
        latencyMs: row.latencyMs,
        statusCode: row.statusCode,
        error: row.error,
        tlsExpiresAt: iso(row.tlsExpiresAt),
      });
    }
  }
  return all.sort((a, b) => b.at.localeCompare(a.at));
}
