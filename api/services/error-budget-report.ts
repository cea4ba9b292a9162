import { and, asc, eq, gte, isNull, lt } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { actionItems, incidents, nearMisses, slos } from '../../db/schema/index.ts';
import { periodBoundsIn, previousPeriod, type ReportPeriod } from '../domain/reports/period.ts';
import { median, percentile } from '../domain/stats.ts';
import { incidentImpacts, slosOverPolicy } from './postmortem-impact.ts';
import { evaluateRanges, type RangeEvaluation } from './slo/evaluate-range.ts';

const ratio = (value: number): number => Number(value.toPrecision(12));
const iso = (ms: number) => new Date(ms).toISOString();

interface SloFigures {
  events: number;
  badEvents: number;
  attainment: number | null;
  budgetConsumed: number | null;
  budgetRemaining: number | null;
}

/** Report figures from the engine's evaluation of one range; nulls without data. */
function figures(range: RangeEvaluation | undefined): SloFigures {
  if (!range || range.sli.total <= 0) {
    return { events: range?.events.total ?? 0, badEvents: range ? range.events.total - range.events.good : 0, attainment: null, budgetConsumed: null, budgetRemaining: null };
  }
  return {
    events: range.events.total,
    badEvents: range.events.total - range.events.good,
    attainment: range.sli.ratio,
    budgetConsumed: range.errorBudget.consumed,
    budgetRemaining: range.errorBudget.remaining,
  };
}

const distribution = (values: readonly number[]) => ({ count: values.length, medianMs: median(values), p90Ms: percentile(values, 90) });

/**
 * The error-budget report for leadership over one month or quarter. Each SLO is measured by
 * the SLO engine (`evaluateRanges`) over the same calendar period in its own time zone, with
 * its budgeting method and maintenance exclusion, exactly as its calendar window would be.
 * Incidents are ranked by the share of a four-week budget they consumed, the number the
 * postmortem policy uses (`incidentImpacts`). Drill incidents, and near misses linked to them,
 * are left out everywhere. Durations are medians and nearest-rank 90th percentiles, never means.
 */
