import type { nearMisses } from '../../db/schema/index.ts';

export type NearMissRow = typeof nearMisses.$inferSelect;

const isoOrNull = (date: Date | null) => date?.toISOString() ?? null;

/** The API shape of a near miss; a reporter's name is never shown for an anonymous report. */
export function nearMissJson(row: NearMissRow) {
  return {
    id: row.id,
    source: row.source,
    signal: row.signal,
    status: row.status,
    title: row.title,
    summary: row.summary,
    startedAt: row.startedAt.toISOString(),
    endedAt: isoOrNull(row.endedAt),
    ongoing: row.source === 'detected' && row.endedAt === null,
    monitorId: row.monitorId,
    sloId: row.sloId,
    componentId: row.componentId,
    region: row.region,
    evidence: row.evidence,
    budgetAtRisk: row.budgetAtRisk,
    incidentId: row.incidentId,
    report:
      row.source === 'reported'
        ? {
            reporter: row.anonymous ? null : row.reporter,
            anonymous: row.anonymous,
            discoveredAt: isoOrNull(row.discoveredAt),
            discoveredHow: row.discoveredHow,
            whatHappened: row.whatHappened,
            stoppedBy: row.stoppedBy,
            worstOutcome: row.worstOutcome,
            contributingFactors: row.contributingFactors ?? [],
            recurrenceLikelihood: row.recurrenceLikelihood,
            links: row.links ?? {},
          }
        : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Triage moves forward `new → analysing → actioned | accepted_risk`; a closed one can be reopened. */
export const TRIAGE_TRANSITIONS: Record<NearMissRow['status'], readonly NearMissRow['status'][]> = {
  new: ['analysing', 'accepted_risk'],
  analysing: ['actioned', 'accepted_risk'],
  actioned: ['analysing'],
  accepted_risk: ['analysing'],
};
