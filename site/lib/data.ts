import { z } from 'zod';
import { required, section, siteMode, type Section } from './api.ts';

/** Statuspage vocabulary (see ARCHITECTURE.md §5). */
export const componentStatuses = ['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'] as const;
export type ComponentStatus = (typeof componentStatuses)[number];
export type Impact = 'none' | 'minor' | 'major' | 'critical';

const uptimeDay = z.object({
  date: z.string(),
  total: z.number(),
  good: z.number(),
  uptime: z.number().nullable(),
  incidents: z.number(),
  worstImpact: z.enum(['none', 'minor', 'major', 'critical']).nullable(),
});
const latencyPoint = z.object({ at: z.string(), avgMs: z.number().nullable(), p95Ms: z.number().nullable() });

const siteComponents = z.object({
  generatedAt: z.string(),
  page: z.object({ name: z.string(), timeZone: z.string(), staleAfterMs: z.number() }),
  groups: z.array(z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), position: z.number() })),
  components: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      groupId: z.string().nullable(),
      position: z.number(),
      public: z.boolean(),
      status: z.enum(componentStatuses).nullable(),
      dataState: z.enum(['fresh', 'stale', 'no_data']),
      lastDataAt: z.string().nullable(),
      uptime: z.object({ d7: z.number().nullable(), d30: z.number().nullable(), d90: z.number().nullable() }),
      days: z.array(uptimeDay),
      latencyDaily: z.array(latencyPoint),
      latencyHourly: z.array(latencyPoint),
    }),
  ),
});
export type SiteData = z.infer<typeof siteComponents>;
export type SiteComponent = SiteData['components'][number];
export type UptimeDay = z.infer<typeof uptimeDay>;
export type LatencyPoint = z.infer<typeof latencyPoint>;

const update = z.object({
  id: z.string(),
  status: z.string(),
  body: z.string(),
  display_at: z.string().nullish(),
  created_at: z.string(),
});
const affected = z.object({ id: z.string(), name: z.string() });

const incident = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']),
  impact: z.enum(['none', 'minor', 'major', 'critical']),
  created_at: z.string(),
  started_at: z.string().nullish(),
  resolved_at: z.string().nullish(),
  incident_updates: z.array(update).default([]),
  components: z.array(affected).default([]),
  /** Published postmortem (Markdown), when the API includes one. */
  postmortem_body: z.string().nullish(),
  postmortem_published_at: z.string().nullish(),
});
export type Incident = z.infer<typeof incident>;

const maintenance = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['scheduled', 'in_progress', 'verifying', 'completed']),
  scheduled_for: z.string(),
  scheduled_until: z.string(),
  incident_updates: z.array(update).default([]),
  components: z.array(affected).default([]),
});
export type Maintenance = z.infer<typeof maintenance>;

const sloPoint = z.looseObject({ at: z.string() });
const slo = z.looseObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  target: z.number(),
  window: z.unknown().optional(),
  public: z.boolean().optional(),
  status: z.string().optional(),
  sli: z.looseObject({ ratio: z.number().nullable() }).optional(),
  errorBudget: z.looseObject({ remaining: z.number().nullable() }).optional(),
});
export type Slo = z.infer<typeof slo>;

/** Per-component data from this project's own site endpoint; the build fails without it. */
export const loadSite = (): Promise<SiteData> =>
  required(siteMode === 'internal' ? '/api/v1/site/internal/components' : '/api/v1/site/components', siteComponents);

const incidentPage = z.object({ incidents: z.array(incident), nextCursor: z.string().nullable() });
let allIncidents: Promise<Section<Incident[]>> | undefined;

/**
 * Every public incident, newest first. `/api/v2/incidents.json` stops at 50 (as Statuspage's
 * does), so the site reads its own paged route and follows `nextCursor` to the end: history and
 * incident pages cover them all. Read once per build.
 */
export function loadIncidents(): Promise<Section<Incident[]>> {
  allIncidents ??= (async (): Promise<Section<Incident[]>> => {
    const out: Incident[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '500' });
      if (cursor) query.set('cursor', cursor);
      const page = await section(`/api/v1/site/incidents?${query.toString()}`, incidentPage);
      if (!page.ok) return { ok: false, reason: page.reason };
      out.push(...page.data.incidents);
      cursor = page.data.nextCursor;
    } while (cursor !== null);
    return { ok: true, data: out };
  })();
  return allIncidents;
}

