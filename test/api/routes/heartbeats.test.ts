import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeps } from '../../../api/app.ts';
import { checkHeartbeats, dueHeartbeatMisses } from '../../../api/services/heartbeats.ts';
import { components, heartbeatTokens, monitorState, probeResults } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const config = testConfig({
  components: [{ key: 'jobs', name: 'Batch jobs' }],
  monitors: [
    { key: 'nightly-backup', component: 'jobs', kind: 'heartbeat', interval: '60s', timeout: '10s', grace: '30s' },
    { key: 'web-home', kind: 'http', url: 'http://127.0.0.1:9/' },
  ],
  slos: [],
});

describe('heartbeat monitors', () => {
  let server: TestServer;
  let token: string;
  beforeEach(async () => {
    server = await startTestServer({ config });
    const response = await server.request('/api/v1/monitors/nightly-backup/heartbeat-token', { method: 'POST' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { token: string; url: string };
    token = body.token;
    expect(body.url).toMatch(/\/api\/v1\/heartbeats\/nightly-backup\/hb_/);
  });
  afterEach(() => server.close());

  const deps = () => createDeps({ db: server.db, clock: server.clock, config });
  const beat = (path = `/api/v1/heartbeats/nightly-backup/${token}`, init: { headers?: Record<string, string>; json?: unknown } = {}) =>
    server.request(path, { method: 'POST', token: null, ...init });
  const state = async () => {
    const [row] = await server.db.orm.select().from(monitorState).where(eq(monitorState.monitorId, 'nightly-backup'));
    const [component] = await server.db.orm.select().from(components).where(eq(components.id, 'jobs'));
    return { status: row?.status, failures: row?.consecutiveFailures, component: component?.derivedStatus };
  };

  it('stores only a hash of the token and accepts it in the path or the X-Heartbeat-Token header', async () => {
    const [stored] = await server.db.orm.select().from(heartbeatTokens);
    expect(stored?.hash).not.toContain(token);
    expect((await beat()).status).toBe(200);
    expect((await beat('/api/v1/heartbeats/nightly-backup', { headers: { 'x-heartbeat-token': token } })).status).toBe(200);
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(2);
    expect(await state()).toMatchObject({ status: 'up', component: 'operational' });
  });

  it('refuses a wrong, missing or rotated token with 401 and records nothing', async () => {
    expect((await beat('/api/v1/heartbeats/nightly-backup/hb_wrongwrongwrongwrong')).status).toBe(401);
    expect((await beat('/api/v1/heartbeats/nightly-backup')).status).toBe(401);
    expect((await beat('/api/v1/heartbeats/no-such-monitor/hb_wrongwrongwrongwrong')).status).toBe(401);
    await server.request('/api/v1/monitors/nightly-backup/heartbeat-token', { method: 'POST' });
    expect((await beat()).status).toBe(401);
    expect(await server.db.orm.select().from(probeResults)).toHaveLength(0);
  });

  it('counts a retried beat with the same id once', async () => {
    const id = '6f1c2a4e-5b7d-4c8e-9f0a-1b2c3d4e5f60';
    await beat(undefined, { json: { id, durationMs: 1234 } });
    const again = await beat(undefined, { json: { id, durationMs: 1234 } });
    expect(await again.json()).toMatchObject({ duplicate: true });
    const rows = await server.db.orm.select().from(probeResults);
    expect(rows.map((row) => row.latencyMs)).toEqual([1234]);
  });

  it('records a failed run reported by the job at once', async () => {
    await beat(undefined, { json: { ok: false, message: 'backup exited 2' } });
    const [row] = await server.db.orm.select().from(probeResults);
    expect(row).toMatchObject({ ok: false, error: 'backup exited 2' });
  });

  it('rotating a token needs admin and a heartbeat monitor', async () => {
    const writer = await server.tokenWith('write');
    expect((await server.request('/api/v1/monitors/nightly-backup/heartbeat-token', { method: 'POST', token: writer })).status).toBe(403);
    const wrongKind = await server.request('/api/v1/monitors/web-home/heartbeat-token', { method: 'POST' });
    expect(wrongKind.status).toBe(409);
    expect(((await wrongKind.json()) as { code: string }).code).toBe('not_a_heartbeat');
  });

  it('turns a heartbeat that stops into failures every interval + grace, down after 3, and up after 2 beats', async () => {
    await beat();
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      server.clock.advance(60_000 + 30_000 + 1);
      expect(await checkHeartbeats(deps())).toBe(1);
      seen.push(await state());
    }
    expect(seen).toEqual([
      { status: 'up', failures: 1, component: 'operational' },
      { status: 'up', failures: 2, component: 'operational' },
      { status: 'down', failures: 3, component: 'major_outage' },
    ]);
    // Within the grace nothing more is owed, and checking twice records a miss once.
    expect(await checkHeartbeats(deps())).toBe(0);
    await beat();
    await beat();
    expect(await state()).toMatchObject({ status: 'up', component: 'operational' });
  });

  it('gives a miss the same id in every process, so two checkers record it once', async () => {
    await beat();
    server.clock.advance(91_000);
    const first = await dueHeartbeatMisses(server.db, server.clock.now(), 0);
    const second = await dueHeartbeatMisses(server.db, server.clock.now(), 0);
    expect(first).toHaveLength(1);
    expect(second.map((miss) => miss.id)).toEqual(first.map((miss) => miss.id));
  });

  it('catches up every missed interval after a long silence', async () => {
    await beat();
    server.clock.advance(5 * 90_000 + 10);
    expect(await checkHeartbeats(deps())).toBe(5);
    expect(await state()).toMatchObject({ status: 'down', failures: 5 });
  });
});
