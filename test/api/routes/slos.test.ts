import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceComponents, maintenances, probeResults } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';
const MIN = 60_000;

const config = testConfig({
  slos: [
    { key: 'avail', name: 'API availability', service: 'api', component: 'api', sli: { kind: 'availability', monitors: ['api-health'] }, target: 0.99, window: '7d' },
    {
      key: 'avail-all',
      name: 'API availability, maintenance counted',
      service: 'api',
      component: 'api',
      sli: { kind: 'availability', monitors: ['api-health'] },
      target: 0.99,
      window: '7d',
      excludeMaintenance: false,
    },
    { key: 'lat', name: 'Web latency', service: 'web', sli: { kind: 'latency', monitors: ['web-home'], threshold: '300ms' }, target: 0.95, window: '28d' },
    {
      key: 'monthly',
      name: 'Monthly in India',
      service: 'api',
      sli: { kind: 'availability', monitors: ['api-health'] },
      target: 0.9,
      window: 'month',
      timeZone: 'Asia/Kolkata',
    },
    {
      key: 'slices',
      name: 'Good 5-minute slices',
      service: 'api',
      sli: { kind: 'availability', monitors: ['api-health'] },
      target: 0.9,
      window: '1d',
      budgetingMethod: 'Timeslices',
      timeSliceTarget: 0.75,
      timeSliceWindow: '5m',
    },
    {
      key: 'ratio-slices',
      name: 'Mean of hourly ratios',
      service: 'api',
      sli: { kind: 'availability', monitors: ['api-health'] },
      target: 0.9,
      window: '1d',
      budgetingMethod: 'RatioTimeslices',
      timeSliceWindow: '1h',
    },
  ],
});

