import { getTableColumns, getTableName } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { slos, type ErrorBudgetPolicy } from '../../db/schema/slos.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, sloSeries, type Resolution } from '../domain/rollups.ts';
import { BURN_RATE_WINDOWS, evaluateRule, formatWindow, parseRules, type ParsedRule, type RuleEvaluation } from '../domain/slo/alerts.ts';
import { burnRateOf, errorBudget, sliRatio, sloStatus, ZERO, type ErrorBudget, type SliCounts, type SloStatus } from '../domain/slo/math.ts';
import { decompose, effectiveFrom, intersect, mergeIntervals, NO_HORIZONS, type Horizons, type Segment } from '../domain/slo/segments.ts';
import { sliceCounts, type BucketCounts } from '../domain/slo/timeslices.ts';
import { calendarPeriodEnd, ceilTo, evaluationEnd, floorTo, parseSloWindow, windowBounds, type SloWindow } from '../domain/slo/windows.ts';
import { calendarProjection, type CalendarProjection } from '../domain/slo/projection.ts';
import { parseDuration } from '../lib/duration.ts';
import { maintenanceByComponent, type Interval } from './slo/maintenance.ts';
import { exactNumber, loadHorizons, readRows, segmentKey, sumSegments, type SegmentRequest } from './slo/rollup-reader.ts';
import { segmentCacheFor } from './slo/segment-cache.ts';
import { WindowSums, type WindowPlan } from './slo/window-sums.ts';

export type SloRow = typeof slos.$inferSelect;
export type BurnRateWindow = (typeof BURN_RATE_WINDOWS)[number];

/** One SLO evaluated as of an instant: what `GET /api/v1/slos/:id` returns. */
export interface SloEvaluation {
  id: string;
  name: string;
  description: string | null;
  service: string;
  component: string | null;
  sliKind: SloRow['sliKind'];
  target: number;
  window: string;
  timeZone: string;
  budgetingMethod: SloRow['budgetingMethod'];
  timeSliceTarget: number | null;
  timeSliceWindow: string | null;
  public: boolean;
  origin: SloRow['origin'];
  evaluatedAt: string;
  windowStart: string;
  windowEnd: string;
  /** Events (Occurrences) or slices (Timeslices; RatioTimeslices: good = sum of slice ratios). */
  sli: { good: number; total: number; ratio: number | null };
  errorBudget: ErrorBudget;
  burnRates: Record<BurnRateWindow, number | null>;
  alerts: RuleEvaluation[];
  status: SloStatus;
  policy: ErrorBudgetPolicy | null;
  /** Maintenance time left out of the window, in ms. */
  excludedMs: number;
  /** Calendar windows only (null for rolling ones): how far into its period the window is and the whole period's expected budget. */
  projection: CalendarProjection | null;
}

export interface EvaluateOptions {
  /** Read from app_meta (written by compaction) when absent. */
  horizons?: Horizons;
  /** More trailing windows (ms) to count, returned in `EvaluationDetail.windows`. */
  extraWindowsMs?: readonly number[];
}

/** An evaluation plus the raw counts per trailing window (by length in ms), for callers like the near-miss detector. */
export interface EvaluationDetail {
  evaluation: SloEvaluation;
  windows: Map<number, SliCounts>;
}

const BURN_WINDOW_MS = BURN_RATE_WINDOWS.map((w) => parseDuration(w) ?? 0);

const SLO_COLUMNS = Object.entries(getTableColumns(slos));
/** Reals as 17-digit text so they parse back to the same double (see rollup-reader.ts). */
const ACTIVE_SLOS_SQL = `SELECT json_group_array(json_array(${SLO_COLUMNS.map(([, column]) =>
  column.getSQLType() === 'real' ? exactNumber(`"${column.name}"`) : `"${column.name}"`,
).join(', ')})) AS j FROM (SELECT * FROM ${getTableName(slos)} WHERE archived_at IS NULL ORDER BY id)`;

/**
 * The active (not archived) SLOs, in id order. Read as one JSON text and decoded by each
 * column's own drizzle mapping: the same rows `select().from(slos)` gives, without the driver's
 * per-cell cost, which for 1,000 SLOs was a good part of `GET /api/v1/slos`.
 */