export async function buildErrorBudgetReport(database: Database, period: ReportPeriod, now: Date) {
  const orm = database.orm;
  const previous = previousPeriod(period);
  const sloRows = await orm.select().from(slos).where(isNull(slos.archivedAt)).orderBy(asc(slos.service), asc(slos.id));
  const bounds = sloRows.map((slo) => ({ current: periodBoundsIn(period, slo.timeZone), previous: periodBoundsIn(previous, slo.timeZone) }));
  const ranges = await evaluateRanges(
    database,
    sloRows.flatMap((slo, index) => {
      const bound = bounds[index];
      return bound ? [{ slo, ...bound.current }, { slo, ...bound.previous }] : [];
    }),
    { now },
  );

  const perSlo = sloRows.map((slo, index) => {
    const current = ranges[index * 2];
    const before = ranges[index * 2 + 1];
    const now_ = figures(current);
    const then = figures(before);
    const consumedDelta = now_.budgetConsumed !== null && then.budgetConsumed !== null ? ratio(now_.budgetConsumed - then.budgetConsumed) : null;
    const bound = bounds[index]?.current ?? { fromMs: period.fromMs, toMs: period.toMs };
    return {
      sloId: slo.id,
      name: slo.name,
      service: slo.service,
      target: slo.target,
      ...now_,
      met: now_.attainment === null ? null : now_.attainment >= slo.target,
      previous: { attainment: then.attainment, budgetConsumed: then.budgetConsumed },
      trend: {
        attainmentDelta: now_.attainment !== null && then.attainment !== null ? ratio(now_.attainment - then.attainment) : null,
        budgetConsumedDelta: consumedDelta,
        direction: consumedDelta === null ? null : consumedDelta < 0 ? 'better' : consumedDelta > 0 ? 'worse' : 'same',
      },
      timeZone: slo.timeZone,
      from: iso(bound.fromMs),
      to: iso(bound.toMs),
      budgetingMethod: slo.budgetingMethod,
      /** SLI units over the period: events, or slices for the time-slice methods. */
      sli: { good: current?.sli.good ?? 0, total: current?.sli.total ?? 0 },
      excludedMs: current?.excludedMs ?? 0,
    };
  });
  const services = [...new Set(perSlo.map((slo) => slo.service))].map((service) => ({
    service,
    slos: perSlo.filter((slo) => slo.service === service),
  }));

  // Incidents: non-drill ones that started in the period.
  const incidentRows = await orm
    .select()
    .from(incidents)
    .where(and(eq(incidents.drill, false), gte(incidents.startedAt, new Date(period.fromMs)), lt(incidents.startedAt, new Date(period.toMs))))
    .orderBy(asc(incidents.startedAt));
  const drillIds = new Set(
    (await orm.select({ id: incidents.id }).from(incidents).where(eq(incidents.drill, true))).map((row) => row.id),
  );
  const impacts = await incidentImpacts(database, incidentRows, now);
  const ranked = incidentRows.map((incident) => {
    const impact = impacts.get(incident.id);
    const sloShares = (impact?.slos ?? []).map((slo) => ({
      sloId: slo.sloId,
      badEvents: slo.badEvents,
      fourWeekEvents: slo.fourWeekEvents,
      budgetConsumed: slo.budgetConsumed,
    }));
    return {
      incidentId: incident.id,
      name: incident.name,
      impact: incident.impact,
      startedAt: incident.startedAt.toISOString(),
      resolvedAt: incident.resolvedAt?.toISOString() ?? null,
      durationMs: incident.resolvedAt ? incident.resolvedAt.getTime() - incident.startedAt.getTime() : null,
      budgetConsumed: Math.max(0, ...sloShares.map((share) => share.budgetConsumed ?? 0)),
      /** Over the postmortem policy's threshold for some SLO (the same test `postmortems/required` applies). */
      needsPostmortem: impact ? slosOverPolicy(incident, impact).length > 0 : false,
      slos: sloShares,
    };
  });
  const topIncidents = [...ranked].sort((a, b) => b.budgetConsumed - a.budgetConsumed || a.startedAt.localeCompare(b.startedAt)).slice(0, 10);
  const durations = incidentRows.filter((row) => row.resolvedAt).map((row) => (row.resolvedAt?.getTime() ?? 0) - row.startedAt.getTime());
  const starts = incidentRows.map((row) => row.startedAt.getTime());
  const gaps = starts.slice(1).map((start, index) => start - (starts[index] ?? start));

  // Near misses that started in the period, except those tied to a drill.
  const nearMissRows = (
    await orm
      .select()
      .from(nearMisses)
      .where(and(gte(nearMisses.startedAt, new Date(period.fromMs)), lt(nearMisses.startedAt, new Date(period.toMs))))
  ).filter((row) => !(row.incidentId && drillIds.has(row.incidentId)));
  const bySignal = new Map<string, { count: number; budgetAtRisk: number }>();
  for (const row of nearMissRows) {
    const key = row.signal ?? 'reported';
    const entry = bySignal.get(key) ?? { count: 0, budgetAtRisk: 0 };
    entry.count += 1;
    entry.budgetAtRisk += row.budgetAtRisk ?? 0;
    bySignal.set(key, entry);
  }
  const standalone = nearMissRows.filter((row) => row.incidentId === null).length;

  // Action items: opened and closed in the period; overdue as of its end (or now, if sooner).
  const asOf = Math.min(period.toMs, now.getTime());
  const items = await orm.select().from(actionItems);
  const inPeriod = (date: Date | null) => date !== null && date.getTime() >= period.fromMs && date.getTime() < period.toMs;
  const overdue = items.filter(
    (item) =>
      item.createdAt.getTime() < asOf &&
      item.dueAt !== null &&
      item.dueAt.getTime() < asOf &&
      (item.closedAt === null || item.closedAt.getTime() > asOf),
  );

  return {
    period: { label: period.label, kind: period.kind, from: iso(period.fromMs), to: iso(period.toMs) },
    previousPeriod: { label: previous.label, from: iso(previous.fromMs), to: iso(previous.toMs) },
    generatedAt: now.toISOString(),
    services,
    topIncidents,
    incidents: {
      count: incidentRows.length,
      resolved: durations.length,
      durations: distribution(durations),
      timeBetween: distribution(gaps),
    },
    nearMisses: {
      count: nearMissRows.length,
      linkedToIncidents: nearMissRows.length - standalone,
      bySignal: [...bySignal]
        .map(([signal, entry]) => ({ signal, count: entry.count, budgetAtRisk: ratio(entry.budgetAtRisk) }))
        .sort((a, b) => b.count - a.count || a.signal.localeCompare(b.signal)),
    },
    /** Near misses that did not become incidents, per incident; null without incidents. */
    nearMissToIncidentRatio: incidentRows.length > 0 ? ratio(standalone / incidentRows.length) : null,
    actionItems: {
      opened: items.filter((item) => inPeriod(item.createdAt)).length,
      closed: items.filter((item) => inPeriod(item.closedAt)).length,
      overdue: overdue.length,
      overdueAsOf: iso(asOf),
    },
  };
}

