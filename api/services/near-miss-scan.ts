import { and, asc, eq, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import {
  changes,
  incidentComponents,
  incidents,
  monitors,
  nearMisses,
  probeResults,
  rollupsMinute,
  slos,
} from '../../db/schema/index.ts';
import type { NearMissConfig } from '../config/near-misses.ts';
import { sloWindowMs } from '../domain/near-miss/budget.ts';
import { detectNearMisses, type Detection, type DetectionInput } from '../domain/near-miss/detect.ts';
import { SLO_EVAL_LOOKBACK_MS } from '../domain/near-miss/slo-signals.ts';
import type { DetectorMonitor, DetectorSlo, MinuteSeries } from '../domain/near-miss/types.ts';
import { bucketStart, DAY_MS, HOUR_MS, MINUTE_MS, sloSeries } from '../domain/rollups.ts';
import { parseRules } from '../domain/slo/alerts.ts';
import { parseSloWindow } from '../domain/slo/windows.ts';
import { newId } from '../lib/ids.ts';

/** The longest range one scan may cover: raw results are not kept longer than the backfill horizon. */
export const MAX_SCAN_RANGE_MS = 35 * DAY_MS;
/** Raw results read before `from`, so conditions already under way when it starts are found whole. */
const SAMPLE_LOOKBACK_MS = 6 * HOUR_MS;
/** SLO minutes read before the evaluation start: the longest burn-rate window (3 d). */
const SLO_WINDOW_LOOKBACK_MS = 3 * DAY_MS;

export interface ScanSummary {
  from: string;
  to: string;
  /** Near misses found in the range (not counting escalated conditions). */
  found: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Conditions that grew into the real thing (down, page, incident): not near misses. */
  escalated: number;
  /** Ids of the near-miss rows created or updated. */
  ids: string[];
}

/** Reads what the detector needs for [from, to] (plus look-back) from the database. */
export interface LoadOptions {
  /**
   * Keep only the newest results of each monitor/region in the lookback. The every-minute
   * detector sets it so its memory depends on how many series there are, not on how fast
   * results arrive; an explicit scan over a past range reads every result in it.
   */
  maxSamplesPerSeries?: number | undefined;
}

interface SampleRow {
  monitor_id: string;
  region: string;
  at: number;
  ok: number;
  latency_ms: number;
  tls_expires_at: number | null;
}

async function loadSamples(database: Database, fromMs: number, toMs: number, perSeries: number | undefined) {
  const rows = perSeries
    ? await database.orm.all<SampleRow>(
        sql`SELECT monitor_id, region, at, ok, latency_ms, tls_expires_at FROM (SELECT monitor_id, region, at, ok, latency_ms, tls_expires_at, row_number() OVER (PARTITION BY monitor_id, region ORDER BY at DESC) AS newest FROM ${probeResults} WHERE at >= ${fromMs} AND at <= ${toMs}) WHERE newest <= ${perSeries} ORDER BY at`,
      )
    : await database.orm.all<SampleRow>(
        sql`SELECT monitor_id, region, at, ok, latency_ms, tls_expires_at FROM ${probeResults} WHERE at >= ${fromMs} AND at <= ${toMs} ORDER BY at`,
      );
  return rows.map((row) => ({
    monitorId: row.monitor_id,
    region: row.region,
    atMs: Number(row.at),
    ok: Number(row.ok) === 1,
    latencyMs: Number(row.latency_ms),
    tlsExpiresAtMs: row.tls_expires_at === null ? null : Number(row.tls_expires_at),
  }));
}

export async function loadDetectionInput(
  database: Database,
  config: NearMissConfig,
  fromMs: number,
  toMs: number,
  options: LoadOptions = {},
): Promise<DetectionInput> {
  const orm = database.orm;
  const monitorRows = await orm.select().from(monitors).where(isNull(monitors.archivedAt));
  const componentByMonitor = new Map(monitorRows.map((row) => [row.id, row.componentId]));
  const detectorMonitors: DetectorMonitor[] = monitorRows.map((row) => ({
    id: row.id,
    componentId: row.componentId,
    intervalMs: row.intervalMs,
    downAfter: row.downAfter,
    upAfter: row.upAfter,
    regions: row.regions,
    quorum: typeof row.settings['quorum'] === 'number' ? row.settings['quorum'] : 0.5,
  }));
  const sloRows = await orm.select().from(slos).where(isNull(slos.archivedAt));
  const detectorSlos: DetectorSlo[] = sloRows.map((row) => {
    const sliMonitors = row.sli.monitors ?? [];
    return {
      id: row.id,
      name: row.name,
      service: row.service,
      componentId: row.componentId ?? sliMonitors.map((id) => componentByMonitor.get(id)).find((id) => id) ?? null,
      sliKind: row.sliKind,
      target: row.target,
      windowMs: sloWindowMs(row.window),
      window: parseSloWindow(row.window, row.timeZone) ?? { kind: 'rolling', ms: sloWindowMs(row.window) },
      monitors: sliMonitors,
      latencyThresholdMs: row.sli.latencyThresholdMs ?? null,
      alertRules: parseRules(row.alertRules).map((rule) => ({
        name: rule.name,
        severity: rule.severity,
        longWindowMs: rule.longWindowMs,
        shortWindowMs: rule.shortWindowMs,
        burnRate: rule.burnRate,
      })),
    };
  });

  const lookback =
    SAMPLE_LOOKBACK_MS + Math.max(config.latencyHeadroom.window, config.deployRegression.window, config.failureStreak.flapWindow);
  const samples = await loadSamples(database, fromMs - lookback, toMs, options.maxSamplesPerSeries);

  const seriesStart = bucketStart(fromMs - SLO_EVAL_LOOKBACK_MS - SLO_WINDOW_LOOKBACK_MS, 'minute');
  const seriesEnd = bucketStart(toMs - 1, 'minute');
  const sloMinutes = new Map<string, MinuteSeries>();
  if (detectorSlos.length > 0) {
    const minutes = (seriesEnd - seriesStart) / MINUTE_MS + 1;
    const bySeries = new Map(detectorSlos.map((slo) => [sloSeries(slo.id), slo.id]));
    const rows = await orm
      .select({ series: rollupsMinute.series, bucket: rollupsMinute.bucket, good: rollupsMinute.good, total: rollupsMinute.total })
      .from(rollupsMinute)
      .where(
        and(inArray(rollupsMinute.series, [...bySeries.keys()]), gte(rollupsMinute.bucket, seriesStart), lte(rollupsMinute.bucket, seriesEnd)),
      );
    const arrays = new Map<string, { good: number[]; total: number[] }>();
    for (const row of rows) {
      const sloId = bySeries.get(row.series);
      if (!sloId) continue;
      let entry = arrays.get(sloId);
      if (!entry) {
        entry = { good: new Array<number>(minutes).fill(0), total: new Array<number>(minutes).fill(0) };
        arrays.set(sloId, entry);
      }
      const index = (row.bucket - seriesStart) / MINUTE_MS;
      entry.good[index] = row.good;
      entry.total[index] = row.total;
    }
    for (const [sloId, entry] of arrays) sloMinutes.set(sloId, { startMs: seriesStart, ...entry });
  }

  const changeRows = await orm
    .select()
    .from(changes)
    .where(and(gte(changes.at, new Date(fromMs - lookback)), lte(changes.at, new Date(toMs))))
    .orderBy(asc(changes.at));

  const incidentRows = await orm
    .select({ id: incidents.id, startedAt: incidents.startedAt, resolvedAt: incidents.resolvedAt })
    .from(incidents)
    .where(
      and(
        eq(incidents.drill, false),
        lte(incidents.startedAt, new Date(toMs)),
        or(isNull(incidents.resolvedAt), gte(incidents.resolvedAt, new Date(seriesStart))),
      ),
    )
    .orderBy(asc(incidents.startedAt));
  const links =
    incidentRows.length > 0
      ? await orm
          .select()
          .from(incidentComponents)
          .where(inArray(incidentComponents.incidentId, incidentRows.map((row) => row.id)))
      : [];

  return {
    fromMs,
    toMs,
    monitors: detectorMonitors,
    slos: detectorSlos,
    samples,
    sloMinutes,
    changes: changeRows.map((row) => ({ id: row.id, service: row.service, atMs: row.at.getTime(), version: row.version })),
    incidents: incidentRows.map((row) => ({
      id: row.id,
      startedAtMs: row.startedAt.getTime(),
      resolvedAtMs: row.resolvedAt?.getTime() ?? null,
      componentIds: links.filter((link) => link.incidentId === row.id).map((link) => link.componentId),
    })),
    config,
  };
}

type NearMissRow = typeof nearMisses.$inferSelect;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Writes detections idempotently, one row per dedupe key: new conditions are inserted, known
 * ones updated only when something changed (end, evidence, budget at risk, incident link).
 * An escalated condition creates nothing; a row recorded earlier, while it still looked like a
 * near miss, is marked escalated and linked to its incident. Triage fields are never touched.
 */
export async function persistDetections(tx: Tx, detections: readonly Detection[], now: Date): Promise<Omit<ScanSummary, 'from' | 'to'>> {
  const summary = { found: 0, created: 0, updated: 0, unchanged: 0, escalated: 0, ids: [] as string[] };
  const keys = detections.map((detection) => detection.dedupeKey);
  const existing = new Map<string, NearMissRow>();
  for (let start = 0; start < keys.length; start += 500) {
    const rows = await tx.select().from(nearMisses).where(inArray(nearMisses.dedupeKey, keys.slice(start, start + 500)));
    for (const row of rows) if (row.dedupeKey) existing.set(row.dedupeKey, row);
  }
  for (const detection of detections) {
    const row = existing.get(detection.dedupeKey);
    if (detection.escalated) summary.escalated += 1;
    else summary.found += 1;
    if (!row) {
      if (detection.escalated) continue;
      const id = newId();
      await tx.insert(nearMisses).values({
        id,
        source: 'detected',
        signal: detection.signal,
        status: 'new',
        title: detection.title,
        startedAt: new Date(detection.startedAtMs),
        endedAt: detection.endedAtMs === null ? null : new Date(detection.endedAtMs),
        dedupeKey: detection.dedupeKey,
        monitorId: detection.monitorId,
        sloId: detection.sloId,
        componentId: detection.componentId,
        region: detection.region,
        evidence: detection.evidence,
        budgetAtRisk: detection.budgetAtRisk,
        incidentId: detection.incidentId,
        createdAt: now,
        updatedAt: now,
      });
      summary.created += 1;
      summary.ids.push(id);
      continue;
    }
    const evidence = detection.escalated ? { ...detection.evidence, escalated: true } : detection.evidence;
    const patch = {
      title: detection.title,
      startedAt: new Date(Math.min(row.startedAt.getTime(), detection.startedAtMs)),
      endedAt: detection.endedAtMs === null ? null : new Date(detection.endedAtMs),
      evidence,
      budgetAtRisk: detection.budgetAtRisk,
      incidentId: row.incidentId ?? detection.incidentId,
    };
    const changed =
      patch.title !== row.title ||
      patch.startedAt.getTime() !== row.startedAt.getTime() ||
      (patch.endedAt?.getTime() ?? null) !== (row.endedAt?.getTime() ?? null) ||
      !sameJson(patch.evidence, row.evidence) ||
      patch.budgetAtRisk !== row.budgetAtRisk ||
      patch.incidentId !== row.incidentId;
    if (!changed) {
      summary.unchanged += 1;
      continue;
    }
    await tx.update(nearMisses).set({ ...patch, updatedAt: now }).where(eq(nearMisses.id, row.id));
    summary.updated += 1;
    summary.ids.push(row.id);
  }
  return summary;
}

/**
 * Detects near misses over [from, to] and stores them, all in one transaction with the
 * caller's audit entry. The worker and `POST /near-misses/scan` both come through here.
 */
export async function scanNearMisses(
  database: Database,
  config: NearMissConfig,
  range: { from: Date; to: Date },
  now: Date,
  audit?: (tx: Tx, summary: ScanSummary) => Promise<void>,
  options: LoadOptions = {},
): Promise<ScanSummary> {
  const input = await loadDetectionInput(database, config, range.from.getTime(), range.to.getTime(), options);
  const detections = detectNearMisses(input);
  return database.write(async (tx) => {
    const written = await persistDetections(tx, detections, now);
    const summary: ScanSummary = { from: range.from.toISOString(), to: range.to.toISOString(), ...written };
    if (audit) await audit(tx, summary);
    return summary;
  });
}
