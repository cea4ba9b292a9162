import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { maintenanceComponents, maintenances } from '../../../db/schema/maintenances.ts';
import { MINUTE_MS } from '../../domain/rollups.ts';
import { mergeIntervals } from '../../domain/slo/segments.ts';
import { ceilTo, floorTo } from '../../domain/slo/windows.ts';

export interface Interval {
  from: number;
  to: number;
}

type MaintenanceRow = typeof maintenances.$inferSelect;

/**
 * The time a maintenance took: from its start (or scheduled start) to its completion (or
 * scheduled end); one still in progress past its scheduled end runs until `end`. Widened to
 * whole minutes, the finest time the rollups know. Drills are rehearsals: their failures count.
 */
export function maintenanceInterval(row: MaintenanceRow, end: number): Interval | null {
  if (row.drill) return null;
  const from = (row.startedAt ?? row.scheduledFor).getTime();
  let to = (row.completedAt ?? row.scheduledUntil).getTime();
  if (!row.completedAt && (row.status === 'in_progress' || row.status === 'verifying')) to = Math.max(to, end);
  if (to <= from) return null;
  return { from: floorTo(from, MINUTE_MS), to: ceilTo(to, MINUTE_MS) };
}

/** Merged maintenance intervals per component, overlapping [from, to). */
export async function maintenanceByComponent(database: Database, componentIds: readonly string[], from: number, to: number): Promise<Map<string, Interval[]>> {
  const out = new Map<string, Interval[]>();
  if (componentIds.length === 0) return out;
  const rows = await database.orm
    .select({ maintenance: maintenances, componentId: maintenanceComponents.componentId })
    .from(maintenanceComponents)
    .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
    .where(and(inArray(maintenanceComponents.componentId, [...componentIds]), eq(maintenances.drill, false)));
  for (const row of rows) {
    const interval = maintenanceInterval(row.maintenance, to);
    if (!interval || interval.to <= from || interval.from >= to) continue;
    const list = out.get(row.componentId) ?? [];
    list.push(interval);
    out.set(row.componentId, list);
  }
  for (const [component, list] of out) out.set(component, mergeIntervals(list));
  return out;
}