export const loadMaintenances = (): Promise<Section<Maintenance[]>> =>
  section(
    '/api/v2/scheduled-maintenances.json',
    z.object({ scheduled_maintenances: z.array(maintenance) }).transform((body) => body.scheduled_maintenances),
  );

/**
 * SLOs. The public build carries no token, so the API returns public SLOs only; anything
 * explicitly marked non-public is dropped here as well, as a second guard.
 */
export async function loadSlos(): Promise<Section<Slo[]>> {
  const result = await section('/api/v1/slos', z.object({ slos: z.array(slo) }).transform((body) => body.slos));
  if (!result.ok || siteMode === 'internal') return result;
  return { ok: true, data: result.data.filter((entry) => entry.public !== false) };
}

export interface SloHistoryPoint {
  at: string;
  sli: number | null;
  budgetRemaining: number | null;
  burnRate: number | null;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export async function loadSloHistory(id: string, from: Date, to: Date): Promise<Section<SloHistoryPoint[]>> {
  const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), step: '1d' });
  const result = await section(
    `/api/v1/slos/${encodeURIComponent(id)}/history?${query.toString()}`,
    z.looseObject({ points: z.array(sloPoint) }),
  );
  if (!result.ok) return result;
  return {
    ok: true,
    data: result.data.points.map((point) => ({
      at: point.at,
      sli: num(point['sli']),
      budgetRemaining: num(point['budgetRemaining'] ?? point['errorBudgetRemaining']),
      burnRate: num(point['burnRate']),
    })),
  };
}

/** Internal-only lists (near misses, reports, drills), shown as loose rows. */
export const loadInternalList = (path: string, key: string): Promise<Section<Record<string, unknown>[]>> =>
  section(path, z.record(z.string(), z.unknown()).transform((body) => {
    const list = body[key];
    return Array.isArray(list) ? list.filter((row): row is Record<string, unknown> => typeof row === 'object' && row !== null) : [];
  }));

const nullableNumber = z.number().nullable();
const reportSlo = z.looseObject({
  sloId: z.string(),
  name: z.string(),
  service: z.string(),
  target: z.number(),
  events: z.number(),
  badEvents: z.number(),
  attainment: nullableNumber,
  met: z.boolean().nullable(),
  budgetConsumed: nullableNumber,
  budgetRemaining: nullableNumber,
  previous: z.looseObject({ attainment: nullableNumber, budgetConsumed: nullableNumber }),
  trend: z.looseObject({ direction: z.enum(['better', 'worse', 'same']).nullable() }),
});
const distribution = z.looseObject({ count: z.number(), medianMs: nullableNumber, p90Ms: nullableNumber });
const errorBudgetReport = z.looseObject({
  period: z.looseObject({ label: z.string(), from: z.string(), to: z.string() }),
  previousPeriod: z.looseObject({ label: z.string() }),
  generatedAt: z.string(),
  services: z.array(z.looseObject({ service: z.string(), slos: z.array(reportSlo) })),
  topIncidents: z.array(
    z.looseObject({ incidentId: z.string(), name: z.string(), impact: z.string(), durationMs: nullableNumber, budgetConsumed: nullableNumber }),
  ),
  incidents: z.looseObject({ count: z.number(), resolved: z.number(), durations: distribution, timeBetween: distribution }),
  nearMisses: z.looseObject({
    count: z.number(),
    linkedToIncidents: z.number(),
    bySignal: z.array(z.looseObject({ signal: z.string(), count: z.number(), budgetAtRisk: z.number() })),
  }),
  nearMissToIncidentRatio: nullableNumber,
  actionItems: z.looseObject({ opened: z.number(), closed: z.number(), overdue: z.number() }),
});
export type ErrorBudgetReport = z.infer<typeof errorBudgetReport>;
export type ReportSlo = z.infer<typeof reportSlo>;

/** The error-budget report of one UTC month (`2026-10`); scope read, so internal builds only. */
export const loadErrorBudgetReport = (period: string): Promise<Section<ErrorBudgetReport>> =>
  section(`/api/v1/reports/error-budget?period=${encodeURIComponent(period)}`, errorBudgetReport);