export type ErrorBudgetReport = Awaited<ReturnType<typeof buildErrorBudgetReport>>;

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The report as tidy CSV, one figure a row: `section,subject,metric,value` (spreadsheet friendly). */
export function reportCsv(report: ErrorBudgetReport): string {
  const rows: unknown[][] = [['section', 'subject', 'metric', 'value']];
  rows.push(['period', report.period.label, 'from', report.period.from], ['period', report.period.label, 'to', report.period.to]);
  for (const service of report.services) {
    for (const slo of service.slos) {
      const subject = `${service.service}/${slo.sloId}`;
      rows.push(
        ['slo', subject, 'target', slo.target],
        ['slo', subject, 'events', slo.events],
        ['slo', subject, 'bad_events', slo.badEvents],
        ['slo', subject, 'attainment', slo.attainment],
        ['slo', subject, 'met', slo.met],
        ['slo', subject, 'budget_consumed', slo.budgetConsumed],
        ['slo', subject, 'budget_remaining', slo.budgetRemaining],
        ['slo', subject, 'previous_attainment', slo.previous.attainment],
        ['slo', subject, 'previous_budget_consumed', slo.previous.budgetConsumed],
        ['slo', subject, 'budget_consumed_delta', slo.trend.budgetConsumedDelta],
        ['slo', subject, 'time_zone', slo.timeZone],
        ['slo', subject, 'from', slo.from],
        ['slo', subject, 'to', slo.to],
        ['slo', subject, 'budgeting_method', slo.budgetingMethod],
        ['slo', subject, 'sli_good', slo.sli.good],
        ['slo', subject, 'sli_total', slo.sli.total],
        ['slo', subject, 'excluded_ms', slo.excludedMs],
      );
    }
  }
  for (const incident of report.topIncidents) {
    rows.push(
      ['top_incident', incident.incidentId, 'budget_consumed', incident.budgetConsumed],
      ['top_incident', incident.incidentId, 'needs_postmortem', incident.needsPostmortem],
      ['top_incident', incident.incidentId, 'duration_ms', incident.durationMs],
    );
  }
  rows.push(
    ['incidents', 'all', 'count', report.incidents.count],
    ['incidents', 'all', 'duration_median_ms', report.incidents.durations.medianMs],
    ['incidents', 'all', 'duration_p90_ms', report.incidents.durations.p90Ms],
    ['incidents', 'all', 'time_between_median_ms', report.incidents.timeBetween.medianMs],
    ['incidents', 'all', 'time_between_p90_ms', report.incidents.timeBetween.p90Ms],
  );
  for (const signal of report.nearMisses.bySignal) {
    rows.push(['near_misses', signal.signal, 'count', signal.count], ['near_misses', signal.signal, 'budget_at_risk', signal.budgetAtRisk]);
  }
  rows.push(
    ['near_misses', 'all', 'count', report.nearMisses.count],
    ['near_misses', 'all', 'near_miss_to_incident_ratio', report.nearMissToIncidentRatio],
    ['action_items', 'all', 'opened', report.actionItems.opened],
    ['action_items', 'all', 'closed', report.actionItems.closed],
    ['action_items', 'all', 'overdue', report.actionItems.overdue],
  );
  return `${rows.map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
