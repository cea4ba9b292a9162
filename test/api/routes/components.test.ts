import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadComponentStatuses } from '../../../api/services/component-status.ts';
import { auditLog, incidentComponents, incidents, maintenanceComponents, maintenances } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';
const config = testConfig({
  components: [
    { key: 'api', name: 'API' },
    { key: 'web', name: 'Website' },
    { key: 'internal', name: 'Internal queue', public: false },
    { key: 'manual', name: 'Hand-run' },
  ],
  monitors: [
    { key: 'api-health', component: 'api', kind: 'http', url: 'http://127.0.0.1:9/health', regions: ['eu', 'us', 'ap'] },
    { key: 'web-home', component: 'web', kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] },
    { key: 'queue', component: 'internal', kind: 'tcp', host: '127.0.0.1', port: 9, regions: ['eu'] },
  ],
  slos: [],
});

interface ComponentBody {
  key: string;
  status: string;
  source: string;
  dataState: string;
  override: { status: string; reason: string | null; expiresAt: string | null; by?: string } | null;
  monitors: { key: string; regions: { region: string; status: string }[] }[];
}

describe('component status', () => {
  let server: TestServer;
  let ingest: string;
  let seconds = 0;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW, config });
    ingest = await server.tokenWith('ingest');
    seconds = 0;
  });
  afterEach(() => server.close());

  /** Posts one result per region, each a few seconds after the previous batch. */
  const probeRound = async (monitor: string, okByRegion: Record<string, boolean>) => {
    seconds += 5;
    const at = new Date(Date.parse(NOW) - 600_000 + seconds * 1000).toISOString();
    const results = Object.entries(okByRegion).map(([region, ok]) => ({ id: randomUUID(), monitor, region, at, ok, latencyMs: 80 }));
    const response = await server.request('/api/v1/results', { method: 'POST', json: { results }, token: ingest });
    expect(response.status).toBe(200);
  };
  const components = async (token: string | null = null) =>
    ((await (await server.request('/api/v1/components', { token })).json()) as { components: ComponentBody[] }).components;
  const component = async (key: string, token: string | null = null) => (await components(token)).find((entry) => entry.key === key);

  it('reports no_data (not fresh) before any result, and operational only as the default', async () => {
    expect(await component('api')).toMatchObject({ status: 'operational', source: 'none', dataState: 'no_data' });
  });

  it('ignores a region failing alone (1 of 3) and turns major_outage when 2 of 3 agree', async () => {
    for (let i = 0; i < 3; i += 1) await probeRound('api-health', { eu: false, us: true, ap: true });
    const alone = await component('api');
    expect(alone).toMatchObject({ status: 'operational', source: 'monitors', dataState: 'fresh' });
    expect(alone?.monitors[0]?.regions.map((region) => [region.region, region.status])).toEqual([
      ['eu', 'down'],
      ['us', 'up'],
      ['ap', 'up'],
    ]);
    for (let i = 0; i < 3; i += 1) await probeRound('api-health', { eu: false, us: false, ap: true });
    expect(await component('api')).toMatchObject({ status: 'major_outage', source: 'monitors' });
    for (let i = 0; i < 2; i += 1) await probeRound('api-health', { eu: true, us: true, ap: true });
    expect((await component('api'))?.status).toBe('operational');
  });

  it('lists each monitor\'s last 5 results per region, newest first, with error texts for read tokens only', async () => {
    // 7 rounds: api-health in three regions (eu failing with an error text), web-home in one.
    const posted: { monitor: string; region: string; at: string; ok: boolean }[] = [];
    for (let round = 1; round <= 7; round += 1) {
      const at = new Date(Date.parse(NOW) - 600_000 + round * 10_000).toISOString();
      const results = [
        ...['eu', 'us', 'ap'].map((region) => ({ id: randomUUID(), monitor: 'api-health', region, at, ok: region !== 'eu', latencyMs: round, ...(region === 'eu' ? { error: `timeout ${round}` } : {}) })),
        { id: randomUUID(), monitor: 'web-home', region: 'eu', at, ok: true, latencyMs: 100 + round },
      ];
      posted.push(...results);
      expect((await server.request('/api/v1/results', { method: 'POST', json: { results }, token: ingest })).status).toBe(200);
    }
    type Listed = { region: string; at: string; latencyMs: number; error?: string | null };
    const listed = async (token: string | null) => {
      const body = (await (await server.request('/api/v1/components', { token })).json()) as { components: { key: string; monitors: { key: string; lastResults: Listed[] }[] }[] };
      return new Map(body.components.flatMap((entry) => entry.monitors.map((monitor) => [monitor.key, monitor.lastResults] as const)));
    };
    const read = await server.tokenWith('read');
    const internal = await listed(read);
    const api = internal.get('api-health') ?? [];
    expect(api).toHaveLength(15);
    // Rounds 7..3 in each region, newest first, regions in configured order at equal times.
    expect(api.map((result) => `${result.region}:${result.latencyMs}`)).toEqual(
      [7, 6, 5, 4, 3].flatMap((round) => [`eu:${round}`, `us:${round}`, `ap:${round}`]),
    );
    expect(api.filter((result) => result.region === 'eu').map((result) => result.error)).toEqual(['timeout 7', 'timeout 6', 'timeout 5', 'timeout 4', 'timeout 3']);
    expect(internal.get('web-home')?.map((result) => result.latencyMs)).toEqual([107, 106, 105, 104, 103]);
    expect(internal.get('queue')).toEqual([]);
    const anonymous = await listed(null);
    expect(anonymous.get('api-health')?.every((result) => result.error === undefined)).toBe(true);
    expect(anonymous.has('queue')).toBe(false);
  });

  it('hides non-public components from anonymous readers and shows them with a read token', async () => {
    expect((await components()).map((entry) => entry.key)).toEqual(['api', 'web', 'manual']);
    const read = await server.tokenWith('read');
    expect((await components(read)).map((entry) => entry.key)).toEqual(['api', 'web', 'internal', 'manual']);
  });

  it('lets an engineer override the status until cleared, with who and why, audited', async () => {
    const writer = await server.tokenWith('write');
    const put = await server.request('/api/v1/components/web/status', {
      method: 'PUT',
      json: { status: 'partial_outage', reason: 'CDN trouble in one POP' },
      token: writer,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ status: 'partial_outage', source: 'override', override: { by: expect.stringMatching(/^token:test write:/) } });
    const anonymous = await component('web');
    expect(anonymous?.override).toEqual({ status: 'partial_outage', reason: 'CDN trouble in one POP', expiresAt: null });

    const cleared = await server.request('/api/v1/components/web/status', { method: 'DELETE', token: writer });
    expect(cleared.status).toBe(200);
    expect(await component('web')).toMatchObject({ status: 'operational', override: null });
    const actions = (await server.db.orm.select().from(auditLog)).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['component.status.override', 'component.status.clear']));
  });

  it('lets an override lapse at expiresAt', async () => {
    await server.request('/api/v1/components/web/status', {
      method: 'PUT',
      json: { status: 'major_outage', expiresAt: '2026-11-01T13:00:00Z' },
    });
    expect((await component('web'))?.status).toBe('major_outage');
    server.clock.set('2026-11-01T13:00:01Z');
    expect(await component('web')).toMatchObject({ status: 'operational', override: null });
  });

  it('validates overrides: 422 on a bad status or a past expiry, 404 on an unknown component, 401/403 without write', async () => {
    const bad = await server.request('/api/v1/components/web/status', { method: 'PUT', json: { status: 'on_fire' } });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('status');
    const past = await server.request('/api/v1/components/web/status', { method: 'PUT', json: { status: 'major_outage', expiresAt: '2026-11-01T11:00:00Z' } });
    expect(past.status).toBe(422);
    const unknown = await server.request('/api/v1/components/nope/status', { method: 'PUT', json: { status: 'major_outage' } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('component_not_found');
    expect((await server.request('/api/v1/components/web/status', { method: 'DELETE', token: null })).status).toBe(401);
    const read = await server.tokenWith('read');
    expect((await server.request('/api/v1/components/web/status', { method: 'DELETE', token: read })).status).toBe(403);
    expect(await server.db.orm.select().from(auditLog).then((rows) => rows.filter((row) => row.action.startsWith('component.')))).toHaveLength(0);
  });
});

