import { eq } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { appMeta } from '../../../db/schema/security.ts';
import type { SloEngineConfig } from '../../config/alerting.ts';
import { sloSeries, type Observation } from '../../domain/rollups.ts';
import { floorTo } from '../../domain/slo/windows.ts';
import { parseDuration } from '../../lib/duration.ts';
import { addToRollups } from '../rollup-writer.ts';
import type { SloRow } from '../evaluate-slo.ts';

/** Where the last pull of a Prometheus SLI stopped: the point's time and the counter values there. */
interface Cursor {
  at: number;
  total: number;
  part: number;
}

const cursorKey = (sloId: string) => `prometheus.cursor.${sloId}`;

export class PrometheusError extends Error {}

/** Sums a query_range matrix over its series, per timestamp (ms). */
async function queryRange(url: string, query: string, start: number, end: number, stepMs: number, timeoutMs: number): Promise<Map<number, number>> {
  const params = new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: `${stepMs / 1000}s` });
  const response = await fetch(`${url.replace(/\/$/, '')}/api/v1/query_range?${params}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json().catch(() => null)) as {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: { values?: [number, string][] }[] };
  } | null;
  if (!response.ok || body?.status !== 'success') throw new PrometheusError(`Prometheus query failed (${response.status}): ${body?.error ?? 'no answer'}`);
  if (body.data?.resultType !== 'matrix') throw new PrometheusError(`expected a matrix from query_range, got ${body.data?.resultType}`);
  const sums = new Map<number, number>();
  for (const series of body.data.result ?? []) {
    for (const [seconds, value] of series.values ?? []) {
      const at = Math.round(seconds * 1000);
      const number = Number(value);
      if (Number.isFinite(number)) sums.set(at, (sums.get(at) ?? 0) + number);
    }
  }
  return sums;
}

export interface PullSummary {
  slo: string;
  points: number;
  good: number;
  total: number;
}

/**
 * Pulls one Prometheus SLI into the SLO's rollups. The expressions are counters (OpenSLO
 * `ratioMetric.counter: true`, e.g. `sum(http_requests_total{code!~"5.."})`); they are read
 * with query_range at `step` and each point's increase over the previous one is added to the
 * minute it ends in. A counter that went down was reset: its new value is the increase, as
 * Prometheus' own increase() assumes. The cursor (last point and its values) is saved in the
 * same transaction as the counts, so a crash or a second run never counts a point twice, and
 * the increases telescope: their sum is exactly the counters' growth since the first pull.
 */
export async function pullPrometheusSli(database: Database, slo: SloRow, now: Date, config: SloEngineConfig['prometheus']): Promise<PullSummary> {
  const source = slo.sli.prometheus;
  if (slo.sliKind !== 'prometheus' || !source) throw new PrometheusError(`SLO ${slo.id} has no Prometheus SLI`);
  const stepMs = Math.max(1000, parseDuration(config.step) ?? 60_000);
  const end = floorTo(now.getTime() - (parseDuration(config.lag) ?? 0), stepMs);
  const timeout = parseDuration(config.timeout) ?? 10_000;
  const [stored] = await database.orm.select().from(appMeta).where(eq(appMeta.key, cursorKey(slo.id)));
  const cursor: Cursor | null = stored ? (JSON.parse(stored.value) as Cursor) : null;
  const start = cursor ? cursor.at + stepMs : floorTo(now.getTime() - (parseDuration(config.backfill) ?? 3_600_000), stepMs);
  const summary: PullSummary = { slo: slo.id, points: 0, good: 0, total: 0 };
  if (end < start) return summary;

  const partQuery = source.good ?? source.bad ?? '';
  const [totals, parts] = await Promise.all([
    queryRange(source.url, source.total, start, end, stepMs, timeout),
    queryRange(source.url, partQuery, start, end, stepMs, timeout),
  ]);
  let previous = cursor;
  const observations: Observation[] = [];
  for (const at of [...totals.keys()].sort((a, b) => a - b)) {
    const total = totals.get(at);
    const part = parts.get(at) ?? (source.bad !== undefined ? 0 : undefined);
    if (total === undefined || part === undefined) continue;
    summary.points += 1;
    if (previous) {
      const totalIncrease = Math.round(total >= previous.total ? total - previous.total : total);
      const partIncrease = Math.round(part >= previous.part ? part - previous.part : part);
      const good = Math.min(totalIncrease, Math.max(0, source.bad !== undefined ? totalIncrease - partIncrease : partIncrease));
      if (totalIncrease > 0) observations.push({ series: sloSeries(slo.id), atMs: at - 1, good, total: totalIncrease });
      summary.good += good;
      summary.total += totalIncrease;
    }
    previous = { at, total, part };
  }
  if (!previous || previous === cursor) return summary;
  const next = JSON.stringify(previous);
  await database.write(async (tx) => {
    await addToRollups(tx, observations);
    await tx
      .insert(appMeta)
      .values({ key: cursorKey(slo.id), value: next, updatedAt: now })
      .onConflictDoUpdate({ target: appMeta.key, set: { value: next, updatedAt: now } });
  });
  return summary;
}
