import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { incidentComponents, incidents, type IncidentStatus } from '../../../db/schema/incidents.ts';

/** Incident lookups the Alertmanager receiver needs; the writes go through `services/incidents.ts`. */

export const CLOSED_INCIDENT_STATUSES: readonly IncidentStatus[] = ['resolved', 'postmortem'];

/** The newest open (not resolved, not a drill) incident on any of these components. */
export async function findOpenIncident(tx: Tx, componentIds: readonly string[]): Promise<{ id: string; status: IncidentStatus } | null> {
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

/** The components an incident already lists. */
export async function incidentComponentIds(tx: Tx, incidentId: string): Promise<Set<string>> {
  const rows = await tx
    .select({ componentId: incidentComponents.componentId })
    .from(incidentComponents)
    .where(eq(incidentComponents.incidentId, incidentId));
  return new Set(rows.map((row) => row.componentId));
}
