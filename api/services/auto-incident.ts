import { and, eq, inArray, notInArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { components, incidentComponents, incidents, type ComponentStatus } from '../../db/schema/index.ts';
import { statusSeverity } from '../domain/component-status.ts';
import { addIncidentUpdate, openIncident, type IncidentContext, type IncidentWriteResult } from './incidents.ts';
import type { ComponentStatusChange } from './monitor-status.ts';

export const MONITORING_ACTOR = 'system:monitoring';
const MONITORING_AUTHOR = 'Headroom monitoring';

const LABEL: Record<ComponentStatus, string> = {
  operational: 'operational',
  degraded_performance: 'degraded performance',
  partial_outage: 'a partial outage',
  major_outage: 'a major outage',
  under_maintenance: 'under maintenance',
};

/**
 * For components with `autoIncident`, a confirmed major outage (quorum of regions) opens an
 * incident (`investigating`, source `monitoring`) through the incidents service, so it is audited
 * and notified like any other; recovery adds an update proposing resolution and lowers the
 * component's status in that incident to what monitors now say. Resolving stays a human call.
 */
export async function applyAutoIncidents(
  tx: Tx,
  changes: readonly ComponentStatusChange[],
  ctx: IncidentContext,
): Promise<IncidentWriteResult[]> {
  const relevant = changes.filter(
    (change) => change.to === 'major_outage' || (change.from === 'major_outage' && change.to !== null),
  );
  if (relevant.length === 0) return [];
  const rows = await tx
    .select({ id: components.id, name: components.name, autoIncident: components.autoIncident })
    .from(components)
    .where(
      inArray(
        components.id,
        relevant.map((change) => change.componentId),
      ),
    );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const writes: IncidentWriteResult[] = [];
  for (const change of relevant) {
    const component = byId.get(change.componentId);
    if (!component?.autoIncident || change.to === null) continue;
    const open = await openMonitoringIncident(tx, component.id);
    if (change.to === 'major_outage') {
      if (open) {
        writes.push(
          await addIncidentUpdate(
            tx,
            open,
            {
              body: `Monitoring reports a major outage of ${component.name} again.`,
              components: [{ id: component.id, status: 'major_outage' }],
              author: MONITORING_AUTHOR,
            },
            ctx,
          ),
        );
      } else {
        writes.push(
          await openIncident(
            tx,
            {
              name: `${component.name} is unavailable`,
              impact: 'major',
              status: 'investigating',
              source: 'monitoring',
              body:
                `This incident was opened automatically by monitoring: a quorum of probe regions reports ` +
                `a major outage of ${component.name}. We are investigating.`,
              components: [{ id: component.id, status: 'major_outage' }],
              author: MONITORING_AUTHOR,
            },
            ctx,
          ),
        );
      }
    } else if (open && statusSeverity(change.to) < statusSeverity('major_outage')) {
      writes.push(
        await addIncidentUpdate(
          tx,
          open,
          {
            body:
              `Monitoring reports recovery: ${component.name} is now ${LABEL[change.to]}. ` +
              'We propose to resolve this incident once an engineer confirms.',
            components: [{ id: component.id, status: change.to }],
            author: MONITORING_AUTHOR,
          },
          ctx,
        ),
      );
    }
  }
  return writes;
}

/** The newest unresolved, non-drill incident opened by monitoring that names the component. */
async function openMonitoringIncident(tx: Tx, componentId: string): Promise<string | null> {
  const rows = await tx
    .select({ id: incidents.id, startedAt: incidents.startedAt })
    .from(incidents)
    .innerJoin(incidentComponents, eq(incidentComponents.incidentId, incidents.id))
    .where(
      and(
        eq(incidentComponents.componentId, componentId),
        eq(incidents.source, 'monitoring'),
        eq(incidents.drill, false),
        notInArray(incidents.status, ['resolved', 'postmortem']),
      ),
    );
  rows.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  return rows[0]?.id ?? null;
}
