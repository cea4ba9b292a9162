import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rollupsDay, rollupsHour, rollupsMinute, probeResults, auditLog } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';

function result(overrides: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    monitor: 'api-health',
    region: 'eu',
    at: '2026-11-01T11:59:30Z',
    ok: true,
    latencyMs: 120,
    statusCode: 200,
    ...overrides,
  };
}

describe('POST /api/v1/results', () => {
  let server: TestServer;
  let ingestToken: string;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW });
    ingestToken = await server.tokenWith('ingest');
  });
  afterEach(() => server.close());

  const post = (results: unknown[], token: string | null = ingestToken) =>
    server.request('/api/v1/results', { method: 'POST', json: { results }, token });

  it('stores a batch and reports how many were accepted', async () => {
    const response = await post([result(), result({ ok: false, latencyMs: 5000, statusCode: 500 })]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(2);
  });

  it('adds nothing when the same batch is replayed', async () => {
    const batch = [result(), result(), result()];
    await post(batch);
    const replay = await post(batch);
    expect(await replay.json()).toEqual({ accepted: 0, duplicates: 3 });
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(3);
    const [minute] = await server.db.orm.select().from(rollupsMinute);
    expect(minute?.total).toBe(3);
  });

  it('counts an id repeated inside one batch once', async () => {
    const one = result();
    const response = await post([one, { ...one }]);
    expect(await response.json()).toEqual({ accepted: 1, duplicates: 1 });
  });

  it('rejects the whole batch with a 422 naming the index when one item is bad, and writes nothing', async () => {
    const response = await post([result(), result({ latencyMs: -1 })]);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; issues: { path: string }[] };
    expect(problem.code).toBe('validation_failed');
    expect(problem.issues[0]?.path).toBe('results[1].latencyMs');
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(0);
  });

  it('rejects unknown monitors, unprobed regions, future and too-old times by index', async () => {
    const response = await post([
      result(),
      result({ monitor: 'nope' }),
      result({ region: 'mars' }),
      result({ at: '2026-11-01T12:06:00Z' }),
      result({ at: '2026-09-01T00:00:00Z' }),
    ]);
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { code: string; issues: { path: string; code: string }[] };
    expect(problem.code).toBe('invalid_results');
    expect(problem.issues.map((issue) => [issue.path, issue.code])).toEqual([
      ['results[1].monitor', 'unknown_monitor'],
      ['results[2].region', 'unknown_region'],
      ['results[3].at', 'in_future'],
      ['results[4].at', 'too_old'],
    ]);
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(0);
  });

  it('accepts a result 4 minutes ahead of the clock (agent clock skew)', async () => {
    const response = await post([result({ at: '2026-11-01T12:04:00Z' })]);
    expect(response.status).toBe(200);
  });

  it('rejects an empty batch and a batch over 5,000', async () => {
    expect((await post([])).status).toBe(422);
    const tooMany = Array.from({ length: 5001 }, () => result());
    expect((await post(tooMany)).status).toBe(422);
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const response = await server.request('/api/v1/results', {
      method: 'POST',
      body: '{"results": [',
      headers: { 'content-type': 'application/json' },
      token: ingestToken,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('malformed_request');
  });

  it('needs a token with scope ingest', async () => {
    expect((await post([result()], null)).status).toBe(401);
    const readToken = await server.tokenWith('read');
    expect((await post([result()], readToken)).status).toBe(403);
  });

  it('keeps rollups equal to what the raw rows say, at every resolution', async () => {
    const batch = Array.from({ length: 300 }, (_, index) =>
      result({
        at: new Date(Date.parse('2026-11-01T09:00:00Z') + index * 37_000).toISOString(),
        ok: index % 7 !== 0,
        latencyMs: (index * 13) % 900,
        region: index % 2 === 0 ? 'eu' : 'us',
      }),
    );
    await post(batch.slice(0, 150));
    await post(batch.slice(100));
    const raw = await server.db.orm.select().from(probeResults);
    expect(raw).toHaveLength(300);
    for (const table of [rollupsMinute, rollupsHour, rollupsDay]) {
      const rows = (await server.db.orm.select().from(table)).filter((row) => row.series.startsWith('monitor:'));
      for (const region of ['eu', 'us']) {
        const series = rows.filter((row) => row.series === `monitor:api-health:${region}`);
        const rawRegion = raw.filter((row) => row.region === region);
        expect(series.reduce((sum, row) => sum + row.total, 0)).toBe(rawRegion.length);
        expect(series.reduce((sum, row) => sum + row.good, 0)).toBe(rawRegion.filter((row) => row.ok).length);
        expect(series.reduce((sum, row) => sum + row.latencySum, 0)).toBeCloseTo(rawRegion.reduce((sum, row) => sum + row.latencyMs, 0));
        expect(Math.max(...series.map((row) => row.latencyMax))).toBe(Math.max(...rawRegion.map((row) => row.latencyMs)));
      }
    }
  });

  it('classifies results into the SLOs their monitor feeds', async () => {
    await post([
      result({ monitor: 'web-home', latencyMs: 100 }),
      result({ monitor: 'web-home', latencyMs: 400 }),
      result({ monitor: 'web-home', ok: false, latencyMs: 50 }),
      result({ ok: false }),
    ]);
    const rows = await server.db.orm.select().from(rollupsDay);
    const web = rows.find((row) => row.series === 'slo:web-latency');
    const api = rows.find((row) => row.series === 'slo:api-availability');
    expect([web?.good, web?.total]).toEqual([1, 3]);
    expect([api?.good, api?.total]).toEqual([0, 1]);
  });

  it('records the batch in the audit log', async () => {
    await post([result()]);
    const entries = await server.db.orm.select().from(auditLog);
    expect(entries.map((entry) => entry.action)).toContain('results.ingest');
    expect(entries.find((entry) => entry.action === 'results.ingest')?.actor).toMatch(/^token:test ingest:/);
  });
});
