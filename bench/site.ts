import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../api/config/load.ts';
import { AppEvents } from '../api/lib/events.ts';
import { silentLogger } from '../api/lib/logger.ts';
import { SitePublisher } from '../api/workers/publisher.ts';
import { startTestServer, type TestServer } from '../test/helpers/server.ts';
import { postRecentResults, seedHistory } from '../test/helpers/site-fixture.ts';
import { percentile, ratioOf, type Benchmark, type BenchResult } from './harness.ts';

const COMPONENTS = Number(process.env['BENCH_SITE_COMPONENTS'] ?? 100);
const INCIDENTS = Number(process.env['BENCH_SITE_INCIDENTS'] ?? 500);
const PUBLISH_SAMPLES = 3;

function siteConfig(components: number) {
  return validateConfig({
    page: { name: 'Bench Status' },
    groups: [{ key: 'g', name: 'Group' }],
    components: Array.from({ length: components }, (_, index) => ({ key: `c-${index}`, name: `Component ${index}`, group: 'g' })),
    monitors: Array.from({ length: components }, (_, index) => ({
      key: `m-${index}`,
      component: `c-${index}`,
      kind: 'http' as const,
      url: `http://127.0.0.1:9/${index}`,
      regions: ['eu', 'us'],
    })),
  });
}

async function setUp(components: number, incidents: number): Promise<{ server: TestServer; dataDir: string; events: AppEvents; openId: string | null }> {
  const events = new AppEvents();
  const dataDir = mkdtempSync(join(tmpdir(), 'headroom-bench-site-'));
  const server = await startTestServer({ config: siteConfig(components), events, serveSite: true, settings: { dataDir } });
  const monitors = Array.from({ length: components }, (_, index) => ({ key: `m-${index}`, regions: ['eu', 'us'] }));
  await seedHistory(server.db, monitors, server.clock.now(), { badDays: { 5: 0.98 } });
  await postRecentResults(server, monitors, { count: 2 });
  let openId: string | null = null;
  for (let index = 0; index < incidents; index += 1) {
    const response = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: {
        name: `Incident ${index}`,
        impact: 'minor',
        body: `Investigating **issue ${index}**.`,
        components: [{ id: `c-${index % components}`, status: 'degraded_performance' }],
        startedAt: new Date(server.clock.now().getTime() - (incidents - index) * 3 * 3_600_000).toISOString(),
      },
    });
    const { id } = (await response.json()) as { id: string };
    if (index < incidents - 1) await server.request(`/api/v1/incidents/${id}/resolve`, { method: 'POST', json: { body: 'Resolved.' } });
    else openId = id;
  }
  return { server, dataDir, events, openId };
}

async function buildOnce(server: TestServer, dataDir: string): Promise<number> {
  const publisher = new SitePublisher({ dataDir, apiUrl: server.baseUrl, logger: silentLogger, retryMs: 3_600_000 });
  const result = await publisher.publish();
  await publisher.stop();
  if (!result.ok) throw new Error(`site build failed: ${result.error ?? ''}`);
  return result.durationMs;
}

/**
 * The static site: how long a full build takes at 100 components, 500 incidents and 90 days
 * of history (against a one-component site as the same-run baseline), and how long from posting
 * an incident update through the API until the new text is served (against the bare build time).
 */
export const siteBenchmark: Benchmark = {
  name: 'site',
  async run(): Promise<BenchResult[]> {
    const small = await setUp(1, 0);
    const smallMs = await buildOnce(small.server, small.dataDir);
    await small.server.close();
    rmSync(small.dataDir, { recursive: true, force: true });

    const big = await setUp(COMPONENTS, INCIDENTS);
    const buildMs = await buildOnce(big.server, big.dataDir);

    const publisher = new SitePublisher({ dataDir: big.dataDir, apiUrl: big.server.baseUrl, logger: silentLogger, retryMs: 3_600_000 });
    const onChange = () => publisher.schedule();
    big.events.on('public.changed', onChange);
    const latencies: number[] = [];
    for (let sample = 0; sample < PUBLISH_SAMPLES; sample += 1) {
      const text = `Mitigation ${sample} deployed ${Date.now()}`;
      big.server.clock.advance(60_000);
      const started = performance.now();
      await big.server.request(`/api/v1/incidents/${big.openId ?? ''}/updates`, { method: 'POST', json: { status: 'monitoring', body: text } });
      for (;;) {
        const html = await (await fetch(`${big.server.baseUrl}/`)).text();
        if (html.includes(text)) break;
        if (performance.now() - started > 60_000) throw new Error('the update was not served within 60 s');
        await new Promise((done) => setTimeout(done, 50));
      }
      latencies.push(performance.now() - started);
    }
    big.events.off('public.changed', onChange);
    await publisher.stop();
    await big.server.close();
    rmSync(big.dataDir, { recursive: true, force: true });

    const publishMs = percentile(latencies, 50);
    return [
      {
        name: `site build (${COMPONENTS} components, ${INCIDENTS} incidents, 90 days)`,
        figure: buildMs / 1000,
        unit: 's',
        baseline: smallMs / 1000,
        baselineLabel: '1-component site',
        ratio: ratioOf(buildMs, smallMs),
        target: 'reported (no fixed target)',
        met: true,
      },
      {
        name: 'incident update posted → new text served (median of 3)',
        figure: publishMs / 1000,
        unit: 's',
        baseline: buildMs / 1000,
        baselineLabel: 'bare build of the same site',
        ratio: ratioOf(publishMs, buildMs),
        target: '≤ 5 s',
        met: publishMs <= 5000,
      },
    ];
  },
};
