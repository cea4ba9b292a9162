import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { burnAlerts, incidentComponents, incidents, incidentUpdates } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const MIN = 60_000;
const HOUR_START = Date.parse('2026-11-01T11:00:00Z');
const at = (minute: number) => new Date(HOUR_START + minute * MIN);

interface PostmortemBody {
  id: string;
  impact: { durationMs: number; components: { id: string }[]; slos: { sloId: string; badEvents: number; fourWeekEvents: number; budgetConsumed: number }[] };
  timeline: { at: string; kind: string; title: string }[];
  actionItems: unknown[];
  policy?: { needsPostmortem: boolean; flagged: boolean; sloIds: string[] };
  author: string | null;
}

describe('postmortems', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z' });
    // api-health in eu and us, one result a minute for the hour; both fail 11:10–11:19 (20 bad of 120).
    const results = Array.from({ length: 60 }, (_, minute) =>
      ['eu', 'us'].map((region) => ({
        id: randomUUID(),
        monitor: 'api-health',
        region,
        at: at(minute).toISOString(),
        ok: !(minute >= 10 && minute < 20),
        latencyMs: 100,
      })),
    ).flat();
    expect((await server.request('/api/v1/results', { method: 'POST', json: { results } })).status).toBe(200);
    await server.db.write(async (tx) => {
      await tx.insert(incidents).values({
        id: 'inc-1',
        name: 'API errors',
        status: 'resolved',
        impact: 'major',
        startedAt: at(10),
        identifiedAt: at(14),
        resolvedAt: at(20),
        createdAt: at(10),
        updatedAt: at(20),
      });
      await tx.insert(incidentComponents).values({ incidentId: 'inc-1', componentId: 'api', status: 'major_outage' });
      await tx.insert(incidentUpdates).values({ id: 'u1', incidentId: 'inc-1', status: 'investigating', body: 'Looking into errors', displayAt: at(12), createdAt: at(12) });
      await tx.insert(burnAlerts).values({
        id: 'alert-1',
        sloId: 'api-availability',
        rule: 'page-1h',
        severity: 'page',
        state: 'resolved',
        firedAt: at(13),
        resolvedAt: at(30),
        longBurnRate: 16,
        shortBurnRate: 50,
      });
    });
    const change = await server.request('/api/v1/changes', {
      method: 'POST',
      json: { service: 'api', version: 'v42', at: at(5).toISOString(), author: 'ci' },
    });
    expect(change.status).toBe(201);
  });
  afterEach(() => server.close());

  const create = async (json: Record<string, unknown> = {}) => {
    const response = await server.request('/api/v1/postmortems', { method: 'POST', json: { incidentId: 'inc-1', ...json } });
    expect(response.status).toBe(201);
    return (await response.json()) as PostmortemBody;
  };

  it('computes impact: duration, components and budget consumed per SLO over four weeks', async () => {
    const postmortem = await create({ summary: 'Bad deploy' });
    expect(postmortem.impact.durationMs).toBe(10 * MIN);
    expect(postmortem.impact.components.map((component) => component.id)).toEqual(['api']);
    // 20 bad events; the budget is 1 % of the 40 events in the four weeks up to the incident's end (11:20).
    const [slo] = postmortem.impact.slos;
    expect(slo).toMatchObject({ sloId: 'api-availability', badEvents: 20, fourWeekEvents: 40 });
    expect(slo?.budgetConsumed).toBeCloseTo(50, 9);
  });

  it('assembles the timeline from changes, status changes, alerts and updates in time order', async () => {
    const postmortem = await create();
    expect(postmortem.timeline.map((entry) => [entry.at, entry.kind])).toEqual([
      [at(5).toISOString(), 'change'],
      [at(10).toISOString(), 'status'],
      [at(12).toISOString(), 'update'],
      [at(13).toISOString(), 'alert'],
      [at(14).toISOString(), 'status'],
      [at(20).toISOString(), 'status'],
      [at(30).toISOString(), 'alert'],
    ]);
    expect(postmortem.timeline[0]?.title).toBe('Deploy: api v42');
  });

  it('flags an incident over 20 % of a four-week budget until its postmortem has a P0 action item', async () => {
    const required = async () =>
      ((await (await server.request('/api/v1/postmortems/required')).json()) as { incidents: { incidentId: string }[] }).incidents.map((i) => i.incidentId);
    expect(await required()).toEqual(['inc-1']);
    const postmortem = await create();
    expect(postmortem.policy).toMatchObject({ needsPostmortem: true, flagged: true, sloIds: ['api-availability'] });
    await server.request('/api/v1/action-items', { method: 'POST', json: { postmortemId: postmortem.id, title: 'Canary deploys', priority: 'P1' } });
    expect(await required()).toEqual(['inc-1']);
    await server.request('/api/v1/action-items', { method: 'POST', json: { postmortemId: postmortem.id, title: 'Roll back automatically', priority: 'P0', owner: 'bo' } });
    expect(await required()).toEqual([]);
    const view = (await (await server.request(`/api/v1/postmortems/${postmortem.id}`)).json()) as PostmortemBody;
    expect(view.policy?.flagged).toBe(false);
  });

  it('answers 409 for a second postmortem and 422 for an unknown incident', async () => {
    await create();
    expect((await server.request('/api/v1/postmortems', { method: 'POST', json: { incidentId: 'inc-1' } })).status).toBe(409);
    expect((await server.request('/api/v1/postmortems', { method: 'POST', json: { incidentId: 'nope' } })).status).toBe(422);
  });

  it('shows a published public postmortem without a token, without internal entries', async () => {
    const postmortem = await create({ author: 'ana', visibility: 'public' });
    expect((await server.request(`/api/v1/postmortems/${postmortem.id}`, { token: null })).status).toBe(401);
    const published = await server.request(`/api/v1/postmortems/${postmortem.id}`, { method: 'PATCH', json: { status: 'published', lessons: 'Canary first' } });
    expect(published.status).toBe(200);
    const anonymous = await server.request(`/api/v1/postmortems/${postmortem.id}`, { token: null });
    expect(anonymous.status).toBe(200);
    const view = (await anonymous.json()) as PostmortemBody;
    expect(view.author).toBeNull();
    expect(view.policy).toBeUndefined();
    expect(new Set(view.timeline.map((entry) => entry.kind))).toEqual(new Set(['status', 'update']));
  });
});