export async function activeSlos(database: Database): Promise<SloRow[]> {
  const result = await database.client.execute(ACTIVE_SLOS_SQL);
  const rows = JSON.parse(String(result.rows[0]?.['j'] ?? '[]')) as unknown[][];
  return rows.map(
    (values) =>
      Object.fromEntries(
        SLO_COLUMNS.map(([key, column], index) => {
          const value = values[index] ?? null;
          if (value === null) return [key, null];
          return [key, column.mapFromDriverValue(column.getSQLType() === 'real' ? Number(value) : value)];
        }),
      ) as SloRow,
  );
}

/** Evaluates one SLO as of `at` (sums rollups; never scans raw results). */
export async function evaluateSlo(database: Database, slo: SloRow, at: Date, options: EvaluateOptions = {}): Promise<SloEvaluation> {
  const [detail] = await evaluateSlosDetailed(database, [slo], at, options);
  if (!detail) throw new Error(`SLO ${slo.id} was not evaluated`);
  return detail.evaluation;
}

export async function evaluateSlos(database: Database, rows: readonly SloRow[], at: Date, options: EvaluateOptions = {}): Promise<SloEvaluation[]> {
  return (await evaluateSlosDetailed(database, rows, at, options)).map((detail) => detail.evaluation);
}

interface Plan {
  slo: SloRow;
  rules: ParsedRule[];
  series: string;
  window: SloWindow;
  bounds: { from: number; to: number };
  /** Trailing windows by length, plus the SLO window under key -1. */
  windows: Map<number, { from: number; to: number }>;
  excluded: Interval[];
}

const MAIN = -1;

/**
 * Evaluates many SLOs at one instant with a handful of statements: every window of every
 * SLO is split into rollup segments (minutes, hours, days), the distinct segments are summed
 * in one UNION ALL per 200, and maintenance time is subtracted the same way. Time-slice SLOs
 * read their rows at the resolution of their slice.
 */
export async function evaluateSlosDetailed(
  database: Database,
  rows: readonly SloRow[],
  at: Date,
  options: EvaluateOptions = {},
): Promise<EvaluationDetail[]> {
  const end = evaluationEnd(at);
  const horizons = options.horizons ?? (await loadHorizons(database));
  const plans: Plan[] = [];
  for (const slo of rows) {
    const window = parseSloWindow(slo.window, slo.timeZone) ?? { kind: 'rolling', ms: 30 * DAY_MS };
    const bounds = windowBounds(window, end);
    const windows = new Map<number, { from: number; to: number }>([[MAIN, bounds]]);
    const rules = parseRules(slo.alertRules);
    const lengths = [...BURN_WINDOW_MS, ...rules.flatMap((r) => [r.longWindowMs, r.shortWindowMs]), ...(options.extraWindowsMs ?? [])];
    for (const ms of lengths) {
      const length = floorTo(ms, MINUTE_MS);
      if (length > 0) windows.set(length, { from: end - length, to: end });
    }
    plans.push({ slo, rules, series: sloSeries(slo.id), window, bounds, windows, excluded: [] });
  }

  const earliest = Math.min(end, ...plans.flatMap((plan) => [...plan.windows.values()].map((w) => w.from)));
  const needMaintenance = plans.filter((plan) => plan.slo.excludeMaintenance && plan.slo.componentId);
  const byComponent = await maintenanceByComponent(
    database,
    [...new Set(needMaintenance.map((plan) => plan.slo.componentId ?? ''))],
    earliest,
    end,
  );
  for (const plan of needMaintenance) plan.excluded = byComponent.get(plan.slo.componentId ?? '') ?? [];

  const occurrences = plans.filter((plan) => plan.slo.budgetingMethod === 'Occurrences');
  const counts = await occurrenceCounts(database, occurrences, horizons);
  const details: EvaluationDetail[] = [];
  for (const plan of plans) {
    const windowCounts =
      plan.slo.budgetingMethod === 'Occurrences' ? (counts.get(plan.slo.id) ?? new Map()) : await sliceWindowCounts(database, plan);
    details.push({ evaluation: assemble(plan, windowCounts, at), windows: windowCounts });
  }
  return details;
}

