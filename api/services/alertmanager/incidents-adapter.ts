import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { ComponentStatus } from '../../../db/schema/components.ts';
import {
  incidentComponents,
  incidents,
  incidentUpdates,
  type IncidentImpact,
  type IncidentStatus,
} from '../../../db/schema/incidents.ts';
import { newId } from '../../lib/ids.ts';

/**
 * The few incident writes the Alertmanager integration needs, inside the caller's transaction.
 * This is a minimal stand-in written while the incidents service (issue 5) is being built:
 * it writes `incidents`, `incident_updates` and `incident_components` rows but enqueues no
 * subscriber notices. Swap these bodies for the service's `openIncident`/`addIncidentUpdate`
 * when it lands; the integration only calls what is exported here.
 */

export const CLOSED_INCIDENT_STATUSES: readonly IncidentStatus[] = ['resolved', 'postmortem'];
export const ALERTMANAGER_AUTHOR = 'alertmanager';

export interface IncidentRef {
  id: string;
  status: IncidentStatus;
}

export interface ComponentImpact {
  componentId: string;
  status: ComponentStatus;
}

/** The newest open (not resolved, not a drill) incident on any of these components. */
export async function findOpenIncident(tx: Tx, componentIds: readonly string[]): Promise<IncidentRef | null> {
  if (componentIds.length === 0) return null;
  const [row] = await tx
    .select({ id: incidents.id, status: incidents.status })
    .from(incidents)
    .innerJoin(incidentComponents, eq(incidentComponents.incidentId, incidents.id))
    .where(
      and(
        inArray(incidentComponents.componentId, [...componentIds]),
        notInArray(incidents.status, [...CLOSED_INCIDENT_STATUSES]),
        eq(incidents.drill, false),
      ),
    )
    .orderBy(desc(incidents.startedAt))
    .limit(1);
  return row ?? null;
}

export async function openIncident(
  tx: Tx,
  input: { name: string; impact: IncidentImpact; startedAt: Date; body: string; components: readonly ComponentImpact[] },
  now: Date,
): Promise<string> {
  const id = newId();
  await tx.insert(incidents).values({
    id,
    name: input.name,
    status: 'investigating',
    impact: input.impact,
    source: 'alertmanager',
    startedAt: input.startedAt,
    createdAt: now,
    updatedAt: now,
  });
  await attachComponents(tx, id, input.components);
  await tx.insert(incidentUpdates).values({
    id: newId(),
    incidentId: id,
    status: 'investigating',
    body: input.body,
    displayAt: now,
    author: ALERTMANAGER_AUTHOR,
    createdAt: now,
  });
  return id;
}

/** Adds the components an incident does not already list; returns how many were added. */
export async function attachComponents(tx: Tx, incidentId: string, components: readonly ComponentImpact[]): Promise<number> {
  if (components.length === 0) return 0;
  const added = await tx
    .insert(incidentComponents)
    .values(components.map((component) => ({ incidentId, componentId: component.componentId, status: component.status })))
    .onConflictDoNothing()
    .returning({ componentId: incidentComponents.componentId });
  return added.length;
}

/** Posts an update and moves the incident to its status (stamping `monitoring_at` the first time). */
export async function addIncidentUpdate(
  tx: Tx,
  incident: IncidentRef,
  input: { status: IncidentStatus; body: string },
  now: Date,
): Promise<string> {
  const id = newId();
  await tx.insert(incidentUpdates).values({
    id,
    incidentId: incident.id,
    status: input.status,
    body: input.body,
    displayAt: now,
    author: ALERTMANAGER_AUTHOR,
    createdAt: now,
  });
  const monitoringFirstTime = input.status === 'monitoring' && incident.status !== 'monitoring';
  await tx
    .update(incidents)
    .set({ status: input.status, updatedAt: now, ...(monitoringFirstTime ? { monitoringAt: now } : {}) })
    .where(eq(incidents.id, incident.id));
  return id;
}
