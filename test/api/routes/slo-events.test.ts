import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollupsMinute, sloEvents } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';
const config = testConfig({
  slos: [
    {
      key: 'checkout',
      name: 'Checkout succeeds',
      service: 'checkout',
      sli: { kind: 'events' },
      target: 0.99,
      window: '30d',
      policy: { text: 'Freeze checkout releases; fix reliability first.', freezeReleases: true },
    },
    { key: 'search', name: 'Search succeeds', service: 'checkout', sli: { kind: 'events' }, target: 0.9, window: '30d' },
    { key: 'api', name: 'API', service: 'api', sli: { kind: 'availability', monitors: ['api-health'] }, target: 0.99, window: '30d' },
  ],
});

describe('POST /api/v1/events and GET /api/v1/release-gate', () => {
  let server: TestServer;
  let ingest: string;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW, config });
    ingest = await server.tokenWith('ingest');
  });
  afterEach(() => server.close());

  const post = (json: unknown) => server.request('/api/v1/events', { method: 'POST', json, token: ingest });
  const gate = async (service: string) => {
    const response = await server.request(`/api/v1/release-gate?service=${service}`);
    return { status: response.status, body: (await response.json()) as { decision: string; allow: boolean; reasons: { slo: string; policy: string }[] } };
  };

  it('adds pushed events to the SLI and ignores a replay with the same id', async () => {
    const batch = {
      events: [
        { id: 'e1', slo: 'checkout', at: '2026-11-01T11:00:00Z', good: 995, total: 1000 },
        { id: 'e2', slo: 'checkout', at: '2026-11-01T11:30:00Z', good: 500, total: 500 },
      ],
    };
    expect(await (await post(batch)).json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(await (await post(batch)).json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(await (await post({ id: 'e1', slo: 'checkout', at: '2026-11-01T11:00:00Z', good: 995, total: 1000 })).json()).toEqual({ accepted: 0, duplicates: 1 });
    const slo = (await (await server.request('/api/v1/slos/checkout')).json()) as { sli: unknown; errorBudget: { consumed: number } };
    expect(slo.sli).toEqual({ good: 1495, total: 1500, ratio: Number((1495 / 1500).toPrecision(12)) });
    // 5 bad of a 1 % budget of 1500 (15 events): one third spent.
    expect(slo.errorBudget.consumed).toBeCloseTo(1 / 3, 10);
    expect(await server.db.orm.select().from(sloEvents)).toHaveLength(2);
    const minutes = (await server.db.orm.select().from(rollupsMinute)).filter((row) => row.series === 'slo:checkout');
    expect(minutes.reduce((sum, row) => sum + row.total, 0)).toBe(1500);
  });

  it('rejects the whole batch, writing nothing, for good > total, an unknown SLO or a probe-fed SLO', async () => {
    const response = await post({
      events: [
        { id: 'a', slo: 'checkout', at: '2026-11-01T11:00:00Z', good: 1, total: 1 },
        { id: 'b', slo: 'checkout', at: '2026-11-01T11:00:00Z', good: 2, total: 1 },
      ],
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('events[1].good');
    const unknown = await post({ events: [{ id: 'c', slo: 'nope', at: '2026-11-01T11:00:00Z', good: 1, total: 1 }, { id: 'd', slo: 'api', at: '2026-11-01T11:00:00Z', good: 1, total: 1 }] });
    expect(unknown.status).toBe(422);
    const problem = (await unknown.json()) as { code: string; issues: { path: string; code: string }[] };
    expect(problem.code).toBe('invalid_events');
    expect(problem.issues.map((issue) => issue.code)).toEqual(['unknown_slo', 'not_events_sli']);
    expect(await server.db.orm.select().from(sloEvents)).toHaveLength(0);
    expect((await server.request('/api/v1/events', { method: 'POST', json: { id: 'x', slo: 'checkout', at: NOW, good: 1, total: 1 }, token: null })).status).toBe(401);
  });

  it('allows releases while the budget lasts and denies them, with the policy as reason, once it is spent', async () => {
    await post({ id: 'ok', slo: 'checkout', at: '2026-11-01T10:00:00Z', good: 999, total: 1000 });
    expect((await gate('checkout')).body).toMatchObject({ decision: 'allow', allow: true, reasons: [] });
    // 20 more bad events: 21 bad of 2,000 against a budget of 20 — spent.
    await post({ id: 'bad', slo: 'checkout', at: '2026-11-01T11:00:00Z', good: 980, total: 1000 });
    const denied = await gate('checkout');
    expect(denied.status).toBe(200);
    expect(denied.body.decision).toBe('deny');
    expect(denied.body.reasons).toMatchObject([{ slo: 'checkout', policy: 'Freeze checkout releases; fix reliability first.' }]);
  });

  it('does not deny for an exhausted SLO whose policy does not freeze releases, and 404s an unknown service', async () => {
    await post({ id: 's', slo: 'search', at: '2026-11-01T11:00:00Z', good: 0, total: 100 });
    expect((await gate('checkout')).body.decision).toBe('allow');
    expect((await gate('nobody')).status).toBe(404);
    expect((await server.request('/api/v1/release-gate?service=checkout', { token: null })).status).toBe(401);
  });
});
