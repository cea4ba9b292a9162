import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeps } from '../../../api/app.ts';
import type { HeadroomConfig } from '../../../api/config/schema.ts';
import { AppEvents } from '../../../api/lib/events.ts';
import { loadComponentStatuses } from '../../../api/services/component-status.ts';
import { createProberLoop, type ProberLoop } from '../../../api/workers/prober.ts';
import { components, incidents, incidentUpdates, incidentComponents, monitorState, probeResults } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { closedPort, startHttpTarget, startScriptedTarget } from '../../helpers/targets.ts';

const INTERVAL_MS = 30_000;

interface Rig {
  server: TestServer;
  loop: ProberLoop;
  events: string[];
  /** One scheduler tick: run what is due, wait for it, ingest, then move the clock one interval. */
  tick(): Promise<void>;
}

async function rig(config: HeadroomConfig): Promise<Rig> {
  const bus = new AppEvents();
  const events: string[] = [];
  bus.on('public.changed', ({ reason }) => events.push(reason));
  const server = await startTestServer({ config, events: bus });
  const deps = createDeps({ db: server.db, clock: server.clock, config, events: bus });
  // random 0: every monitor's first run is due at once (later ones come 2 % early, still within a tick).
  const loop = createProberLoop(deps, { region: 'local', random: () => 0 });
  await loop.refresh();
  const tick = async () => {
    loop.scheduler.runDue();
    await loop.scheduler.idle();
    await loop.flush();
    server.clock.advance(INTERVAL_MS);
  };
  return { server, loop, events, tick };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function config(url: string, extra: { autoIncident?: boolean; degradedLatency?: string; kind?: 'tcp'; port?: number } = {}): HeadroomConfig {
  const monitor =
    extra.kind === 'tcp'
      ? { key: 'api-health', component: 'api', kind: 'tcp' as const, host: '127.0.0.1', port: extra.port ?? 1, interval: '30s', timeout: '2s', regions: ['local'] }
      : {
          key: 'api-health',
          component: 'api',
          kind: 'http' as const,
          url,
          interval: '30s',
          timeout: '2s',
          regions: ['local'],
          ...(extra.degradedLatency ? { degradedLatency: extra.degradedLatency } : {}),
        };
  return testConfig({
    components: [{ key: 'api', name: 'Public API', autoIncident: extra.autoIncident ?? false }],
    monitors: [monitor],
    slos: [],
  });
}

async function stateOf(server: TestServer) {
  const [state] = await server.db.orm.select().from(monitorState).where(eq(monitorState.monitorId, 'api-health'));
  const [component] = await server.db.orm.select().from(components).where(eq(components.id, 'api'));
  return { monitor: state?.status, component: component?.derivedStatus };
}

describe('built-in prober against a flapping HTTP server', () => {
  it('goes down after 3 failures in a row, up after 2 successes, and ignores single failures', async () => {
    const target = await startScriptedTarget([200, 500, 200, 500, 500, 500, 200, 500, 200, 200]);
    const { server, tick, events } = await rig(config(`${target.url}/health`));
    cleanups.push(target.close, server.close);

    const seen: { monitor: string | undefined; component: string | null | undefined }[] = [];
    for (let i = 0; i < 10; i += 1) {
      await tick();
      seen.push(await stateOf(server));
    }
    expect(seen.map((step) => step.monitor)).toEqual(['up', 'up', 'up', 'up', 'up', 'down', 'down', 'down', 'down', 'up']);
    expect(seen.map((step) => step.component)).toEqual([
      'operational',
      'operational',
      'operational',
      'operational',
      'operational',
      'major_outage',
      'major_outage',
      'major_outage',
      'major_outage',
      'operational',
    ]);
    expect(target.hits()).toBe(10);
    // Each stored result is one probe run; public.changed fired exactly on the three component changes.
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(10);
    expect(events).toEqual(['component.status', 'component.status', 'component.status']);
  });

  it('shows the monitor-derived status and per-region state through GET /api/v1/components', async () => {
    const target = await startScriptedTarget([500]);
    const { server, tick } = await rig(config(`${target.url}/health`));
    cleanups.push(target.close, server.close);
    for (let i = 0; i < 3; i += 1) await tick();
    const response = await server.request('/api/v1/components', { token: null });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      components: { key: string; status: string; source: string; dataState: string; monitors: { regions: { region: string; status: string; consecutiveFailures: number; lastError?: string }[]; lastResults: { statusCode: number }[] }[] }[];
    };
    const api = body.components.find((component) => component.key === 'api');
    expect(api).toMatchObject({ status: 'major_outage', source: 'monitors', dataState: 'fresh' });
    expect(api?.monitors[0]?.regions).toEqual([expect.objectContaining({ region: 'local', status: 'down', consecutiveFailures: 3 })]);
    // Error texts can name internal hosts: the public does not see them.
    expect(api?.monitors[0]?.regions[0]?.lastError).toBeUndefined();
    expect(api?.monitors[0]?.lastResults.map((result) => result.statusCode)).toEqual([500, 500, 500]);

    // Past page.staleAfter (10m) without new results, the data is stale (never shown as fresh).
    server.clock.advance(11 * 60_000);
    const later = (await (await server.request('/api/v1/components', { token: null })).json()) as { components: { key: string; dataState: string }[] };
    expect(later.components.find((component) => component.key === 'api')?.dataState).toBe('stale');
  });
});

