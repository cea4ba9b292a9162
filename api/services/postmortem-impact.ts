import { and, asc, eq, gte, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Database, Db } from '../../db/client.ts';
import {
  actionItems,
  burnAlerts,
  components,
  incidentComponents,
  incidents,
  incidentUpdates,
  monitors,
  nearMisses,
  postmortems,
  slos,
} from '../../db/schema/index.ts';
import { DAY_MS } from '../domain/rollups.ts';
import { clean } from '../domain/slo/math.ts';
import { changesBefore } from './changes.ts';
import type { SloRow } from './evaluate-slo.ts';
import { evaluateRanges, type RangeRequest } from './slo/evaluate-range.ts';

export type IncidentRow = typeof incidents.$inferSelect;

/** Error-budget policy: an incident that consumed more than this share of an SLO's four-week budget needs a postmortem with a P0 action item. */
export const POSTMORTEM_BUDGET_THRESHOLD = 0.2;
export const POLICY_WINDOW_MS = 28 * DAY_MS;

export interface SloImpact {
  sloId: string;
  name: string;
  service: string;
  target: number;
  budgetingMethod: SloRow['budgetingMethod'];
  /** Raw events during the incident (maintenance excluded), and how many were bad. */
  badEvents: number;
  events: number;
  /** Events in the four weeks ending when the incident ended: the budget's base. */
  fourWeekEvents: number;
  /** Bad SLI units during the incident: events (Occurrences) or bad slices (time-slice methods). */
  badUnits: number;
  /** Bad SLI units the four-week budget allows: (1 − target) × units in the four weeks. */
  fourWeekBudget: number;
  /** Share of the four-week error budget the incident consumed: badUnits / fourWeekBudget. */
  budgetConsumed: number | null;
}

export interface IncidentImpact {
  startedAt: string;
  endedAt: string | null;
  durationMs: number;
  ongoing: boolean;
  components: { id: string; name: string; status: string }[];
  slos: SloImpact[];
}

/** SLOs that measure a component: declared on it or fed by its monitors. */
async function slosByComponent(orm: Db): Promise<(componentId: string) => SloRow[]> {
  const monitorRows = await orm.select({ id: monitors.id, componentId: monitors.componentId }).from(monitors);
  const componentOfMonitor = new Map(monitorRows.map((row) => [row.id, row.componentId]));
  const rows = await orm.select().from(slos).where(isNull(slos.archivedAt)).orderBy(asc(slos.id));
  return (componentId) =>
    rows.filter((slo) => slo.componentId === componentId || (slo.sli.monitors ?? []).some((id) => componentOfMonitor.get(id) === componentId));
}

/**
 * The one computation of what incidents cost, shared by the postmortem's impact, the
 * `postmortems/required` policy list and the error-budget report's top incidents, so the three
 * always agree. Per SLO of an affected component, the SLO engine (`evaluateRanges`: same
 * rollup segments, maintenance exclusion and budgeting method as the evaluator) measures the
 * incident [start, end) and the four weeks up to its end; budget consumed = bad units during
 * the incident / ((1 − target) × units in the four weeks). An open incident ends now.
 */
export async function incidentImpacts(database: Database, rows: readonly IncidentRow[], now: Date): Promise<Map<string, IncidentImpact>> {
  const out = new Map<string, IncidentImpact>();
  if (rows.length === 0) return out;
  const orm = database.orm;
  const links = await orm
    .select({ incidentId: incidentComponents.incidentId, id: components.id, name: components.name, status: incidentComponents.status })
    .from(incidentComponents)
    .innerJoin(components, eq(components.id, incidentComponents.componentId))
    .where(inArray(incidentComponents.incidentId, rows.map((row) => row.id)))
    .orderBy(asc(components.position), asc(components.id));
  const slosOf = await slosByComponent(orm);
  const plans = rows.map((incident) => {
    const start = incident.startedAt.getTime();
    const end = incident.resolvedAt?.getTime() ?? now.getTime();
    const linked = links.filter((link) => link.incidentId === incident.id).map(({ id, name, status }) => ({ id, name, status }));
    const affected = new Map<string, SloRow>();
    for (const component of linked) for (const slo of slosOf(component.id)) affected.set(slo.id, slo);
    return { incident, start, end, linked, affected: [...affected.values()].sort((a, b) => a.id.localeCompare(b.id)) };
  });
  const requests: RangeRequest[] = plans.flatMap((plan) =>
    plan.affected.flatMap((slo) => [
      { slo, fromMs: plan.start, toMs: plan.end },
      { slo, fromMs: plan.end - POLICY_WINDOW_MS, toMs: plan.end },
    ]),
  );
  const ranges = await evaluateRanges(database, requests, { now });
  let next = 0;
  for (const plan of plans) {
    const sloImpacts: SloImpact[] = [];
    for (const slo of plan.affected) {
      const during = ranges[next];
      const fourWeeks = ranges[next + 1];
      next += 2;
      if (!during || !fourWeeks) continue;
      const badUnits = clean(during.sli.total - during.sli.good);
      const allowed = (1 - slo.target) * fourWeeks.sli.total;
      sloImpacts.push({
        sloId: slo.id,
        name: slo.name,
        service: slo.service,
        target: slo.target,
        budgetingMethod: slo.budgetingMethod,
        badEvents: during.events.total - during.events.good,
        events: during.events.total,
        fourWeekEvents: fourWeeks.events.total,
        badUnits,
        fourWeekBudget: clean(allowed),
        budgetConsumed: allowed > 0 ? clean(badUnits / allowed) : null,
      });
    }
    out.set(plan.incident.id, {
      startedAt: plan.incident.startedAt.toISOString(),
      endedAt: plan.incident.resolvedAt?.toISOString() ?? null,
      durationMs: plan.end - plan.start,
      ongoing: plan.incident.resolvedAt === null,
      components: plan.linked,
      slos: sloImpacts,
    });
  }
  return out;
}

