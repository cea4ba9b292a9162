import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, slos } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

interface Problem {
  status: number;
  code: string;
  issues?: { path: string; message: string; code?: string }[];
}
interface Evaluation {
  id: string;
  origin: string;
  target: number;
  window: string;
  sli: { good: number; total: number; ratio: number | null };
}

/** An SLO entry exactly as it would be written under `slos:` in headroom.config.yaml. */
const checkout = {
  key: 'checkout-latency',
  name: 'Checkout latency',
  service: 'checkout',
  component: 'api',
  sli: { kind: 'latency', monitors: ['api-health'], threshold: '250ms' },
  target: 0.99,
  window: '12h',
  alerts: [{ name: 'fast', severity: 'page', longWindow: '1h', shortWindow: '5m', burnRate: 14.4 }],
  policy: { text: 'Freeze checkout releases.' },
  public: true,
};

describe('POST and PUT /api/v1/slos', () => {
  let server: TestServer;
  const rowOf = async (id: string) => (await server.db.orm.select().from(slos).where(eq(slos.id, id)))[0];
  const auditOf = async (id: string) => (await server.db.orm.select().from(auditLog).where(eq(auditLog.targetId, id))).map((row) => row.action);
  const countSlos = async () => (await server.db.orm.select().from(slos)).length;

  beforeAll(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:30Z' });
  });
  afterAll(() => server.close());

  it('creates an SLO from a config-shaped entry with origin api, audited, and answers 201 with it evaluated', async () => {
    const response = await server.request('/api/v1/slos', { method: 'POST', json: checkout });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/api/v1/slos/checkout-latency');
    const body = (await response.json()) as Evaluation;
    expect(body).toMatchObject({ id: 'checkout-latency', origin: 'api', target: 0.99, window: '12h', sli: { total: 0, ratio: null } });
    const row = await rowOf('checkout-latency');
    expect(row).toMatchObject({
      origin: 'api',
      componentId: 'api',
      sliKind: 'latency',
      sli: { monitors: ['api-health'], latencyThresholdMs: 250 },
      window: '12h',
      policy: { text: 'Freeze checkout releases.', freezeReleases: true },
      public: true,
      alertRules: [{ name: 'fast', severity: 'page', longWindow: '3600000ms', shortWindow: '300000ms', burnRate: 14.4 }],
    });
    expect(await auditOf('checkout-latency')).toEqual(['slo.create']);
    // Anonymous readers see it (public) with the same numbers.
    const read = await server.request('/api/v1/slos/checkout-latency', { token: null });
    expect(((await read.json()) as Evaluation).window).toBe('12h');
  });

  it('counts results ingested after creation in the new SLO', async () => {
    const ingest = await server.request('/api/v1/results', {
      method: 'POST',
      json: {
        results: [
          { id: randomUUID(), monitor: 'api-health', region: 'eu', at: '2026-11-01T12:00:40Z', ok: true, latencyMs: 100 },
          { id: randomUUID(), monitor: 'api-health', region: 'eu', at: '2026-11-01T12:00:50Z', ok: true, latencyMs: 900 },
        ],
      },
    });
    expect(ingest.status).toBe(200);
    server.clock.advance(60_000);
    const body = (await (await server.request('/api/v1/slos/checkout-latency')).json()) as Evaluation;
    expect(body.sli).toEqual({ good: 1, total: 2, ratio: 0.5 });
  });

  it('answers 422 naming unknown monitors and components by body path, and writes nothing', async () => {
    const before = await countSlos();
    const response = await server.request('/api/v1/slos', {
      method: 'POST',
      json: { ...checkout, key: 'bad-refs', component: 'nope', sli: { kind: 'availability', monitors: ['api-health', 'ghost'] } },
    });
    expect(response.status).toBe(422);
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe('unknown_reference');
    expect(problem.issues).toEqual([
      { path: 'sli.monitors[1]', message: 'unknown monitor "ghost"', code: 'unknown_monitor' },
      { path: 'component', message: 'unknown component "nope"', code: 'unknown_component' },
    ]);
    expect(await countSlos()).toBe(before);
    expect(await auditOf('bad-refs')).toEqual([]);
  });

  it('answers 422 with the config schema own messages for an invalid entry', async () => {
    const response = await server.request('/api/v1/slos', {
      method: 'POST',
      json: { ...checkout, key: 'Bad Key', target: 1.5, budgetingMethod: 'Timeslices', window: 'fortnight' },
    });
    expect(response.status).toBe(422);
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe('validation_failed');
    const paths = (problem.issues ?? []).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['key', 'target', 'window']));
  });

  it('refuses to create an id in use (409 slo_exists) or one the config file owns (409 slo_owned_by_config)', async () => {
    const again = await server.request('/api/v1/slos', { method: 'POST', json: checkout });
    expect(again.status).toBe(409);
    expect(((await again.json()) as Problem).code).toBe('slo_exists');
    const owned = await server.request('/api/v1/slos', { method: 'POST', json: { ...checkout, key: 'api-availability' } });
    expect(owned.status).toBe(409);
    expect(((await owned.json()) as Problem).code).toBe('slo_owned_by_config');
    expect((await rowOf('api-availability'))?.origin).toBe('config');
  });

  it('replaces an API SLO with PUT (200), keeping its id and creation time', async () => {
    const created = await rowOf('checkout-latency');
    server.clock.advance(60_000);
    const { key: _key, ...withoutKey } = checkout;
    const response = await server.request('/api/v1/slos/checkout-latency', { method: 'PUT', json: { ...withoutKey, target: 0.95, window: '7d', public: false } });
    expect(response.status).toBe(200);
    expect((await response.json()) as Evaluation).toMatchObject({ id: 'checkout-latency', target: 0.95, window: '7d' });
    const row = await rowOf('checkout-latency');
    expect(row).toMatchObject({ target: 0.95, window: '7d', public: false, origin: 'api' });
    expect(row?.createdAt.getTime()).toBe(created?.createdAt.getTime());
    expect(row?.updatedAt.getTime()).toBeGreaterThan(created?.updatedAt.getTime() ?? Number.POSITIVE_INFINITY);
    expect(await auditOf('checkout-latency')).toEqual(['slo.create', 'slo.replace']);
  });

  it('creates with PUT when the id is new (201) and refuses a body key that differs from the path', async () => {
    const created = await server.request('/api/v1/slos/web-events', {
      method: 'PUT',
      json: { name: 'Web events', service: 'web', sli: { kind: 'events' }, target: 0.999, window: 'month', timeZone: 'Europe/Berlin' },
    });
    expect(created.status).toBe(201);
    expect(await rowOf('web-events')).toMatchObject({ origin: 'api', sliKind: 'events', window: 'month', timeZone: 'Europe/Berlin' });
    const mismatch = await server.request('/api/v1/slos/web-events', { method: 'PUT', json: { ...checkout } });
    expect(mismatch.status).toBe(422);
    expect(((await mismatch.json()) as Problem).code).toBe('key_mismatch');
    const badId = await server.request('/api/v1/slos/Not%20A%20Key', { method: 'PUT', json: { name: 'x', service: 'x', sli: { kind: 'events' }, target: 0.9, window: '7d' } });
    expect(badId.status).toBe(422);
    expect(await rowOf('Not A Key')).toBeUndefined();
  });

  it('answers 409 slo_owned_by_config to PUT and DELETE of a config SLO and leaves it alone', async () => {
    const before = await rowOf('web-latency');
    const put = await server.request('/api/v1/slos/web-latency', { method: 'PUT', json: { ...checkout, key: undefined } });
    expect(put.status).toBe(409);
    expect(((await put.json()) as Problem).code).toBe('slo_owned_by_config');
    const del = await server.request('/api/v1/slos/web-latency', { method: 'DELETE' });
    expect(del.status).toBe(409);
    expect(((await del.json()) as Problem).code).toBe('slo_owned_by_config');
    expect(await rowOf('web-latency')).toEqual(before);
  });

  it('brings an archived API SLO back with PUT (201), history kept', async () => {
    expect((await server.request('/api/v1/slos/checkout-latency', { method: 'DELETE' })).status).toBe(204);
    expect((await server.request('/api/v1/slos/checkout-latency')).status).toBe(404);
    const revived = await server.request('/api/v1/slos/checkout-latency', { method: 'PUT', json: { ...checkout, window: '1d' } });
    expect(revived.status).toBe(201);
    const body = (await revived.json()) as Evaluation;
    // The two results from before the archive still count.
    expect(body.sli.total).toBe(2);
    expect((await rowOf('checkout-latency'))?.archivedAt).toBeNull();
  });

  it('refuses writes without scope write', async () => {
    const reader = await server.tokenWith('read');
    const response = await server.request('/api/v1/slos', { method: 'POST', json: { ...checkout, key: 'by-reader' }, token: reader });
    expect(response.status).toBe(403);
    expect(await rowOf('by-reader')).toBeUndefined();
  });
});