describe('built-in prober against a slow server', () => {
  it('marks the monitor degraded after 3 slow answers and the component degraded_performance', async () => {
    const target = await startHttpTarget((_req, res) => {
      setTimeout(() => res.writeHead(200).end('ok'), 120);
    });
    const { server, tick } = await rig(config(`${target.url}/`, { degradedLatency: '50ms' }));
    cleanups.push(target.close, server.close);
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 3; i += 1) {
      await tick();
      seen.push((await stateOf(server)).monitor);
    }
    expect(seen).toEqual(['up', 'up', 'degraded']);
    expect((await stateOf(server)).component).toBe('degraded_performance');
  });
});

describe('built-in prober against a closed TCP port', () => {
  it('reports a major outage after 3 refused connections', async () => {
    const port = await closedPort();
    const { server, tick } = await rig(config('', { kind: 'tcp', port }));
    cleanups.push(server.close);
    for (let i = 0; i < 3; i += 1) await tick();
    expect(await stateOf(server)).toEqual({ monitor: 'down', component: 'major_outage' });
    const [last] = await server.db.orm.select().from(monitorState);
    expect(last?.lastError).toContain('ECONNREFUSED');
  });
});

describe('auto-incident on a confirmed major outage', () => {
  it('opens an investigating incident from monitoring, then proposes resolution on recovery', async () => {
    const target = await startScriptedTarget([200, 500, 500, 500, 200, 200]);
    const { server, tick, events } = await rig(config(`${target.url}/health`, { autoIncident: true }));
    cleanups.push(target.close, server.close);
    for (let i = 0; i < 4; i += 1) await tick();

    const opened = await server.db.orm.select().from(incidents);
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ status: 'investigating', source: 'monitoring', impact: 'major', drill: false });
    const [first] = await server.db.orm.select().from(incidentUpdates);
    expect(first?.body).toContain('opened automatically by monitoring');
    const statuses = await loadComponentStatuses(server.db, server.clock.now(), 600_000);
    expect(statuses.find((entry) => entry.id === 'api')).toMatchObject({ status: 'major_outage', source: 'incident' });
    expect(events).toContain('incident.monitoring');

    for (let i = 0; i < 2; i += 1) await tick();
    const updates = await server.db.orm.select().from(incidentUpdates).orderBy(incidentUpdates.createdAt);
    expect(updates).toHaveLength(2);
    expect(updates[1]?.body).toContain('propose to resolve');
    // Resolution stays a human call; the incident no longer holds the component down.
    expect((await server.db.orm.select().from(incidents))[0]?.status).toBe('investigating');
    const [link] = await server.db.orm.select().from(incidentComponents);
    expect(link?.status).toBe('operational');
    const after = await loadComponentStatuses(server.db, server.clock.now(), 600_000);
    expect(after.find((entry) => entry.id === 'api')?.status).toBe('operational');
  });

  it('opens nothing for a component without autoIncident', async () => {
    const target = await startScriptedTarget([500]);
    const { server, tick } = await rig(config(`${target.url}/health`));
    cleanups.push(target.close, server.close);
    for (let i = 0; i < 4; i += 1) await tick();
    expect((await stateOf(server)).component).toBe('major_outage');
    expect(await server.db.orm.select().from(incidents)).toHaveLength(0);
  });
});
