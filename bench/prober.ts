import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeps } from '../api/app.ts';
import { validateConfig } from '../api/config/load.ts';
import { syncConfig } from '../api/config/sync.ts';
import { systemClock } from '../api/lib/clock.ts';
import { probeResults } from '../db/schema/index.ts';
import { createDb, migrateDb } from '../db/client.ts';
import { createProberLoop } from '../api/workers/prober.ts';
import { percentile, ratioOf, type Benchmark, type BenchResult } from './harness.ts';

const MONITORS = Number(process.env['BENCH_PROBER_MONITORS'] ?? 1000);
const DURATION_MS = Number(process.env['BENCH_PROBER_SECONDS'] ?? 110) * 1000;
const INTERVAL = '30s';
const BASELINE_MS = 10_000;
const BARE_REQUESTS = 2000;

/** Lateness of an idle 20 ms timer loop: what the event loop itself adds, the floor for schedule lag. */
async function idleTimerLag(durationMs: number): Promise<number[]> {
  const lags: number[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const planned = Date.now() + 20;
    await new Promise((resolve) => setTimeout(resolve, 20));
    lags.push(Math.max(0, Date.now() - planned));
  }
  return lags;
}

/** CPU ms per bare HTTP request to the same target (no scheduler, no storage), 20 at a time. */
async function bareRequestCpu(port: number): Promise<number> {
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
  const before = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < BARE_REQUESTS) {
        next += 1;
        await get();
      }
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / BARE_REQUESTS;
}

export const proberBenchmark: Benchmark = {
  name: 'prober',
  async run(): Promise<BenchResult[]> {
    const target = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', () => resolve()));
    const { port } = target.address() as AddressInfo;
    const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-prober-'));
    const db = await createDb({ url: `file:${join(dir, 'bench.db')}` });
    try {
      await migrateDb(db);
      const config = validateConfig({
        components: [{ key: 'api', name: 'API' }],
        monitors: Array.from({ length: MONITORS }, (_, index) => ({
          key: `m${index}`,
          component: 'api',
          kind: 'http',
          url: `http://127.0.0.1:${port}/health?m=${index}`,
          interval: INTERVAL,
          timeout: '5s',
        })),
      });
      await syncConfig(db, config, systemClock.now());

      const idleLags = await idleTimerLag(BASELINE_MS);
      const bareCpuMs = await bareRequestCpu(port);

      const deps = createDeps({ db, config, clock: systemClock });
      const loop = createProberLoop(deps, { region: 'local' });
      await loop.refresh();
      const cpuBefore = process.cpuUsage();
      loop.scheduler.start();
      const flusher = setInterval(() => void loop.flush(), 1000);
      await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
      clearInterval(flusher);
      await loop.scheduler.stop();
      await loop.flush();
      const cpu = process.cpuUsage(cpuBefore);
      const probes = loop.scheduler.stats.started;
      const stored = (await db.orm.select({ id: probeResults.id }).from(probeResults)).length;
      const lags = loop.scheduler.stats.lagsMs;
      const cpuPerProbe = (cpu.user + cpu.system) / 1000 / Math.max(1, probes);
      process.stdout.write(
        `  ${MONITORS} monitors every ${INTERVAL} for ${DURATION_MS / 1000} s: ${probes} probes, ${stored} stored, ` +
          `${loop.scheduler.stats.skipped} skipped (overlap), CPU ${(cpu.user + cpu.system) / 1e6} s\n`,
      );
      const p50 = percentile(lags, 50);
      const p99 = percentile(lags, 99);
      const idleP50 = percentile(idleLags, 50);
      const idleP99 = percentile(idleLags, 99);
      return [
        {
          name: 'prober schedule lag p50',
          figure: p50,
          unit: 'ms',
          baseline: idleP50,
          baselineLabel: 'idle 20 ms timer lateness p50',
          ratio: ratioOf(p50, idleP50),
          target: '< 1000 ms',
          met: p50 < 1000,
        },
        {
          name: 'prober schedule lag p99',
          figure: p99,
          unit: 'ms',
          baseline: idleP99,
          baselineLabel: 'idle 20 ms timer lateness p99',
          ratio: ratioOf(p99, idleP99),
          target: '< 1000 ms',
          met: p99 < 1000 && stored === probes,
        },
        {
          name: 'prober CPU per probe (probe + scheduling + in-process ingest + target)',
          figure: cpuPerProbe,
          unit: 'ms',
          baseline: bareCpuMs,
          baselineLabel: 'bare http.request to the same target',
          ratio: ratioOf(cpuPerProbe, bareCpuMs),
          target: '< 5 ms',
          met: cpuPerProbe < 5,
        },
      ];
    } finally {
      db.close();
      target.closeAllConnections();
      await new Promise<void>((resolve) => target.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
