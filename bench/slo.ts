import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../api/app.ts';
import { validateConfig } from '../api/config/load.ts';
import { syncConfig } from '../api/config/sync.ts';
import { ManualClock } from '../api/lib/clock.ts';
import { ensureAdminToken } from '../api/services/tokens.ts';
import { MINUTE_HORIZON_KEY, HOUR_HORIZON_KEY } from '../api/services/slo/rollup-reader.ts';
import { createDb, migrateDb } from '../db/client.ts';
import { slos } from '../db/schema/slos.ts';
import { segmentCacheFor } from '../api/services/slo/segment-cache.ts';
import { percentile, ratioOf, type Benchmark } from './harness.ts';

const SLO_COUNT = Number(process.env['BENCH_SLOS'] ?? 1000);
const RAW_SLOS = 10;
const DAYS = 30;
/** Minute rows are kept this long (as compaction would), older heads are read from hours. */
const MINUTE_DAYS = 2;
const NOW = Date.parse('2026-11-01T12:34:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Deterministic counts per (slo, bucket) so every resolution agrees. */
const countsAt = (slo: number, minute: number) => ({ total: 10, good: (slo * 7 + minute) % 97 === 0 ? 7 : 10 });

export async function setupSloBench() {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-slo-'));
  const db = await createDb({ url: `file:${join(dir, 'bench.db')}` });
  await migrateDb(db);
  const monitors = Array.from({ length: RAW_SLOS }, (_, i) => ({ key: `m${i}`, kind: 'http' as const, url: 'http://127.0.0.1:9/', regions: ['eu'] }));
  const config = validateConfig({ monitors });
  await syncConfig(db, config, new Date(NOW));
  const now = new Date(NOW);
  await db.write(async (tx) => {
    for (let start = 0; start < SLO_COUNT; start += 200) {
      await tx.insert(slos).values(
        Array.from({ length: Math.min(200, SLO_COUNT - start) }, (_, k) => {
          const i = start + k;
          return {
            id: `slo-${String(i).padStart(4, '0')}`,
            name: `SLO ${i}`,
            service: `svc-${i % 50}`,
            sliKind: 'availability' as const,
            sli: { monitors: [`m${i % RAW_SLOS}`] },
            target: 0.999,
            window: i % 3 === 0 ? '28d' : '30d',
            createdAt: now,
            updatedAt: now,
            origin: 'api' as const,
          };
        }),
      );
    }
  });
  // Rollups written directly in bulk: days and hours for 30 days, minutes for the last 2 days.
  const firstMinute = NOW - DAYS * DAY - DAY;
  const write = async (table: string, rows: [string, number, number, number][]) => {
    for (let start = 0; start < rows.length; start += 8000) {
      const chunk = rows.slice(start, start + 8000);
      await db.write((tx) =>
        tx.$client.execute({
          sql: `INSERT INTO ${table} (series, bucket, total, good) VALUES ${chunk.map(() => '(?,?,?,?)').join(',')}`,
          args: chunk.flat(),
        }),
      );
    }
  };
  for (let i = 0; i < SLO_COUNT; i += 1) {
    const series = `slo:slo-${String(i).padStart(4, '0')}`;
    const minutes: [string, number, number, number][] = [];
    const hours = new Map<number, [number, number]>();
    const days = new Map<number, [number, number]>();
    for (let at = firstMinute; at < NOW; at += MIN) {
      const { total, good } = countsAt(i, at / MIN);
      if (at >= NOW - MINUTE_DAYS * DAY - HOUR) minutes.push([series, at, total, good]);
      const hour = Math.floor(at / HOUR) * HOUR;
      const day = Math.floor(at / DAY) * DAY;
      const h = hours.get(hour) ?? [0, 0];
      hours.set(hour, [h[0] + total, h[1] + good]);
      const d = days.get(day) ?? [0, 0];
      days.set(day, [d[0] + total, d[1] + good]);
    }
    await write('rollups_minute', minutes);
    await write('rollups_hour', [...hours].map(([bucket, [total, good]]) => [series, bucket, total, good]));
    await write('rollups_day', [...days].map(([bucket, [total, good]]) => [series, bucket, total, good]));
  }
  await db.write(async (tx) => {
    for (const [key, value] of [
      [MINUTE_HORIZON_KEY, NOW - MINUTE_DAYS * DAY],
      [HOUR_HORIZON_KEY, NOW - 400 * DAY],
    ] as const) {
      await tx.$client.execute({ sql: 'INSERT INTO app_meta (key, value, updated_at) VALUES (?, ?, ?)', args: [key, String(value), NOW] });
    }
  });
  // Raw results for the baseline: one probe a minute for 30 days on 10 monitors.
  for (let m = 0; m < RAW_SLOS; m += 1) {
    const rows: (string | number)[][] = [];
    for (let at = NOW - DAYS * DAY - DAY; at < NOW; at += MIN) {
      rows.push([`r-${m}-${at}`, `m${m}`, 'eu', at, countsAt(m, at / MIN).good === 10 ? 1 : 0, 50, NOW]);
    }
    for (let start = 0; start < rows.length; start += 4000) {
      const chunk = rows.slice(start, start + 4000);
      await db.write((tx) =>
        tx.$client.execute({
          sql: `INSERT INTO probe_results (id, monitor_id, region, at, ok, latency_ms, received_at) VALUES ${chunk.map(() => '(?,?,?,?,?,?,?)').join(',')}`,
          args: chunk.flat(),
        }),
      );
    }
  }
  const adminToken = (await ensureAdminToken(db, now)) ?? '';
  const clock = new ManualClock(NOW);
  const app = createApp({ db, config, clock });
  const server: ServerType = await new Promise((ready) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(listening));
  });
  const { port } = server.address() as AddressInfo;
  return { db, dir, server, clock, baseUrl: `http://127.0.0.1:${port}`, adminToken };
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * The same numbers by a plain SQL scan of raw results: for one SLO, the 30-day window and the
 * seven burn-rate windows, each a count over probe_results (indexed by monitor, region, at).
 */
