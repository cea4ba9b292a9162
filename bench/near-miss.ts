import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../api/config/load.ts';
import { defaultNearMissConfig } from '../api/config/near-misses.ts';
import { syncConfig } from '../api/config/sync.ts';
import { parsePeriod } from '../api/domain/reports/period.ts';
import { buildErrorBudgetReport } from '../api/services/error-budget-report.ts';
import { scanNearMisses } from '../api/services/near-miss-scan.ts';
import { segmentCacheFor } from '../api/services/slo/segment-cache.ts';
import { createDb, migrateDb, type Database } from '../db/client.ts';
import { incidentComponents, incidents } from '../db/schema/index.ts';
import { percentile, ratioOf, type Benchmark } from './harness.ts';

const MONITORS = 100;
const SLOS = 50;
const COMPONENTS = 10;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The scan covers the 7 days before NOW; the report covers October (September for its trend). */
const NOW = Date.parse('2026-11-01T06:00:00Z');
const SCAN_FROM = NOW - 7 * DAY;
/** Raw results from the scan's look-back (6 h + the longest signal window, 1 h) on. */
const RAW_FROM = SCAN_FROM - 8 * HOUR;
/** SLO minute rollups from the scan's look-back (12 h + 3 d) on; hours and days for two whole months. */
const MINUTE_FROM = SCAN_FROM - 4 * DAY;
const ROLLUP_FROM = Date.parse('2026-09-01T00:00:00Z') - DAY;

/**
 * Deterministic probe outcomes: a lone failure every ~1,009 minutes (never a near miss) and a
 * two-failure streak every ~4,001 minutes (a near miss below the default down threshold of 3).
 */
const okAt = (monitor: number, minute: number) => (minute + monitor * 37) % 1009 !== 0 && (minute + monitor * 53) % 4001 >= 2;
/** SLO i is fed by monitors 2i and 2i+1, one result a minute each. */
const sloCounts = (slo: number, minute: number) => ({ total: 2, good: (okAt(2 * slo, minute) ? 1 : 0) + (okAt(2 * slo + 1, minute) ? 1 : 0) });

async function insertRows(db: Database, table: string, columns: readonly string[], rows: readonly (string | number | null)[][]): Promise<void> {
  const perStatement = Math.floor(30_000 / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const placeholders = `(${columns.map(() => '?').join(',')})`;
    await db.write((tx) =>
      tx.$client.execute({ sql: `INSERT INTO ${table} (${columns.join(',')}) VALUES ${chunk.map(() => placeholders).join(',')}`, args: chunk.flat() }),
    );
  }
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-near-miss-'));
  const db = await createDb({ url: `file:${join(dir, 'bench.db')}` });
  await migrateDb(db);
  const config = validateConfig({
    components: Array.from({ length: COMPONENTS }, (_, c) => ({ key: `c${c}`, name: `Component ${c}` })),
    monitors: Array.from({ length: MONITORS }, (_, m) => ({ key: `m${m}`, component: `c${m % COMPONENTS}`, kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] })),
    slos: Array.from({ length: SLOS }, (_, i) => ({
      key: `slo-${i}`,
      name: `SLO ${i}`,
      service: `svc-${i % 10}`,
      sli: { kind: 'availability', monitors: [`m${2 * i}`, `m${2 * i + 1}`] },
      target: 0.999,
      // A mix of the windows and zones the engine knows.
      window: i % 2 === 0 ? 'month' : '28d',
      timeZone: i % 5 === 0 ? 'Europe/Berlin' : 'UTC',
    })),
  });
  await syncConfig(db, config, new Date(NOW));

  const raw: (string | number | null)[][] = [];
  for (let m = 0; m < MONITORS; m += 1) {
    for (let at = RAW_FROM; at < NOW; at += MIN) raw.push([`r-${m}-${at}`, `m${m}`, 'eu', at, okAt(m, at / MIN) ? 1 : 0, 50 + ((at / MIN) % 7), NOW]);
  }
  await insertRows(db, 'probe_results', ['id', 'monitor_id', 'region', 'at', 'ok', 'latency_ms', 'received_at'], raw);
  raw.length = 0;

  for (let i = 0; i < SLOS; i += 1) {
    const series = `slo:slo-${i}`;
    const minutes: (string | number)[][] = [];
    const hours = new Map<number, [number, number]>();
    const days = new Map<number, [number, number]>();
    for (let at = ROLLUP_FROM; at < NOW; at += MIN) {
      const { total, good } = sloCounts(i, at / MIN);
      if (at >= MINUTE_FROM) minutes.push([series, at, total, good]);
      const hour = Math.floor(at / HOUR) * HOUR;
      const day = Math.floor(at / DAY) * DAY;
      const h = hours.get(hour) ?? [0, 0];
      hours.set(hour, [h[0] + total, h[1] + good]);
      const d = days.get(day) ?? [0, 0];
      days.set(day, [d[0] + total, d[1] + good]);
    }
    const columns = ['series', 'bucket', 'total', 'good'];
    await insertRows(db, 'rollups_minute', columns, minutes);
    await insertRows(db, 'rollups_hour', columns, [...hours].map(([bucket, [total, good]]) => [series, bucket, total, good]));
    await insertRows(db, 'rollups_day', columns, [...days].map(([bucket, [total, good]]) => [series, bucket, total, good]));
  }

  // Twenty October incidents, two per component, for the report's top incidents.
  await db.write(async (tx) => {
    const rows = Array.from({ length: 2 * COMPONENTS }, (_, k) => {
      const startedAt = new Date(Date.parse('2026-10-02T03:00:00Z') + k * 36 * HOUR);
      return { id: `inc-${k}`, name: `Incident ${k}`, status: 'resolved' as const, impact: 'minor' as const, startedAt, resolvedAt: new Date(startedAt.getTime() + 45 * MIN), createdAt: startedAt, updatedAt: startedAt };
    });
    await tx.insert(incidents).values(rows);
    await tx.insert(incidentComponents).values(rows.map((row, k) => ({ incidentId: row.id, componentId: `c${k % COMPONENTS}`, status: 'partial_outage' as const })));
  });
  return { db, dir };
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/**
 * The near-miss detector's scan over 7 days of 100 monitors and 50 SLOs (read, detect, write),
 * against a raw SQL read of the same rows; and the error-budget report for one month, against
 * a raw SQL sum of the day rollups it covers.
 */
