import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../api/app.ts';
import { syncConfig } from '../../../api/config/sync.ts';
import { ManualClock } from '../../../api/lib/clock.ts';
import { silentLogger } from '../../../api/lib/logger.ts';
import { ProbeAgent } from '../../../api/probes/agent.ts';
import { createToken } from '../../../api/services/tokens.ts';
import { monitorState, probeResults } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';
import { startScriptedTarget, type Target } from '../../helpers/targets.ts';

const INTERVAL_MS = 30_000;

describe('regional agent (npm run agent)', () => {
  let db: TempDatabase;
  let clock: ManualClock;
  let target: Target;
  let dataDir: string;
  let token: string;
  let api: Server | undefined;
  let port = 0;
  const config = () =>
    testConfig({
      components: [{ key: 'api', name: 'API' }],
      monitors: [
        { key: 'api-health', component: 'api', kind: 'http', url: `${target.url}/health`, interval: '30s', timeout: '2s', regions: ['eu-west', 'us-east'] },
        { key: 'api-tcp', component: 'api', kind: 'tcp', host: '127.0.0.1', port: target.port, interval: '30s', timeout: '2s', regions: ['eu-west'] },
        { key: 'us-only', kind: 'tcp', host: '127.0.0.1', port: target.port, interval: '30s', timeout: '2s', regions: ['us-east'] },
      ],
      slos: [],
    });

  /** The API on a fixed port (the agent keeps its URL), over the same database each time. */
  const startApi = async () => {
    const app = createApp({ db, clock, config: config() });
    api = await new Promise<Server>((ready) => {
      const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => ready(server as Server));
    });
    port = (api.address() as AddressInfo).port;
  };
  const stopApi = async () => {
    const server = api;
    api = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };

  beforeEach(async () => {
    target = await startScriptedTarget([200]);
    db = await createTempDb();
    clock = new ManualClock('2026-11-01T12:00:00Z');
    await syncConfig(db, config(), clock.now());
    token = (await db.write((tx) => createToken(tx, { name: 'agent eu-west', scopes: ['ingest'], createdBy: null, now: clock.now() }))).token;
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-agent-'));
    port = 0;
    await startApi();
  });
  afterEach(async () => {
    await stopApi();
    await target.close();
    db.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const newAgent = () =>
    new ProbeAgent({ region: 'eu-west', apiUrl: `http://127.0.0.1:${port}`, token, dataDir, logger: silentLogger, clock, random: () => 0 });
  const round = async (agent: ProbeAgent) => {
    agent.scheduler.runDue();
    await agent.scheduler.idle();
    clock.advance(INTERVAL_MS);
  };

  it('probes only the monitors listing its region and pushes the results', async () => {
    const agent = newAgent();
    expect(await agent.refresh()).toBe(2);
    await round(agent);
    expect(await agent.flush()).toEqual({ sent: 2, rejected: 0 });
    const rows = await db.orm.select().from(probeResults);
    expect(rows.map((row) => [row.monitorId, row.region]).sort()).toEqual([
      ['api-health', 'eu-west'],
      ['api-tcp', 'eu-west'],
    ]);
    // Pushed results drive the same monitor state as in-process ones.
    expect((await db.orm.select().from(monitorState)).map((row) => row.status)).toEqual(['up', 'up']);
    expect(agent.buffer.size).toBe(0);
  });

  it('keeps results on disk while the API is down, across its own restart, and delivers each exactly once', async () => {
    const agent = newAgent();
    await agent.refresh();
    await round(agent);
    await round(agent);
    expect((await agent.flush()).sent).toBe(4);

    await stopApi();
    await round(agent);
    await round(agent);
    const failed = await agent.flush();
    expect(failed.sent).toBe(0);
    expect(failed.error).toMatch(/^API unreachable/);
    expect(agent.buffer.size).toBe(4);
    await agent.scheduler.stop();

    // The agent restarts during the outage: the buffer and the last known monitors survive on disk.
    const restarted = newAgent();
    expect(restarted.buffer.size).toBe(4);
    expect(await restarted.refresh()).toBe(2);
    await round(restarted);
    expect(restarted.buffer.size).toBe(6);
    const waiting = restarted.buffer.peek(100).map((result) => result.id);

    await startApi();
    expect(await restarted.flush()).toEqual({ sent: 6, rejected: 0 });
    expect(restarted.buffer.size).toBe(0);
    const rows = await db.orm.select().from(probeResults);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((row) => row.id)).size).toBe(10);
    for (const id of waiting) expect(rows.some((row) => row.id === id)).toBe(true);
    // Results keep the time they were probed at, not the time they arrived.
    const times = [...new Set(rows.map((row) => row.at.toISOString()))].sort();
    expect(times).toEqual(['2026-11-01T12:00:00.000Z', '2026-11-01T12:00:30.000Z', '2026-11-01T12:01:00.000Z', '2026-11-01T12:01:30.000Z', '2026-11-01T12:02:00.000Z']);
  });

  it('counts a batch resent after a lost answer once', async () => {
    const agent = newAgent();
    await agent.refresh();
    await round(agent);
    const batch = agent.buffer.peek(100);
    await agent.flush();
    // The answer was "lost": the same results (same ids) arrive again.
    const again = await fetch(`http://127.0.0.1:${port}/api/v1/results`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ results: batch }),
    });
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(await db.orm.select().from(probeResults)).toHaveLength(2);
  });

  it('drops only the results the API rejects (a monitor removed meanwhile) and delivers the rest', async () => {
    const agent = newAgent();
    await agent.refresh();
    await round(agent);
    // The config drops api-tcp while its result waits in the buffer.
    const trimmed = testConfig({
      components: [{ key: 'api', name: 'API' }],
      monitors: [{ key: 'api-health', component: 'api', kind: 'http', url: `${target.url}/health`, regions: ['eu-west'] }],
      slos: [],
    });
    await syncConfig(db, trimmed, clock.now());
    expect(await agent.flush()).toEqual({ sent: 1, rejected: 1 });
    expect(agent.buffer.size).toBe(0);
    expect((await db.orm.select().from(probeResults)).map((row) => row.monitorId)).toEqual(['api-health']);
  });

  it('bounds the buffer, dropping the oldest results and counting them', async () => {
    await stopApi();
    const agent = new ProbeAgent({ region: 'eu-west', apiUrl: `http://127.0.0.1:${port}`, token, dataDir, logger: silentLogger, clock, random: () => 0, maxBuffered: 3 });
    await expect(agent.refresh()).rejects.toThrow();
    agent.scheduler.setTargets([
      { key: 'api-tcp', kind: 'tcp', intervalMs: INTERVAL_MS, timeoutMs: 2000, regions: ['eu-west'], settings: { host: '127.0.0.1', port: target.port } },
    ]);
    for (let i = 0; i < 5; i += 1) await round(agent);
    expect(agent.buffer.size).toBe(3);
    expect(agent.buffer.dropped).toBe(2);
    expect(agent.buffer.peek(3).map((result) => result.at)).toEqual(['2026-11-01T12:01:00.000Z', '2026-11-01T12:01:30.000Z', '2026-11-01T12:02:00.000Z']);
  });
});