const RAW_WINDOWS = [30 * DAY, 5 * MIN, 30 * MIN, HOUR, 2 * HOUR, 6 * HOUR, DAY, 3 * DAY];

export const sloBenchmark: Benchmark = {
  name: 'slo',
  async run() {
    const started = performance.now();
    const ctx = await setupSloBench();
    process.stdout.write(`  setup: ${SLO_COUNT} SLOs x ${DAYS} days of rollups in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    const headers = { authorization: `Bearer ${ctx.adminToken}` };
    try {
      const list = async () => {
        const response = await fetch(`${ctx.baseUrl}/api/v1/slos`, { headers });
        const body = (await response.json()) as { slos: unknown[] };
        if (body.slos.length !== SLO_COUNT) throw new Error(`expected ${SLO_COUNT} SLOs, got ${body.slos.length}`);
      };
      const one = async () => {
        const response = await fetch(`${ctx.baseUrl}/api/v1/slos/slo-0042`, { headers });
        if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
        await response.arrayBuffer();
      };
      // Cold: nothing summed yet. Then every request a minute later than the one before, as a
      // dashboard polling once a minute sees it (the window heads move; closed segments are reused).
      segmentCacheFor(ctx.db.client).clear();
      const [coldList = Number.NaN] = await time(list, 1);
      const minuteSamples = await time(async () => {
        ctx.clock.advance(MIN);
        await list();
      }, 20);
      await time(list, 3);
      const listSamples = await time(list, 30);
      await time(one, 10);
      const oneSamples = await time(one, 200);

      const rawOne = async (monitor: string) => {
        for (const length of RAW_WINDOWS) {
          await ctx.db.client.execute({
            sql: 'SELECT count(*) AS total, sum(ok) AS good FROM probe_results WHERE monitor_id = ? AND region = ? AND at >= ? AND at < ?',
            args: [monitor, 'eu', NOW - length, NOW],
          });
        }
      };
      await rawOne('m0');
      const rawOneSamples = await time(() => rawOne('m2'), 20);
      const rawListSamples = await time(async () => {
        for (let m = 0; m < RAW_SLOS; m += 1) await rawOne(`m${m}`);
      }, 5);
      // The raw scan for 1,000 SLOs would need 1,000 x 43,200 raw rows; it is timed on 10 and scaled linearly.
      const rawList = (percentile(rawListSamples, 50) * SLO_COUNT) / RAW_SLOS;
      const list95 = percentile(listSamples, 95);
      const one95 = percentile(oneSamples, 95);
      return [
        {
          name: `GET /api/v1/slos (${SLO_COUNT} SLOs), cold (nothing summed yet)`,
          figure: coldList,
          unit: 'ms',
          baseline: rawList,
          baselineLabel: `raw SQL scan, ${RAW_SLOS} SLOs scaled to ${SLO_COUNT}`,
          ratio: ratioOf(coldList, rawList),
          target: '—',
          met: true,
        },
        {
          name: `GET /api/v1/slos (${SLO_COUNT} SLOs), clock one minute later each request, p95`,
          figure: percentile(minuteSamples, 95),
          unit: 'ms',
          baseline: rawList,
          baselineLabel: `raw SQL scan, ${RAW_SLOS} SLOs scaled to ${SLO_COUNT}`,
          ratio: ratioOf(percentile(minuteSamples, 95), rawList),
          target: '≤ 100 ms',
          met: percentile(minuteSamples, 95) <= 100,
        },
        {
          name: `GET /api/v1/slos (${SLO_COUNT} SLOs), same minute, p50`,
          figure: percentile(listSamples, 50),
          unit: 'ms',
          baseline: rawList,
          baselineLabel: `raw SQL scan, ${RAW_SLOS} SLOs scaled to ${SLO_COUNT}`,
          ratio: ratioOf(percentile(listSamples, 50), rawList),
          target: '—',
          met: true,
        },
        {
          name: `GET /api/v1/slos (${SLO_COUNT} SLOs), same minute, p95`,
          figure: list95,
          unit: 'ms',
          baseline: rawList,
          baselineLabel: `raw SQL scan, ${RAW_SLOS} SLOs scaled to ${SLO_COUNT}`,
          ratio: ratioOf(list95, rawList),
          target: '≤ 100 ms',
          met: list95 <= 100,
        },
        {
          name: 'GET /api/v1/slos/:id p50',
          figure: percentile(oneSamples, 50),
          unit: 'ms',
          baseline: percentile(rawOneSamples, 50),
          baselineLabel: 'raw SQL scan of one SLO',
          ratio: ratioOf(percentile(oneSamples, 50), percentile(rawOneSamples, 50)),
          target: '—',
          met: true,
        },
        {
          name: 'GET /api/v1/slos/:id p95',
          figure: one95,
          unit: 'ms',
          baseline: percentile(rawOneSamples, 95),
          baselineLabel: 'raw SQL scan of one SLO',
          ratio: ratioOf(one95, percentile(rawOneSamples, 95)),
          target: '≤ 10 ms',
          met: one95 <= 10,
        },
      ];
    } finally {
      await new Promise<void>((done) => ctx.server.close(() => done()));
      ctx.db.close();
      rmSync(ctx.dir, { recursive: true, force: true });
    }
  },
};
