import { isNull } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import { monitors, slos } from '../../db/schema/index.ts';
import { monitorSeries, sloSeries, type Observation } from '../domain/rollups.ts';
import { ValidationError, type ProblemIssue } from '../lib/errors.ts';
import { addToRollups } from './rollup-writer.ts';

/** A probe result as it enters the system, from an agent over HTTP or from the built-in prober. */
export interface ProbeResult {
  id: string;
  monitor: string;
  region: string;
  at: Date;
  ok: boolean;
  latencyMs: number;
  statusCode?: number | undefined;
  error?: string | undefined;
  tlsExpiresAt?: Date | undefined;
}

export interface IngestOptions {
  now: Date;
  /** Results older than this (ms before now) are refused. */
  backfillHorizonMs: number;
  /** Called inside the transaction with the results that were new, e.g. to advance monitor state. */
  afterInsert?: (tx: Tx, inserted: readonly ProbeResult[]) => Promise<void>;
  audit?: (tx: Tx, summary: { accepted: number; duplicates: number }) => Promise<void>;
}

export interface IngestSummary {
  accepted: number;
  duplicates: number;
}

/** Results may be stamped a little ahead of our clock (agents' clocks drift), not more. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const ROWS_PER_INSERT = 1000;

/**
 * Checks what the schema cannot: monitors and regions exist, times are within bounds. Every
 * problem is reported by index so one bad item rejects the batch before anything is written.
 */
export async function checkResults(database: Database, results: readonly ProbeResult[], options: IngestOptions): Promise<void> {
  const known = await database.orm
    .select({ id: monitors.id, regions: monitors.regions })
    .from(monitors)
    .where(isNull(monitors.archivedAt));
  const regionsByMonitor = new Map(known.map((monitor) => [monitor.id, new Set(monitor.regions)]));
  const latest = options.now.getTime() + MAX_CLOCK_SKEW_MS;
  const earliest = options.now.getTime() - options.backfillHorizonMs;
  const issues: ProblemIssue[] = [];
  results.forEach((result, index) => {
    const regions = regionsByMonitor.get(result.monitor);
    if (!regions) {
      issues.push({ path: `results[${index}].monitor`, message: `unknown monitor "${result.monitor}"`, code: 'unknown_monitor' });
    } else if (!regions.has(result.region)) {
      issues.push({
        path: `results[${index}].region`,
        message: `monitor "${result.monitor}" is not probed from region "${result.region}"`,
        code: 'unknown_region',
      });
    }
    const at = result.at.getTime();
    if (at > latest) {
      issues.push({ path: `results[${index}].at`, message: 'is more than 5 minutes in the future', code: 'in_future' });
    } else if (at < earliest) {
      issues.push({
        path: `results[${index}].at`,
        message: `is older than the backfill horizon (${Math.round(options.backfillHorizonMs / 86_400_000)} days)`,
        code: 'too_old',
      });
    }
  });
  if (issues.length > 0) {
    const first = issues[0];
    throw new ValidationError(`Batch rejected, nothing was written: ${first?.path}: ${first?.message}`, issues, 'invalid_results');
  }
}

/**
 * Stores a batch of results all-or-nothing and idempotently: a result whose id is already
 * stored (or repeats within the batch) counts as a duplicate and changes nothing. The raw
 * rows, their monitor and SLO rollups, and the caller's follow-ups share one transaction.
 */
export async function ingestResults(database: Database, results: readonly ProbeResult[], options: IngestOptions): Promise<IngestSummary> {
  await checkResults(database, results, options);
  return database.write(async (tx) => {
    const inserted = await insertNew(tx, results, options.now);
    const observations = await observationsFor(tx, inserted);
    await addToRollups(tx, observations);
    if (options.afterInsert) await options.afterInsert(tx, inserted);
    const summary = { accepted: inserted.length, duplicates: results.length - inserted.length };
    if (options.audit) await options.audit(tx, summary);
    return summary;
  });
}

const INSERT_COLUMNS = 'id, monitor_id, region, at, ok, latency_ms, status_code, error, tls_expires_at, received_at';
const INSERT_PLACEHOLDERS = '(?,?,?,?,?,?,?,?,?,?)';

/** The ingest hot path: one prebuilt multi-row INSERT per thousand rows, skipping stored ids. */
async function insertNew(tx: Tx, results: readonly ProbeResult[], now: Date): Promise<ProbeResult[]> {
  const insertedIds = new Set<string>();
  const receivedAt = now.getTime();
  for (let start = 0; start < results.length; start += ROWS_PER_INSERT) {
    const chunk = results.slice(start, start + ROWS_PER_INSERT);
    const stored = await tx.$client.execute({
      sql: `INSERT INTO probe_results (${INSERT_COLUMNS}) VALUES ${chunk.map(() => INSERT_PLACEHOLDERS).join(',')} ON CONFLICT DO NOTHING RETURNING id`,
      args: chunk.flatMap((result) => [
        result.id,
        result.monitor,
        result.region,
        result.at.getTime(),
        result.ok ? 1 : 0,
        result.latencyMs,
        result.statusCode ?? null,
        result.error ?? null,
        result.tlsExpiresAt?.getTime() ?? null,
        receivedAt,
      ]),
    });
    for (const row of stored.rows) insertedIds.add(String(row['id']));
  }
  // Keep the first occurrence of each new id; later repeats in the same batch are duplicates.
  const seen = new Set<string>();
  return results.filter((result) => {
    if (!insertedIds.has(result.id) || seen.has(result.id)) return false;
    seen.add(result.id);
    return true;
  });
}

/**
 * Each new result counts once in its monitor/region series and once in every availability or
 * latency SLO that the monitor feeds (good = ok, and for latency also ≤ the threshold).
 */
async function observationsFor(tx: Tx, inserted: readonly ProbeResult[]): Promise<Observation[]> {
  if (inserted.length === 0) return [];
  const monitorIds = [...new Set(inserted.map((result) => result.monitor))];
  const probeSlos = (
    await tx
      .select({ id: slos.id, sliKind: slos.sliKind, sli: slos.sli })
      .from(slos)
      .where(isNull(slos.archivedAt))
  ).filter((slo) => (slo.sliKind === 'availability' || slo.sliKind === 'latency') && slo.sli.monitors?.some((id) => monitorIds.includes(id)));
  const observations: Observation[] = [];
  for (const result of inserted) {
    const atMs = result.at.getTime();
    observations.push({
      series: monitorSeries(result.monitor, result.region),
      atMs,
      total: 1,
      good: result.ok ? 1 : 0,
      latencyMs: result.latencyMs,
    });
    for (const slo of probeSlos) {
      if (!slo.sli.monitors?.includes(result.monitor)) continue;
      const fastEnough = slo.sliKind !== 'latency' || result.latencyMs <= (slo.sli.latencyThresholdMs ?? Number.POSITIVE_INFINITY);
      observations.push({ series: sloSeries(slo.id), atMs, total: 1, good: result.ok && fastEnough ? 1 : 0 });
    }
  }
  return observations;
}