interface Evaluation {
  id: string;
  status: string;
  sli: { good: number; total: number; ratio: number | null };
  errorBudget: { total: number; consumed: number | null; remaining: number | null };
  burnRates: Record<string, number | null>;
  alerts: { name: string; firing: boolean; longBurnRate: number | null }[];
  windowStart: string;
  windowEnd: string;
}

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('GET /api/v1/slos', () => {
  let server: TestServer;
  const get = async (path: string) => {
    const response = await server.request(path);
    expect(response.status).toBe(200);
    return (await response.json()) as Evaluation;
  };

  beforeAll(async () => {
    server = await startTestServer({ now: NOW, config });
    const random = seeded(42);
    const results = [];
    // Ten days of results every 7 minutes per region, with bursts of failures and slow responses.
    for (let at = Date.parse('2026-10-22T00:03:00Z'); at < Date.parse(NOW); at += 7 * MIN) {
      for (const region of ['eu', 'us']) {
        results.push({ id: randomUUID(), monitor: 'api-health', region, at: new Date(at + 11_000).toISOString(), ok: random() > 0.08, latencyMs: 100 });
      }
      results.push({ id: randomUUID(), monitor: 'web-home', region: 'eu', at: new Date(at + 20_000).toISOString(), ok: random() > 0.03, latencyMs: Math.round(random() * 500) });
    }
    for (let start = 0; start < results.length; start += 5000) {
      const response = await server.request('/api/v1/results', { method: 'POST', json: { results: results.slice(start, start + 5000) } });
      expect(response.status).toBe(200);
    }
    // A completed maintenance of the API component, and a drill that must not be excluded.
    await server.db.write(async (tx) => {
      await tx.insert(maintenances).values([
        { id: 'm1', name: 'DB upgrade', status: 'completed', scheduledFor: new Date('2026-10-30T02:00:00Z'), scheduledUntil: new Date('2026-10-30T04:00:00Z'), startedAt: new Date('2026-10-30T02:10:30Z'), completedAt: new Date('2026-10-30T03:20:10Z'), createdAt: new Date(NOW), updatedAt: new Date(NOW) },
        { id: 'm2', name: 'Drill', status: 'completed', drill: true, scheduledFor: new Date('2026-10-31T02:00:00Z'), scheduledUntil: new Date('2026-10-31T04:00:00Z'), createdAt: new Date(NOW), updatedAt: new Date(NOW) },
      ]);
      await tx.insert(maintenanceComponents).values([{ maintenanceId: 'm1', componentId: 'api' }, { maintenanceId: 'm2', componentId: 'api' }]);
    });
  });
  afterAll(() => server.close());

  let raw: (typeof probeResults.$inferSelect)[] | undefined;
  /** The same numbers by scanning raw results: what the rollups must agree with. */
  async function rawCounts(monitor: string, from: number, to: number, classify: (row: { ok: boolean; latencyMs: number }) => boolean, exclude: [number, number][] = []) {
    raw ??= await server.db.orm.select().from(probeResults);
    const rows = raw.filter(
      (row) => row.monitorId === monitor && row.at.getTime() >= from && row.at.getTime() < to && !exclude.some(([a, b]) => row.at.getTime() >= a && row.at.getTime() < b),
    );
    return { good: rows.filter(classify).length, total: rows.length };
  }

  it('matches a raw scan for rolling windows evaluated at odd instants, excluding maintenance to the minute', async () => {
    const maintenance: [number, number][] = [[Date.parse('2026-10-30T02:10:00Z'), Date.parse('2026-10-30T03:21:00Z')]];
    for (const at of ['2026-11-01T12:00:00Z', '2026-11-01T09:37:42Z', '2026-10-31T00:00:00Z', '2026-10-30T02:45:00Z']) {
      const end = Math.floor(Date.parse(at) / MIN) * MIN;
      const avail = await get(`/api/v1/slos/avail?at=${at}`);
      const expected = await rawCounts('api-health', end - 7 * 86_400_000, end, (row) => row.ok, maintenance);
      expect(avail.sli).toMatchObject(expected);
      const all = await get(`/api/v1/slos/avail-all?at=${at}`);
      expect(all.sli).toMatchObject(await rawCounts('api-health', end - 7 * 86_400_000, end, (row) => row.ok));
      const lat = await get(`/api/v1/slos/lat?at=${at}`);
      expect(lat.sli).toMatchObject(await rawCounts('web-home', end - 28 * 86_400_000, end, (row) => row.ok && row.latencyMs <= 300));
      for (const [window, ms] of [['5m', 5 * MIN], ['30m', 30 * MIN], ['1h', 60 * MIN], ['2h', 120 * MIN], ['6h', 360 * MIN], ['1d', 1440 * MIN], ['3d', 3 * 1440 * MIN]] as const) {
        const raw = await rawCounts('api-health', end - ms, end, (row) => row.ok, maintenance);
        const expectedRate = raw.total === 0 ? null : (raw.total - raw.good) / raw.total / (1 - 0.99);
        if (expectedRate === null) expect(avail.burnRates[window]).toBeNull();
        else expect(avail.burnRates[window]).toBeCloseTo(expectedRate, 9);
      }
    }
  });

  it('reports the budget as bad / ((1 - target) x total), remaining = 1 - consumed', async () => {
    const avail = await get('/api/v1/slos/avail');
    const bad = avail.sli.total - avail.sli.good;
    expect(avail.errorBudget.total).toBeCloseTo(0.01 * avail.sli.total, 9);
    expect(avail.errorBudget.consumed).toBeCloseTo(bad / (0.01 * avail.sli.total), 9);
    expect(avail.errorBudget.remaining).toBeCloseTo(1 - bad / (0.01 * avail.sli.total), 9);
    // About 8 % failures against a 1 % budget: overspent, so remaining is negative and the SLO exhausted.
    expect(avail.errorBudget.remaining).toBeLessThan(0);
    expect(avail.status).toBe('exhausted');
  });

  it('starts a calendar month at local midnight in a non-UTC zone', async () => {
    // 1 November 00:00 in India is 31 October 18:30 UTC.
    const monthly = await get('/api/v1/slos/monthly?at=2026-11-01T12:00:00Z');
    expect(monthly.windowStart).toBe('2026-10-31T18:30:00.000Z');
    expect(monthly.sli).toMatchObject(await rawCounts('api-health', Date.parse('2026-10-31T18:30:00Z'), Date.parse('2026-11-01T12:00:00Z'), (row) => row.ok));
    const october = await get('/api/v1/slos/monthly?at=2026-10-31T18:29:00Z');
    expect(october.windowStart).toBe('2026-09-30T18:30:00.000Z');
    expect(october.sli).toMatchObject(await rawCounts('api-health', Date.parse('2026-10-22T00:00:00Z'), Date.parse('2026-10-31T18:29:00Z'), (row) => row.ok));
  });

  it('counts Timeslices as good 5-minute slices and RatioTimeslices as the mean of hourly ratios', async () => {
    const rows = (await server.db.orm.select().from(probeResults)).filter(
      (row) => row.monitorId === 'api-health' && row.at.getTime() >= Date.parse('2026-10-31T12:00:00Z') && row.at.getTime() < Date.parse(NOW),
    );
    const group = (size: number) => {
      const slices = new Map<number, { good: number; total: number }>();
      for (const row of rows) {
        const key = Math.floor(row.at.getTime() / size);
        const slice = slices.get(key) ?? { good: 0, total: 0 };
        slice.total += 1;
        slice.good += row.ok ? 1 : 0;
        slices.set(key, slice);
      }
      return [...slices.values()];
    };
    const fives = group(5 * MIN);
    const slices = await get('/api/v1/slos/slices');
    expect(slices.sli.total).toBe(fives.length);
    expect(slices.sli.good).toBe(fives.filter((slice) => slice.good / slice.total >= 0.75).length);
    const hours = group(60 * MIN);
    const ratio = await get('/api/v1/slos/ratio-slices');
    expect(ratio.sli.total).toBe(hours.length);
    expect(ratio.sli.ratio).toBeCloseTo(hours.reduce((sum, slice) => sum + slice.good / slice.total, 0) / hours.length, 9);
  });

  it('says no_data, never good, for a window without results', async () => {
    const early = await get('/api/v1/slos/avail?at=2026-10-21T00:00:00Z');
    expect(early.status).toBe('no_data');
    expect(early.sli).toEqual({ good: 0, total: 0, ratio: null });
    expect(early.errorBudget.remaining).toBeNull();
    expect(Object.values(early.burnRates).every((rate) => rate === null)).toBe(true);
  });

  it('lists every SLO with the same numbers as the single read', async () => {
    const response = await server.request('/api/v1/slos?at=2026-11-01T09:37:42Z');
    const { slos } = (await response.json()) as { slos: Evaluation[] };
    expect(slos.map((slo) => slo.id).sort()).toEqual(['avail', 'avail-all', 'lat', 'monthly', 'ratio-slices', 'slices']);
    for (const slo of slos) expect(slo).toEqual(await get(`/api/v1/slos/${slo.id}?at=2026-11-01T09:37:42Z`));
  });

  it('hides non-public SLOs from anonymous readers', async () => {
    const response = await server.request('/api/v1/slos', { token: null });
    expect(((await response.json()) as { slos: unknown[] }).slos).toEqual([]);
    expect((await server.request('/api/v1/slos/avail', { token: null })).status).toBe(404);
  });

  it('answers 404 for an unknown SLO and 422 for a bad ?at=', async () => {
    expect((await server.request('/api/v1/slos/nope')).status).toBe(404);
    const bad = await server.request('/api/v1/slos/avail?at=yesterday');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('at');
  });

  it('returns history points whose last value equals the evaluation at that instant', async () => {
    const response = await server.request('/api/v1/slos/avail/history?from=2026-10-31T12:00:00Z&to=2026-11-01T12:00:00Z&step=1h');
    expect(response.status).toBe(200);
    const history = (await response.json()) as { points: { at: string; sli: number; budgetRemaining: number; burnRate: number | null }[] };
    expect(history.points).toHaveLength(24);
    const last = history.points.at(-1);
    const now = await get('/api/v1/slos/avail');
    expect(last?.sli).toBe(now.sli.ratio);
    expect(last?.budgetRemaining).toBe(now.errorBudget.remaining);
    expect(last?.burnRate).toBe(now.burnRates['1h']);
    const tooMany = await server.request('/api/v1/slos/avail/history?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&step=1m');
    expect(tooMany.status).toBe(422);
  });
});