export const nearMissBenchmark: Benchmark = {
  name: 'near-miss',
  async run() {
    const started = performance.now();
    const { db, dir } = await setup();
    process.stdout.write(`  setup: ${MONITORS} monitors x 7 days of results, ${SLOS} SLOs x 2 months of rollups in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    try {
      const range = { from: new Date(SCAN_FROM), to: new Date(NOW) };
      const rawRead = async () => {
        const results = await db.client.execute({
          sql: 'SELECT monitor_id, region, at, ok, latency_ms, tls_expires_at FROM probe_results WHERE at >= ? AND at <= ? ORDER BY at',
          args: [RAW_FROM, NOW],
        });
        const minutes = await db.client.execute({
          sql: "SELECT series, bucket, good, total FROM rollups_minute WHERE series LIKE 'slo:%' AND bucket >= ? AND bucket <= ?",
          args: [MINUTE_FROM, NOW],
        });
        return results.rows.length + minutes.rows.length;
      };
      // One run each: at this size a read of every row takes seconds, and the bench must stay under two minutes.
      const [rawScan, rowsRead] = await timed(rawRead);
      const [scanMs, first] = await timed(() => scanNearMisses(db, defaultNearMissConfig, range, new Date(NOW)));
      process.stdout.write(`  scan: ${rowsRead} rows read, ${first.found} near misses (${first.created} created)\n`);
      if (first.created === 0) throw new Error('the scan found nothing');

      const period = parsePeriod('2026-10');
      if (!period) throw new Error('bad period');
      const rawSums = async () => {
        for (const [from, to] of [
          [period.fromMs, period.toMs],
          [Date.parse('2026-09-01T00:00:00Z'), period.fromMs],
        ]) {
          await db.client.execute({
            sql: "SELECT series, sum(good), sum(total) FROM rollups_day WHERE series LIKE 'slo:%' AND bucket >= ? AND bucket < ? GROUP BY series",
            args: [from ?? 0, to ?? 0],
          });
        }
      };
      await rawSums();
      const rawReportSamples: number[] = [];
      for (let run = 0; run < 10; run += 1) rawReportSamples.push((await timed(rawSums))[0]);
      segmentCacheFor(db.client).clear();
      const [coldReportMs, report] = await timed(() => buildErrorBudgetReport(db, period, new Date(NOW)));
      if (report.services.flatMap((service) => service.slos).length !== SLOS) throw new Error('the report lost SLOs');
      const warmSamples: number[] = [];
      for (let run = 0; run < 5; run += 1) warmSamples.push((await timed(() => buildErrorBudgetReport(db, period, new Date(NOW))))[0]);
      const rawReport = percentile(rawReportSamples, 50);
      const warmReport = percentile(warmSamples, 50);
      return [
        {
          name: `near-miss scan, 7 days, ${MONITORS} monitors (1 result/min) + ${SLOS} SLOs, read + detect + write ${first.created} rows`,
          figure: scanMs,
          unit: 'ms',
          baseline: rawScan,
          baselineLabel: `raw SQL read of the ${rowsRead} rows it reads`,
          ratio: ratioOf(scanMs, rawScan),
          target: '≤ 60 s',
          met: scanMs <= 60_000,
        },
        {
          name: `error-budget report, one month, ${SLOS} SLOs + ${2 * COMPONENTS} incidents, cold`,
          figure: coldReportMs,
          unit: 'ms',
          baseline: rawReport,
          baselineLabel: 'raw SQL sum of the two months of day rollups',
          ratio: ratioOf(coldReportMs, rawReport),
          target: '≤ 2 s',
          met: coldReportMs <= 2_000,
        },
        {
          name: 'error-budget report, one month, warm (segments cached), p50',
          figure: warmReport,
          unit: 'ms',
          baseline: rawReport,
          baselineLabel: 'raw SQL sum of the two months of day rollups',
          ratio: ratioOf(warmReport, rawReport),
          target: '≤ 1 s',
          met: warmReport <= 1_000,
        },
      ];
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