describe('GET /api/v1/slos/:id for a calendar window', () => {
  let server: TestServer;
  beforeAll(async () => {
    // 4 November 2026, 11:00:30 UTC; Berlin is on CET (+1) all November.
    server = await startTestServer({ now: '2026-11-04T11:00:30Z' });
  });
  afterAll(() => server.close());

  it('adds a projection: the share of the month gone and the month budget at the pace so far (hand-computed)', async () => {
    const put = await server.request('/api/v1/slos/orders', {
      method: 'PUT',
      json: { name: 'Orders', service: 'orders', sli: { kind: 'events' }, target: 0.99, window: 'month', timeZone: 'Europe/Berlin' },
    });
    expect(put.status).toBe(201);
    const events = await server.request('/api/v1/events', {
      method: 'POST',
      json: { events: [{ id: 'o1', slo: 'orders', at: '2026-11-02T08:00:00Z', good: 990, total: 1000 }] },
    });
    expect(events.status).toBe(200);
    const body = (await (await server.request('/api/v1/slos/orders')).json()) as {
      status: string;
      windowStart: string;
      errorBudget: { consumed: number };
      projection: Record<string, unknown> | null;
    };
    // The month so far: all of its 1 % budget (10 of 1,000) is spent.
    expect(body.windowStart).toBe('2026-10-31T23:00:00.000Z');
    expect(body.errorBudget.consumed).toBe(1);
    expect(body.status).toBe('exhausted');
    // November in Berlin runs 31 Oct 23:00Z → 30 Nov 23:00Z (720 h); at 4 Nov 11:00Z, 84 h are gone: 7/60.
    // 1,000 events in 7/60 of the month → 60,000/7 ≈ 8,571.43 expected; 1 % of it ≈ 85.71; 10 bad ones spend 7/60.
    const round = (value: number) => Number(value.toPrecision(12));
    expect(body.projection).toEqual({
      periodStart: '2026-10-31T23:00:00.000Z',
      periodEnd: '2026-11-30T23:00:00.000Z',
      elapsed: round(7 / 60),
      expectedTotal: round(60_000 / 7),
      budgetTotal: round(600 / 7),
      budgetConsumed: round(7 / 60),
      budgetRemaining: round(53 / 60),
    });
  });

  it('gives rolling windows no projection', async () => {
    const body = (await (await server.request('/api/v1/slos/api-availability')).json()) as { projection: unknown };
    expect(body.projection).toBeNull();
  });
});
