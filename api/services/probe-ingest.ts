import type { AppDeps } from '../deps.ts';
import type { Tx } from '../../db/client.ts';
import { announceIncidentWrite, incidentContext, type IncidentWriteResult } from './incidents.ts';
import { applyAutoIncidents, MONITORING_ACTOR } from './auto-incident.ts';
import { ingestResults, type IngestSummary, type ProbeResult } from './ingest-results.ts';
import { advanceStatuses, type StatusAdvance } from './monitor-status.ts';

export interface ProbeIngestSummary extends IngestSummary {
  /** What the new results changed (monitor states, component statuses). */
  changes: StatusAdvance;
}

/**
 * Ingests probe results (idempotent, all-or-nothing) and, in the same transaction, advances
 * monitor state, re-derives component statuses with the quorum rule and opens or updates
 * monitoring incidents. After the commit it tells the rest of the process: `public.changed` when
 * a component's status moved. The results route and the built-in prober both come through here.
 */
export async function ingestProbeResults(
  deps: Pick<AppDeps, 'db' | 'events' | 'settings' | 'config'>,
  results: readonly ProbeResult[],
  options: { now: Date; audit?: (tx: Tx, summary: IngestSummary) => Promise<void> },
): Promise<ProbeIngestSummary> {
  let changes: StatusAdvance = { monitors: [], components: [] };
  let incidentWrites: IncidentWriteResult[] = [];
  const summary = await ingestResults(deps.db, results, {
    now: options.now,
    backfillHorizonMs: deps.settings.backfillHorizonMs,
    ...(options.audit ? { audit: options.audit } : {}),
    afterInsert: async (tx, inserted) => {
      changes = await advanceStatuses(tx, inserted, options.now);
      incidentWrites = await applyAutoIncidents(
        tx,
        changes.components,
        incidentContext({
          now: options.now,
          publicUrl: deps.settings.publicUrl,
          pageName: deps.config.page.name,
          actor: MONITORING_ACTOR,
        }),
      );
    },
  });
  if (changes.components.length > 0) deps.events.emit('public.changed', { reason: 'component.status' });
  for (const write of incidentWrites) announceIncidentWrite(deps.events, write, 'incident.monitoring');
  return { ...summary, changes };
}