/** Impact computed for the postmortem: duration, components, and budget consumed per SLO. */
export async function incidentImpact(database: Database, incident: IncidentRow, now: Date): Promise<IncidentImpact> {
  const impact = (await incidentImpacts(database, [incident], now)).get(incident.id);
  if (!impact) throw new Error(`impact of incident ${incident.id} was not computed`);
  return impact;
}

/** The SLOs whose four-week budget the incident consumed more than the policy threshold of (none for drills). */
export function slosOverPolicy(incident: Pick<IncidentRow, 'drill'>, impact: IncidentImpact): string[] {
  if (incident.drill) return [];
  return impact.slos.filter((slo) => slo.budgetConsumed !== null && slo.budgetConsumed > POSTMORTEM_BUDGET_THRESHOLD).map((slo) => slo.sloId);
}

export interface TimelineEntry {
  at: string;
  kind: 'status' | 'update' | 'alert' | 'change' | 'near_miss';
  title: string;
  detail: string | null;
  ref: string | null;
}

/** The timeline, assembled: status changes, updates, burn alerts, changes before and during, linked near misses. */
export async function incidentTimeline(orm: Db, incident: IncidentRow, impact: IncidentImpact, changeWindowMs: number, now: Date): Promise<TimelineEntry[]> {
  const entries: TimelineEntry[] = [];
  const end = incident.resolvedAt ?? now;
  const statusTimes: Array<[Date | null, string]> = [
    [incident.startedAt, 'Incident started (investigating)'],
    [incident.identifiedAt, 'Cause identified'],
    [incident.monitoringAt, 'Fix deployed, monitoring'],
    [incident.resolvedAt, 'Resolved'],
  ];
  for (const [at, title] of statusTimes) if (at) entries.push({ at: at.toISOString(), kind: 'status', title, detail: null, ref: incident.id });
  const updates = await orm.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, incident.id)).orderBy(asc(incidentUpdates.displayAt));
  for (const update of updates) {
    entries.push({ at: update.displayAt.toISOString(), kind: 'update', title: `Update: ${update.status}`, detail: update.body, ref: update.id });
  }
  const sloIds = impact.slos.map((slo) => slo.sloId);
  if (sloIds.length > 0) {
    const from = new Date(incident.startedAt.getTime() - changeWindowMs);
    const alerts = await orm
      .select()
      .from(burnAlerts)
      .where(
        and(
          inArray(burnAlerts.sloId, sloIds),
          lte(burnAlerts.firedAt, end),
          or(isNull(burnAlerts.resolvedAt), gte(burnAlerts.resolvedAt, from)),
        ),
      );
    for (const alert of alerts) {
      const rates = `long ${alert.longBurnRate ?? '?'}×, short ${alert.shortBurnRate ?? '?'}×`;
      entries.push({ at: alert.firedAt.toISOString(), kind: 'alert', title: `${alert.severity} alert ${alert.rule} fired on ${alert.sloId}`, detail: rates, ref: alert.id });
      if (alert.resolvedAt) {
        entries.push({ at: alert.resolvedAt.toISOString(), kind: 'alert', title: `${alert.severity} alert ${alert.rule} resolved on ${alert.sloId}`, detail: null, ref: alert.id });
      }
    }
  }
  for (const change of await changesBefore(orm, incident.startedAt, changeWindowMs, end)) {
    entries.push({
      at: change.at,
      kind: 'change',
      title: `${change.kind === 'config' ? 'Config change' : 'Deploy'}: ${change.service}${change.version ? ` ${change.version}` : ''}`,
      detail: change.description,
      ref: change.id,
    });
  }
  const linkedNearMisses = await orm.select().from(nearMisses).where(eq(nearMisses.incidentId, incident.id));
  for (const nearMiss of linkedNearMisses) {
    entries.push({ at: nearMiss.startedAt.toISOString(), kind: 'near_miss', title: `Near miss: ${nearMiss.title}`, detail: nearMiss.signal, ref: nearMiss.id });
  }
  const order: Record<TimelineEntry['kind'], number> = { change: 0, near_miss: 1, alert: 2, status: 3, update: 4 };
  return entries.sort((a, b) => a.at.localeCompare(b.at) || order[a.kind] - order[b.kind]);
}

export interface PolicyVerdict {
  /** The incident consumed more than 20 % of some SLO's four-week budget. */
  needsPostmortem: boolean;
  sloIds: string[];
  hasPostmortem: boolean;
  hasP0ActionItem: boolean;
  /** Flagged until a postmortem with at least one P0 action item exists. */
  flagged: boolean;
}

export async function policyVerdict(orm: Db, incident: IncidentRow, impact: IncidentImpact): Promise<PolicyVerdict> {
  const over = slosOverPolicy(incident, impact);
  const [postmortem] = await orm.select({ id: postmortems.id }).from(postmortems).where(eq(postmortems.incidentId, incident.id));
  const p0 = postmortem
    ? await orm
        .select({ id: actionItems.id })
        .from(actionItems)
        .where(and(eq(actionItems.postmortemId, postmortem.id), eq(actionItems.priority, 'P0')))
        .limit(1)
    : [];
  const needsPostmortem = over.length > 0;
  return {
    needsPostmortem,
    sloIds: over,
    hasPostmortem: postmortem !== undefined,
    hasP0ActionItem: p0.length > 0,
    flagged: needsPostmortem && p0.length === 0,
  };
}
