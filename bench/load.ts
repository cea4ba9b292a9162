import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort, startTsx } from '../test/helpers/process.ts';
import { ratioOf, type Benchmark, type BenchResult } from './harness.ts';

const SECONDS = Number(process.env['BENCH_LOAD_SECONDS'] ?? 60);
const ADMIN = 'load-bench-admin-token-0123456789abcdef';
const HEAP_LIMIT_MIB = 256;
const CONFIG = `
components:
  - { key: api, name: API }
  - { key: web, name: Website }
monitors:
  - { key: api-health, component: api, kind: tcp, host: 127.0.0.1, port: 9, regions: [eu, us] }
`;

/** Resident memory (bytes) of one process. */
function rss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * The node process that runs the API: tsx starts it as a child of its own. The site builds the
 * publisher spawns are separate, short-lived processes and are reported apart.
 */
function serverPid(wrapperPid: number): number {
  const queue = [wrapperPid];
  while (queue.length > 0) {
    const pid = queue.shift() ?? 0;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('api/server.ts') && !cmdline.includes('.bin/tsx')) return pid;
    try {
      queue.push(...execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number));
    } catch {
      // no children
    }
  }
  return wrapperPid;
}

async function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * autocannon (a library, in this process) against the API in its own process: the public
 * summary and ingest for 60 s each, with /healthz as the same-run baseline of what the stack
 * can serve at all. Errors must be zero and memory must stay bounded.
 */
export const loadBenchmark: Benchmark = {
  name: 'load',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-load-'));
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    const port = await freePort();
    const server = startTsx('api/server.ts', [], {
      HEADROOM_CONFIG: join(dir, 'headroom.config.yaml'),
      DATABASE_URL: `file:${join(dir, 'headroom.db')}`,
      HEADROOM_DATA_DIR: dir,
      HEADROOM_PROBER: 'off',
      HEADROOM_ADMIN_TOKEN: ADMIN,
      PORT: String(port),
      RATE_LIMIT_PUBLIC_READS: '100000000',
      RATE_LIMIT_TOKEN_WRITES: '100000000',
      LOG_LEVEL: 'error',
      // A hard heap limit: the server must get through the load inside it (V8 would otherwise
      // let the heap grow lazily toward several GiB on this machine before collecting).
      NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MIB}`,
    });
    try {
      await server.waitFor(/Headroom is up/, 120_000);
      const pid = serverPid(server.child.pid ?? 0);
      const base = `http://127.0.0.1:${port}`;
      const baseline = await cannon({ url: `${base}/healthz`, connections: 10, duration: Math.min(10, SECONDS) });
      const rows: BenchResult[] = [];

      const rssBefore = rss(pid);
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rss(pid))), 1000);
      const summary = await cannon({ url: `${base}/api/v2/summary.json`, connections: 10, duration: SECONDS });
      const ingest = await cannon({
        url: `${base}/api/v1/results`,
        connections: 4,
        duration: SECONDS,
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({
                results: Array.from({ length: 100 }, (_, i) => ({
                  id: randomUUID(),
                  monitor: 'api-health',
                  region: i % 2 === 0 ? 'eu' : 'us',
                  at: new Date(Date.now() - Math.floor(Math.random() * 600_000)).toISOString(),
                  ok: Math.random() > 0.05,
                  latencyMs: Math.round(Math.random() * 300),
                })),
              }),
            }),
          },
        ],
      });
      clearInterval(sampler);
      const rssAfter = rss(pid);
      const alive = server.child.exitCode === null && rssAfter > 0;

      for (const [label, result] of [
        ['GET /api/v2/summary.json', summary],
        ['POST /api/v1/results (100 per batch)', ingest],
      ] as const) {
        const failures = result.errors + result.timeouts + result.non2xx;
        const ratio = ratioOf(result.requests.average, baseline.requests.average);
        rows.push({
          name: `${label}, ${SECONDS} s: req/s (p99 ${result.latency.p99} ms, ${failures} errors)`,
          figure: result.requests.average,
          unit: 'req/s',
          baseline: baseline.requests.average,
          baselineLabel: 'GET /healthz',
          ratio,
          target: '0 errors',
          met: failures === 0,
        });
      }
      const growth = (rssAfter - rssBefore) / 1024 / 1024;
      rows.push({
        name: `server RSS growth over ${2 * SECONDS} s of load, heap limited to ${HEAP_LIMIT_MIB} MiB (peak ${(rssPeak / 1024 / 1024).toFixed(0)} MiB${alive ? '' : ', server DIED'})`,
        figure: growth,
        unit: 'MiB',
        baseline: rssBefore / 1024 / 1024,
        baselineLabel: 'RSS before load',
        ratio: ratioOf(rssAfter, rssBefore),
        target: 'alive, peak ≤ 1 GiB',
        met: alive && rssPeak <= 1024 * 1024 * 1024,
      });
      return rows;
    } finally {
      await server.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
