import { and, asc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import {
  components,
  incidentComponents,
  incidents,
  maintenanceComponents,
  maintenances,
  monitors,
  monitorState,
  type ComponentStatus,
} from '../../db/schema/index.ts';
import { statusSeverity } from '../domain/component-status.ts';

export type { ComponentStatus } from '../../db/schema/components.ts';

/** Where a component's effective status came from. */
export type ComponentStatusSource = 'override' | 'maintenance' | 'incident' | 'monitors' | 'none';

/**
 * Whether the monitors behind a component have reported recently. Statuspage has no "unknown"
 * status, so readers must use this to avoid showing "operational" for lack of data.
 */
export type ComponentDataState = 'fresh' | 'stale' | 'no_data';

export interface ComponentOverride {
  status: ComponentStatus;
  by: string | null;
  reason: string | null;
  expiresAt: Date | null;
}

export interface ComponentStatusEntry {
  id: string;
  name: string;
  groupId: string | null;
  status: ComponentStatus;
  source: ComponentStatusSource;
  dataState: ComponentDataState;
  /** The newest result of any of its monitors, in any region. */
  lastDataAt: Date | null;
  override: ComponentOverride | null;
  /** Active monitors attached (0 means the status is set by hand only, and dataState is `no_data`). */
  monitorCount: number;
  /** The status the monitors derive (quorum across regions), null until they have data. */
  derivedStatus: ComponentStatus | null;
  public: boolean;
  position: number;
  description: string | null;
}

const OPEN_INCIDENT_STATUSES = ['resolved', 'postmortem'] as const;

/**
 * The effective status of every active component, in display order:
 * an unexpired override, else `under_maintenance` during an in-progress (non-drill) maintenance
 * listing it, else the worst of the open (non-drill) incidents' statuses for it and the
 * monitor-derived status. Reads only; time comes in as `now`.
 */
export async function loadComponentStatuses(database: Database, now: Date, staleAfterMs: number): Promise<ComponentStatusEntry[]> {
  const db = database.orm;
  const rows = await db
    .select()
    .from(components)
    .where(isNull(components.archivedAt))
    .orderBy(asc(components.position), asc(components.id));
  if (rows.length === 0) return [];

  const inMaintenance = new Set(
    (
      await db
        .select({ componentId: maintenanceComponents.componentId })
        .from(maintenanceComponents)
        .innerJoin(maintenances, eq(maintenances.id, maintenanceComponents.maintenanceId))
        .where(and(eq(maintenances.status, 'in_progress'), eq(maintenances.drill, false)))
    ).map((row) => row.componentId),
  );

  const incidentWorst = new Map<string, ComponentStatus>();
  const incidentRows = await db
    .select({ componentId: incidentComponents.componentId, status: incidentComponents.status })
    .from(incidentComponents)
    .innerJoin(incidents, eq(incidents.id, incidentComponents.incidentId))
    .where(and(notInArray(incidents.status, [...OPEN_INCIDENT_STATUSES]), eq(incidents.drill, false)));
  for (const row of incidentRows) {
    const current = incidentWorst.get(row.componentId);
    if (!current || statusSeverity(row.status) > statusSeverity(current)) incidentWorst.set(row.componentId, row.status);
  }

  const ids = rows.map((row) => row.id);
  const monitorRows = await db
    .select({ id: monitors.id, componentId: monitors.componentId })
    .from(monitors)
    .where(and(isNull(monitors.archivedAt), inArray(monitors.componentId, ids)));
  const monitorCount = new Map<string, number>();
  for (const monitor of monitorRows) {
    if (monitor.componentId) monitorCount.set(monitor.componentId, (monitorCount.get(monitor.componentId) ?? 0) + 1);
  }
  const lastData = new Map<string, number>();
  const stateRows = await db
    .select({ componentId: monitors.componentId, lastResultAt: monitorState.lastResultAt })
    .from(monitorState)
    .innerJoin(monitors, eq(monitors.id, monitorState.monitorId))
    .where(and(isNull(monitors.archivedAt), inArray(monitors.componentId, ids)));
  for (const row of stateRows) {
    if (!row.componentId || !row.lastResultAt) continue;
    const at = row.lastResultAt.getTime();
    if (at > (lastData.get(row.componentId) ?? Number.NEGATIVE_INFINITY)) lastData.set(row.componentId, at);
  }

  return rows.map((row) => {
    const lastAt = lastData.get(row.id);
    const lastDataAt = lastAt === undefined ? null : new Date(lastAt);
    const dataState: ComponentDataState =
      lastDataAt === null ? 'no_data' : now.getTime() - lastDataAt.getTime() > staleAfterMs ? 'stale' : 'fresh';
    const overrideActive =
      row.overrideStatus !== null && (row.overrideExpiresAt === null || row.overrideExpiresAt.getTime() > now.getTime());
    const override: ComponentOverride | null =
      overrideActive && row.overrideStatus
        ? { status: row.overrideStatus, by: row.overrideBy, reason: row.overrideReason, expiresAt: row.overrideExpiresAt }
        : null;

    let status: ComponentStatus = 'operational';
    let source: ComponentStatusSource = 'none';
    if (override) {
      status = override.status;
      source = 'override';
    } else if (inMaintenance.has(row.id)) {
      status = 'under_maintenance';
      source = 'maintenance';
    } else {
      const fromIncident = incidentWorst.get(row.id);
      const derived = row.derivedStatus;
      if (fromIncident && (!derived || statusSeverity(fromIncident) >= statusSeverity(derived))) {
        status = fromIncident;
        source = 'incident';
      } else if (derived) {
        status = derived;
        source = 'monitors';
      }
    }
    return {
      id: row.id,
      name: row.name,
      groupId: row.groupId,
      status,
      source,
      dataState,
      lastDataAt,
      override,
      monitorCount: monitorCount.get(row.id) ?? 0,
      derivedStatus: row.derivedStatus,
      public: row.public,
      position: row.position,
      description: row.description,
    };
  });
}
