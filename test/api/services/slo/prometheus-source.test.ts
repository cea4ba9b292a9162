import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeSlos } from '../../../../api/services/evaluate-slo.ts';
import { pullPrometheusSli } from '../../../../api/services/slo/prometheus-source.ts';
import { rollupsMinute } from '../../../../db/schema/index.ts';
import { testConfig } from '../../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../../helpers/server.ts';

/** A free loopback port (Prometheus needs one named up front). */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('Prometheus SLI source (real Prometheus from Debian)', () => {
  const counters = { good: 0, total: 0 };
  let app: Server;
  let prometheus: ChildProcess;
  let promUrl = '';
  let dir = '';
  let server: TestServer;
  const pullConfig = { step: '1s', lag: '0s', backfill: '2m', timeout: '5s' };

  beforeAll(async () => {
    // The "application": counters the test sets, in the Prometheus text format.
    app = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(
        `# TYPE app_requests_total counter\napp_requests_total ${counters.total}\n# TYPE app_requests_good_total counter\napp_requests_good_total ${counters.good}\n`,
      );
    });
    await new Promise<void>((ready) => app.listen(0, '127.0.0.1', ready));
    const appPort = (app.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'headroom-prom-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:${appPort}']\n`,
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = spawn(
      '/usr/bin/prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    await until('Prometheus ready', async () => ((await fetch(`${promUrl}/-/ready`)).ok ? true : undefined));

    server = await startTestServer({
      now: new Date(),
      config: testConfig({
        slos: [
          {
            key: 'prom',
            name: 'App requests succeed',
            service: 'app',
            sli: { kind: 'prometheus', url: promUrl, good: 'sum(app_requests_good_total)', total: 'sum(app_requests_total)' },
            target: 0.95,
            window: '1d',
          },
        ],
      }),
    });
  }, 60_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await new Promise<void>((done) => (prometheus?.exitCode !== null ? done() : prometheus.once('exit', () => done())));
    await new Promise<void>((done) => app.close(() => done()));
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until Prometheus has scraped `total` (so a pull sees it). */
  const scraped = (total: number) =>
    until(`a scrape of total=${total}`, async () => {
      const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent('sum(app_requests_total)')}`);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === String(total) ? true : undefined;
    });
  const slo = async () => {
    const [row] = (await activeSlos(server.db)).filter((s) => s.id === 'prom');
    if (!row) throw new Error('SLO missing');
    return row;
  };
  const evaluate = async () => {
    server.clock.set(Date.now() + 120_000);
    return (await (await server.request('/api/v1/slos/prom')).json()) as { sli: { good: number; total: number; ratio: number } };
  };

  it('adds the counters growth between pulls to the rollups, exactly and only once', async () => {
    await scraped(0);
    // First pull: sets the cursor at the zero counters.
    expect((await pullPrometheusSli(server.db, await slo(), new Date(), pullConfig)).total).toBe(0);
    counters.total = 100;
    counters.good = 90;
    await scraped(100);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const pulled = await pullPrometheusSli(server.db, await slo(), new Date(), pullConfig);
    expect([pulled.good, pulled.total]).toEqual([90, 100]);
    expect((await evaluate()).sli).toEqual({ good: 90, total: 100, ratio: 0.9 });
    // Nothing new: a second pull adds nothing.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await pullPrometheusSli(server.db, await slo(), new Date(), pullConfig)).total).toBe(0);
    const stored = (await server.db.orm.select().from(rollupsMinute)).filter((row) => row.series === 'slo:prom');
    expect(stored.reduce((sum, row) => sum + row.total, 0)).toBe(100);
  });

  it('treats a counter that went down as a reset (the app restarted)', async () => {
    counters.total = 8;
    counters.good = 5;
    await scraped(8);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const pulled = await pullPrometheusSli(server.db, await slo(), new Date(), pullConfig);
    expect([pulled.good, pulled.total]).toEqual([5, 8]);
    expect((await evaluate()).sli).toMatchObject({ good: 95, total: 108 });
  });
});
