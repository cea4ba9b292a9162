import { and, asc, eq, gte, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
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
import { changesBefore } from './changes.ts';
import { sloCountsBetween } from './slo-counts.ts';

export type IncidentRow = typeof incidents.$inferSelect;

/** Error-budget policy: an incident that consumed more than this share of an SLO's four-week budget needs a postmortem with a P0 action item. */
export const POSTMORTEM_BUDGET_THRESHOLD = 0.2;
export const POLICY_WINDOW_MS = 28 * DAY_MS;

export interface SloImpact {
  sloId: string;
  name: string;
  service: string;
  target: number;
  badEvents: number;
  events: number;
  /** Events in the four weeks ending when the incident ended: the budget's base. */
  fourWeekEvents: number;
  /** Share of the four-week error budget the incident's bad events consumed. */
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

/** SLOs that measure any of the components: declared on the component or fed by its monitors. */
async function slosForComponents(orm: Db, componentIds: readonly string[]) {
  if (componentIds.length === 0) return [];
  const monitorRows = await orm.select({ id: monitors.id }).from(monitors).where(inArray(monitors.componentId, [...componentIds]));
  const monitorIds = new Set(monitorRows.map((row) => row.id));
  const rows = await orm.select().from(slos).where(isNull(slos.archivedAt)).orderBy(asc(slos.id));
  return rows.filter(
    (slo) => (slo.componentId !== null && componentIds.includes(slo.componentId)) || (slo.sli.monitors ?? []).some((id) => monitorIds.has(id)),
  );
}

/** Impact computed for the postmortem: duration, components, and budget consumed per SLO. */
export async function incidentImpact(orm: Db, incident: IncidentRow, now: Date): Promise<IncidentImpact> {
  const start = incident.startedAt.getTime();
  const end = incident.resolvedAt?.getTime() ?? now.getTime();
  const linked = await orm
    .select({ id: components.id, name: components.name, status: incidentComponents.status })
    .from(incidentComponents)
    .innerJoin(components, eq(components.id, incidentComponents.componentId))
    .where(eq(incidentComponents.incidentId, incident.id))
    .orderBy(asc(components.position), asc(components.id));
  const sloImpacts: SloImpact[] = [];
  for (const slo of await slosForComponents(orm, linked.map((component) => component.id))) {
    const during = await sloCountsBetween(orm, slo.id, start, end);
    const fourWeeks = await sloCountsBetween(orm, slo.id, end - POLICY_WINDOW_MS, end);
    const budgetEvents = (1 - slo.target) * fourWeeks.total;
    sloImpacts.push({
      sloId: slo.id,
      name: slo.name,
      service: slo.service,
      target: slo.target,
      badEvents: during.total - during.good,
      events: during.total,
      fourWeekEvents: fourWeeks.total,
      budgetConsumed: budgetEvents > 0 ? Number(((during.total - during.good) / budgetEvents).toPrecision(12)) : null,
    });
  }
  return {
    startedAt: incident.startedAt.toISOString(),
    endedAt: incident.resolvedAt?.toISOString() ?? null,
    durationMs: end - start,
    ongoing: incident.resolvedAt === null,
    components: linked,
    slos: sloImpacts,
  };
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
  const over = incident.drill
    ? []
    : impact.slos.filter((slo) => slo.budgetConsumed !== null && slo.budgetConsumed > POSTMORTEM_BUDGET_THRESHOLD).map((slo) => slo.sloId);
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