/** Exclusions inside [from, to), widened to the resolution the data is still kept at. */
export function exclusionSegments(from: number, to: number, excluded: readonly Interval[], horizons: Horizons): Segment[] {
  const start = effectiveFrom(from, horizons);
  const widened = intersect(start, to, excluded).map((part) => {
    const size = part.from < horizons.hourFrom ? DAY_MS : part.from < horizons.minuteFrom ? HOUR_MS : MINUTE_MS;
    return { from: Math.max(start, floorTo(part.from, size)), to: Math.min(to, ceilTo(part.to, size)) };
  });
  return mergeIntervals(widened).flatMap((part) => decompose(part.from, part.to));
}

/**
 * Occurrence counts for every window of every plan: each window's gross sum comes from the sum
 * carried from the previous evaluation or from rollup segments (window-sums.ts), maintenance is
 * subtracted from segments; all of it read in one batch.
 */
async function occurrenceCounts(database: Database, plans: readonly Plan[], horizons: Horizons): Promise<Map<string, Map<number, SliCounts>>> {
  const sums = new WindowSums(segmentCacheFor(database.client), horizons, Date.now());
  const requests = new Map<string, SegmentRequest>();
  const want = (series: string, segment: Segment, keep: boolean, key = segmentKey(segment)): string => {
    const request = requests.get(key) ?? { ...segment, series: new Set<string>(), keep: false };
    request.series.add(series);
    request.keep = request.keep === true || keep;
    requests.set(key, request);
    return key;
  };
  const windows: { plan: Plan; length: number; from: number; window: WindowPlan | null; excluded: string[] }[] = [];
  const planFor = (plan: Plan, length: number, from: number, onlyFresh: boolean): WindowPlan | null => {
    const bounds = plan.windows.get(length);
    if (!bounds || bounds.to <= from) return null;
    const window = sums.plan(plan.series, String(length), from, bounds.to, () => decompose(bounds.from, bounds.to, horizons), onlyFresh);
    for (const part of window.parts) want(plan.series, part.segment, !window.transient, part.key);
    return window;
  };
  for (const plan of plans) {
    for (const [length, bounds] of plan.windows) {
      const from = effectiveFrom(bounds.from, horizons);
      const window = planFor(plan, length, from, false);
      const excluded =
        plan.excluded.length === 0 ? [] : exclusionSegments(bounds.from, bounds.to, plan.excluded, horizons).map((segment) => want(plan.series, segment, true));
      windows.push({ plan, length, from, window, excluded });
    }
  }
  const found = requests.size > 0 ? await sumSegments(database, requests.values()) : new Map<string, Map<string, SliCounts>>();
  const gross = windows.map(({ plan, window }) => (window ? sums.finish(window, (key) => found.get(key)?.get(plan.series)) : ZERO));
  // Fractional counts met a carried sum (see WindowSums.finish): sum those windows from segments.
  const again = gross.flatMap((sum, index) => (sum === null ? [index] : []));
  if (again.length > 0) {
    requests.clear();
    const replanned = new Map(again.map((index) => {
      const entry = windows[index];
      return [index, entry ? planFor(entry.plan, entry.length, entry.from, true) : null] as const;
    }));
    for (const [key, bySeries] of await sumSegments(database, requests.values())) {
      const into = found.get(key);
      if (into) for (const [series, counts] of bySeries) into.set(series, counts);
      else found.set(key, bySeries);
    }
    for (const [index, window] of replanned) {
      const entry = windows[index];
      if (entry) gross[index] = window ? sums.finish(window, (key) => found.get(key)?.get(entry.plan.series)) : ZERO;
    }
  }
  const out = new Map<string, Map<number, SliCounts>>();
  windows.forEach(({ plan, length, excluded }, index) => {
    const sum = gross[index] ?? ZERO;
    const counts = { good: sum.good, total: sum.total };
    for (const key of excluded) {
      const part = found.get(key)?.get(plan.series);
      if (!part) continue;
      counts.good -= part.good;
      counts.total -= part.total;
    }
    let byWindow = out.get(plan.slo.id);
    if (!byWindow) {
      byWindow = new Map();
      out.set(plan.slo.id, byWindow);
    }
    byWindow.set(length, counts);
  });
  return out;
}

