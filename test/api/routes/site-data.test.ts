import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { postRecentResults, seedHistory } from '../../helpers/site-fixture.ts';

interface SiteComponents {
  page: { name: string; staleAfterMs: number };
  components: {
    id: string;
    status: string | null;
    dataState: string;
    uptime: { d7: number | null; d30: number | null; d90: number | null };
    days: { date: string; uptime: number | null; incidents: number }[];
    latencyDaily: { avgMs: number | null }[];
    latencyHourly: { avgMs: number | null }[];
  }[];
}

const config = testConfig({
  components: [
    { key: 'api', name: 'API', group: 'core' },
    { key: 'web', name: 'Website' },
    { key: 'secret', name: 'Secret backend', public: false },
  ],
  monitors: [
    { key: 'api-health', component: 'api', kind: 'http', url: 'http://127.0.0.1:9/health', regions: ['eu', 'us'] },
    { key: 'web-home', component: 'web', kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] },
    { key: 'secret-tcp', component: 'secret', kind: 'tcp', host: '127.0.0.1', port: 9, regions: ['eu'] },
  ],
});

describe('GET /api/v1/site/components', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z', config });
  });
  afterEach(() => server.close());

  const get = async (path: string, token: string | null = null) => {
    const response = await server.request(path, { token });
    return { status: response.status, body: (await response.json()) as SiteComponents };
  };

  it('lists only public components to anonymous readers', async () => {
    const { status, body } = await get('/api/v1/site/components');
    expect(status).toBe(200);
    expect(body.components.map((component) => component.id)).toEqual(['api', 'web']);
    expect(body.page.staleAfterMs).toBe(600_000);
  });

  it('lists hidden components too on the internal route, which needs scope read', async () => {
    expect((await get('/api/v1/site/internal/components')).status).toBe(401);
    const { body } = await get('/api/v1/site/internal/components', await server.tokenWith('read'));
    expect(body.components.map((component) => component.id)).toEqual(['api', 'web', 'secret']);
  });

  it('sends no status and no_data for a component that never reported, and 90 empty days', async () => {
    const { body } = await get('/api/v1/site/components');
    const web = body.components.find((component) => component.id === 'web');
    expect(web).toMatchObject({ status: null, dataState: 'no_data', uptime: { d7: null, d30: null, d90: null } });
    expect(web?.days).toHaveLength(90);
    expect(web?.days.every((day) => day.uptime === null)).toBe(true);
  });

  it('sums daily uptime across regions from the rollups and reports 7/30/90-day uptime', async () => {
    await seedHistory(server.db, [{ key: 'api-health', regions: ['eu', 'us'] }], server.clock.now(), { badDays: { 2: 0.5 } });
    await postRecentResults(server, [{ key: 'api-health', regions: ['eu', 'us'] }]);
    const { body } = await get('/api/v1/site/components');
    const api = body.components.find((component) => component.id === 'api');
    expect(api?.dataState).toBe('fresh');
    expect(api?.status).toBe('operational');
    const cell = api?.days.find((day) => day.date === '2026-10-30');
    expect(cell?.uptime).toBeCloseTo(0.5);
    // 6 full days at 300 results per region, one at half, plus 3 fresh ones per region today.
    expect(api?.uptime.d7).toBeCloseTo((6 * 600 - 300 + 6) / (6 * 600 + 6));
    expect(api?.uptime.d90).toBeGreaterThan(api?.uptime.d7 ?? 1);
    expect(api?.latencyDaily.filter((point) => point.avgMs !== null).length).toBeGreaterThan(80);
    expect(api?.latencyHourly).toHaveLength(48);
  });

  it('says stale once the newest result is older than page.staleAfter', async () => {
    await postRecentResults(server, [{ key: 'api-health', regions: ['eu', 'us'] }]);
    server.clock.advance(11 * 60_000);
    const { body } = await get('/api/v1/site/components');
    expect(body.components.find((component) => component.id === 'api')?.dataState).toBe('stale');
  });

  it('counts an incident on the day cells it covers', async () => {
    const created = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name: 'Errors', impact: 'major', body: 'Looking.', components: [{ id: 'api', status: 'partial_outage' }], startedAt: '2026-10-31T20:00:00Z' },
    });
    expect(created.status).toBe(201);
    const { body } = await get('/api/v1/site/components');
    const days = body.components.find((component) => component.id === 'api')?.days ?? [];
    expect(days.slice(-3).map((day) => day.incidents)).toEqual([0, 1, 1]);
  });

  it('rejects a bad days parameter with a 422', async () => {
    expect((await server.request('/api/v1/site/components?days=0', { token: null })).status).toBe(422);
  });
});

describe('GET /api/v1/site/incidents', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z', config });
  });
  afterEach(() => server.close());

  interface Page {
    incidents: { id: string; name: string; started_at: string; postmortem_body: string | null }[];
    nextCursor: string | null;
  }
  const get = async (query: string) => {
    const response = await server.request(`/api/v1/site/incidents${query}`, { token: null });
    expect(response.status).toBe(200);
    return (await response.json()) as Page;
  };
  /** 60 incidents, one every 5 days back from 2026-10-31 (so across five months), plus a drill. */
  async function seed(): Promise<void> {
    for (let index = 0; index < 60; index += 1) {
      const startedAt = new Date(Date.parse('2026-10-31T10:00:00Z') - index * 5 * 86_400_000).toISOString();
      const response = await server.request('/api/v1/incidents', {
        method: 'POST',
        json: { name: `Incident ${index}`, impact: 'minor', body: 'x', status: 'resolved', startedAt },
      });
      expect(response.status).toBe(201);
    }
    const drill = await server.request('/api/v1/incidents', { method: 'POST', json: { name: 'Drill', impact: 'critical', body: 'x', drill: true } });
    expect(drill.status).toBe(201);
  }

  it('pages through every non-drill incident, newest first, beyond the 50 of incidents.json', async () => {
    await seed();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`?limit=25${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.incidents.map((incident) => incident.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 60 }, (_, index) => `Incident ${index}`));
    const v2 = (await (await server.request('/api/v2/incidents.json', { token: null })).json()) as { incidents: unknown[] };
    expect(v2.incidents).toHaveLength(50);
  });

  it('limits to incidents that started in [from, to)', async () => {
    await seed();
    const { incidents, nextCursor } = await get('?from=2026-09-01T00:00:00Z&to=2026-10-01T00:00:00Z');
    expect(nextCursor).toBeNull();
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidents.every((incident) => incident.started_at.startsWith('2026-09'))).toBe(true);
    // 2026-10-31 minus 7..12 × 5 days (Sep 26 … Sep 1) falls in September: six incidents.
    expect(incidents.map((incident) => incident.name)).toEqual([7, 8, 9, 10, 11, 12].map((index) => `Incident ${index}`));
  });

  it('rejects a malformed cursor and an empty range with a 422', async () => {
    expect((await server.request('/api/v1/site/incidents?cursor=bm90LWEtY3Vyc29y', { token: null })).status).toBe(422);
    expect((await server.request('/api/v1/site/incidents?cursor=a%20b', { token: null })).status).toBe(422);
    expect((await server.request('/api/v1/site/incidents?from=2026-10-01T00:00:00Z&to=2026-09-01T00:00:00Z', { token: null })).status).toBe(422);
    expect((await server.request('/api/v1/site/incidents?limit=0', { token: null })).status).toBe(422);
  });
});
