import { detectDeployRegressions } from './deploy-regression.ts';
import { detectFailureStreaks, detectMonitorNoData, detectRegionalFailures, detectTlsExpiry } from './monitor-signals.ts';
import { detectBurnSpikes, detectCostlyEvents, detectLatencyHeadroom, detectSloNoData, detectSlowBurns } from './slo-signals.ts';
import type { Detection, DetectionDraft, DetectionInput, DetectorIncident } from './types.ts';

export type { Detection, DetectionInput } from './types.ts';

/**
 * The one pure evaluation behind the detector worker and `POST /near-misses/scan`: every
 * signal over the input's data, keeping the conditions that overlap [from, to]. Each comes
 * with a stable dedupe key, so running it again over the same history finds the same rows.
 */
export function detectNearMisses(input: DetectionInput): Detection[] {
  const drafts: DetectionDraft[] = [];
  for (const monitor of input.monitors) {
    drafts.push(
      ...detectFailureStreaks(input, monitor),
      ...detectRegionalFailures(input, monitor),
      ...detectTlsExpiry(input, monitor),
      ...detectMonitorNoData(input, monitor),
    );
  }
  for (const slo of input.slos) {
    drafts.push(
      ...detectBurnSpikes(input, slo),
      ...detectSlowBurns(input, slo),
      ...detectCostlyEvents(input, slo),
      ...detectLatencyHeadroom(input, slo),
      ...detectSloNoData(input, slo),
    );
  }
  drafts.push(...detectDeployRegressions(input));
  return drafts
    .filter((draft) => draft.startedAtMs <= input.toMs && (draft.endedAtMs ?? input.toMs) >= input.fromMs)
    .map((draft) => {
      const incident = linkedIncident(draft, input.incidents, input.toMs);
      // A costly stretch that became an incident is the incident's cost, not a near miss.
      const escalated = draft.escalated || (draft.signal === 'costly_event' && incident !== null);
      return { ...draft, escalated, incidentId: incident?.id ?? null };
    })
    .sort((a, b) => a.startedAtMs - b.startedAtMs || a.dedupeKey.localeCompare(b.dedupeKey));
}

/**
 * The incident a condition grew into: a (non-drill) incident on the same component that was
 * open at some point while the condition lasted.
 */
export function linkedIncident(
  draft: Pick<DetectionDraft, 'componentId' | 'startedAtMs' | 'endedAtMs'>,
  incidents: readonly DetectorIncident[],
  nowMs: number,
): DetectorIncident | null {
  if (!draft.componentId) return null;
  const end = draft.endedAtMs ?? nowMs;
  return (
    incidents.find(
      (incident) =>
        incident.componentIds.includes(draft.componentId ?? '') &&
        incident.startedAtMs <= end &&
        (incident.resolvedAtMs ?? nowMs) >= draft.startedAtMs,
    ) ?? null
  );
}