/** The coarsest rollup whose buckets tile the slice exactly. */
export function sliceResolution(sliceMs: number): Resolution {
  if (sliceMs % DAY_MS === 0) return 'day';
  if (sliceMs % HOUR_MS === 0) return 'hour';
  return 'minute';
}

async function sliceWindowCounts(database: Database, plan: Plan): Promise<Map<number, SliCounts>> {
  const method = plan.slo.budgetingMethod === 'RatioTimeslices' ? 'RatioTimeslices' : 'Timeslices';
  const sliceMs = Math.max(MINUTE_MS, floorTo(plan.slo.timeSliceWindowMs ?? MINUTE_MS, MINUTE_MS));
  const resolution = sliceResolution(sliceMs);
  const from = Math.min(...[...plan.windows.values()].map((w) => w.from));
  const to = plan.bounds.to;
  const size = resolution === 'day' ? DAY_MS : resolution === 'hour' ? HOUR_MS : MINUTE_MS;
  // A row counts when its bucket starts inside the window and outside every maintenance.
  const rows = (await readRows(database, plan.series, resolution, floorTo(from, size), to)).filter(
    (row) => !plan.excluded.some((interval) => row.bucket < interval.to && row.bucket + size > interval.from),
  );
  const out = new Map<number, SliCounts>();
  for (const [length, bounds] of plan.windows) {
    const inside: BucketCounts[] = rows.filter((row) => row.bucket >= bounds.from && row.bucket < bounds.to);
    out.set(length, sliceCounts(inside, sliceMs, method, plan.slo.timeSliceTarget ?? plan.slo.target));
  }
  return out;
}

function assemble(plan: Plan, windows: Map<number, SliCounts>, at: Date): SloEvaluation {
  const { slo } = plan;
  const main = windows.get(MAIN) ?? ZERO;
  const budget = errorBudget(main, slo.target);
  const burnRates = Object.fromEntries(
    BURN_RATE_WINDOWS.map((name, index) => [name, burnRateOf(windows.get(BURN_WINDOW_MS[index] ?? 0) ?? ZERO, slo.target)]),
  ) as Record<BurnRateWindow, number | null>;
  const alerts = plan.rules.map((rule) =>
    evaluateRule(rule, windows.get(floorTo(rule.longWindowMs, MINUTE_MS)) ?? ZERO, windows.get(floorTo(rule.shortWindowMs, MINUTE_MS)) ?? ZERO, slo.target),
  );
  const excludedMs = intersect(plan.bounds.from, plan.bounds.to, plan.excluded).reduce((sum, part) => sum + part.to - part.from, 0);
  return {
    id: slo.id,
    name: slo.name,
    description: slo.description,
    service: slo.service,
    component: slo.componentId,
    sliKind: slo.sliKind,
    target: slo.target,
    window: slo.window,
    timeZone: slo.timeZone,
    budgetingMethod: slo.budgetingMethod,
    timeSliceTarget: slo.timeSliceTarget,
    timeSliceWindow: slo.timeSliceWindowMs === null ? null : formatWindow(slo.timeSliceWindowMs),
    public: slo.public,
    origin: slo.origin,
    evaluatedAt: at.toISOString(),
    windowStart: new Date(plan.bounds.from).toISOString(),
    windowEnd: new Date(plan.bounds.to).toISOString(),
    sli: { good: main.good, total: main.total, ratio: sliRatio(main) },
    errorBudget: budget,
    burnRates,
    alerts,
    status: sloStatus(budget, alerts.some((alert) => alert.firing)),
    policy: slo.policy,
    excludedMs,
    projection:
      plan.window.kind === 'calendar'
        ? calendarProjection(plan.bounds.from, calendarPeriodEnd(at.getTime(), plan.window.unit, plan.window.timeZone), plan.bounds.to, main, slo.target)
        : null,
  };
}

export { NO_HORIZONS };
