import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  components,
  incidentComponents,
  incidents,
  incidentUpdates,
  maintenanceComponents,
  maintenances,
  maintenanceUpdates,
} from '../../db/schema/index.ts';

/** Read models shared by the v1 API, the Statuspage-compatible v2 API and the feeds. */
export type IncidentRow = typeof incidents.$inferSelect;
export type IncidentUpdateRow = typeof incidentUpdates.$inferSelect;
export type MaintenanceRow = typeof maintenances.$inferSelect;
export type MaintenanceUpdateRow = typeof maintenanceUpdates.$inferSelect;

export interface LinkedComponent {
  id: string;
  name: string;
  status: string;
  runbookUrl: string | null;
  public: boolean;
}

export interface IncidentView extends IncidentRow {
  updates: IncidentUpdateRow[];
  components: LinkedComponent[];
}

export interface MaintenanceView extends MaintenanceRow {
  updates: MaintenanceUpdateRow[];
  components: LinkedComponent[];
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const list = out.get(key(row));
    if (list) list.push(row);
    else out.set(key(row), [row]);
  }
  return out;
}

/** Attaches updates (newest first, as Statuspage lists them) and affected components. */
export async function withIncidentDetails(orm: Db, rows: readonly IncidentRow[]): Promise<IncidentView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const updates = await orm
    .select()
    .from(incidentUpdates)
    .where(inArray(incidentUpdates.incidentId, ids))
    .orderBy(desc(incidentUpdates.displayAt), desc(incidentUpdates.createdAt));
  const linked = await orm
    .select({
      incidentId: incidentComponents.incidentId,
      id: components.id,
      name: components.name,
      status: incidentComponents.status,
      runbookUrl: components.runbookUrl,
      public: components.public,
    })
    .from(incidentComponents)
    .innerJoin(components, eq(components.id, incidentComponents.componentId))
    .where(inArray(incidentComponents.incidentId, ids))
    .orderBy(asc(components.position));
  const updatesBy = groupBy(updates, (row) => row.incidentId);
  const componentsBy = groupBy(linked, (row) => row.incidentId);
  return rows.map((row) => ({
    ...row,
    updates: updatesBy.get(row.id) ?? [],
    components: (componentsBy.get(row.id) ?? []).map(({ incidentId: _ignored, ...component }) => component),
  }));
}

export async function withMaintenanceDetails(orm: Db, rows: readonly MaintenanceRow[]): Promise<MaintenanceView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const updates = await orm
    .select()
    .from(maintenanceUpdates)
    .where(inArray(maintenanceUpdates.maintenanceId, ids))
    .orderBy(desc(maintenanceUpdates.displayAt), desc(maintenanceUpdates.createdAt));
  const linked = await orm
    .select({
      maintenanceId: maintenanceComponents.maintenanceId,
      id: components.id,
      name: components.name,
      runbookUrl: components.runbookUrl,
      public: components.public,
    })
    .from(maintenanceComponents)
    .innerJoin(components, eq(components.id, maintenanceComponents.componentId))
    .where(inArray(maintenanceComponents.maintenanceId, ids))
    .orderBy(asc(components.position));
  const updatesBy = groupBy(updates, (row) => row.maintenanceId);
  const componentsBy = groupBy(linked, (row) => row.maintenanceId);
  return rows.map((row) => ({
    ...row,
    updates: updatesBy.get(row.id) ?? [],
    components: (componentsBy.get(row.id) ?? []).map(({ maintenanceId: _ignored, ...component }) => ({
      ...component,
      status: 'under_maintenance',
    })),
  }));
}

export async function getIncidentView(orm: Db, id: string): Promise<IncidentView | null> {
  const rows = await orm.select().from(incidents).where(eq(incidents.id, id));
  const [view] = await withIncidentDetails(orm, rows);
  return view ?? null;
}

export async function getMaintenanceView(orm: Db, id: string): Promise<MaintenanceView | null> {
  const rows = await orm.select().from(maintenances).where(eq(maintenances.id, id));
  const [view] = await withMaintenanceDetails(orm, rows);
  return view ?? null;
}