describe('loadComponentStatuses precedence', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW, config });
  });
  afterEach(() => server.close());

  const now = () => server.clock.now();
  const addIncident = async (componentStatus: 'partial_outage' | 'major_outage', extra: { drill?: boolean; status?: 'investigating' | 'resolved' } = {}) => {
    const id = randomUUID();
    await server.db.write(async (tx) => {
      await tx.insert(incidents).values({
        id,
        name: 'Trouble',
        status: extra.status ?? 'investigating',
        impact: 'major',
        drill: extra.drill ?? false,
        startedAt: now(),
        createdAt: now(),
        updatedAt: now(),
      });
      await tx.insert(incidentComponents).values({ incidentId: id, componentId: 'web', status: componentStatus });
    });
  };
  const web = async () => (await loadComponentStatuses(server.db, now(), 600_000)).find((entry) => entry.id === 'web');

  it('takes the worst open incident status and ignores drills and resolved incidents', async () => {
    await addIncident('major_outage', { drill: true });
    await addIncident('major_outage', { status: 'resolved' });
    expect((await web())?.status).toBe('operational');
    await addIncident('partial_outage');
    expect(await web()).toMatchObject({ status: 'partial_outage', source: 'incident' });
  });

  it('shows under_maintenance during an in-progress maintenance, above incidents, below an override', async () => {
    await addIncident('major_outage');
    const id = randomUUID();
    await server.db.write(async (tx) => {
      await tx.insert(maintenances).values({
        id,
        name: 'DB upgrade',
        status: 'in_progress',
        scheduledFor: now(),
        scheduledUntil: new Date(now().getTime() + 3_600_000),
        createdAt: now(),
        updatedAt: now(),
      });
      await tx.insert(maintenanceComponents).values({ maintenanceId: id, componentId: 'web' });
    });
    expect(await web()).toMatchObject({ status: 'under_maintenance', source: 'maintenance' });
    await server.request('/api/v1/components/web/status', { method: 'PUT', json: { status: 'degraded_performance' } });
    expect(await web()).toMatchObject({ status: 'degraded_performance', source: 'override' });
  });

  it('says no_data for a component without monitors', async () => {
    const manual = (await loadComponentStatuses(server.db, now(), 600_000)).find((entry) => entry.id === 'manual');
    expect(manual).toMatchObject({ monitorCount: 0, dataState: 'no_data', lastDataAt: null });
  });
});
