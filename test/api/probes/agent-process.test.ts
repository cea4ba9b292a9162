import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../../db/client.ts';
import { freePort, signalGroup, startTsx, type RunningProcess } from '../../helpers/process.ts';
import { startHttpTarget, type Target } from '../../helpers/targets.ts';

const ADMIN = 'agent-process-admin-token-0123456789abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 200 ms until it is true, failing after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('regional agent as its own process while the API is killed and restarted', () => {
  let dir: string | undefined;
  let api: RunningProcess | undefined;
  let agent: RunningProcess | undefined;
  let target: Target | undefined;
  afterEach(async () => {
    await agent?.stop('SIGKILL');
    await api?.stop('SIGKILL');
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every result it produced exactly once, including those probed while the API was down', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-agent-process-'));
    target = await startHttpTarget((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    writeFileSync(
      join(dir, 'headroom.config.yaml'),
      `
components:
  - { key: api, name: API }
monitors:
  - { key: api-health, component: api, kind: http, url: '${target.url}/health', interval: 1s, timeout: 1s, regions: [eu-west] }
  - { key: api-tcp, component: api, kind: tcp, host: 127.0.0.1, port: ${target.port}, interval: 1s, timeout: 1s, regions: [eu-west] }
  - { key: us-only, kind: tcp, host: 127.0.0.1, port: ${target.port}, interval: 1s, timeout: 1s, regions: [us-east] }
`,
    );
    // The agent keeps its API URL, so the restarted API must come back on the same port.
    const port = await freePort();
    const databaseUrl = `file:${join(dir, 'headroom.db')}`;
    const apiEnv = {
      HEADROOM_CONFIG: join(dir, 'headroom.config.yaml'),
      DATABASE_URL: databaseUrl,
      HEADROOM_DATA_DIR: join(dir, 'data'),
      HEADROOM_PROBER: 'off',
      HEADROOM_ADMIN_TOKEN: ADMIN,
      PORT: String(port),
    };
    api = startTsx('api/server.ts', [], apiEnv);
    await api.waitFor(/Headroom is up/, 60_000);
    const created = await fetch(`http://127.0.0.1:${port}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'agent eu-west', scopes: ['ingest'] }),
    });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };

    const agentDir = join(dir, 'agent');
    agent = startTsx('api/agent.ts', ['--region', 'eu-west', '--api', `http://127.0.0.1:${port}`, '--data-dir', agentDir], {
      HEADROOM_AGENT_TOKEN: token,
      LOG_LEVEL: 'info',
    });
    await agent.waitFor(/agent started/, 30_000);

    const database = await createDb({ url: databaseUrl });
    try {
      const stored = async () => Number((await database.client.execute('SELECT count(*) AS n FROM probe_results')).rows[0]?.['n']);
      await until('the first results to arrive', async () => (await stored()) >= 6, 20_000);

      // The API dies without warning, possibly in the middle of a batch.
      signalGroup(api.child, 'SIGKILL');
      await api.exited;
      const downFrom = Date.now();
      await agent.waitFor(/results kept for later/, 15_000);
      await sleep(3000);
      const downUntil = Date.now();

      api = startTsx('api/server.ts', [], apiEnv);
      await api.waitFor(/Headroom is up/, 60_000);
      // Flush back-off after two or three failures is at most 16 s; then let it settle and stop the agent gracefully.
      await until('results probed during the outage to arrive', async () => {
        const rows = await database.client.execute({ sql: 'SELECT count(*) AS n FROM probe_results WHERE at >= ? AND at <= ?', args: [downFrom, downUntil] });
        return Number(rows.rows[0]?.['n']) >= 4;
      }, 25_000);
      await agent.stop('SIGTERM');
      expect(agent.output()).toMatch(/agent stopped/);

      // Everything the agent ever produced is in its buffer's log (no compaction below 10,000 lines).
      const bufferDir = join(agentDir, 'buffer');
      const logs = readdirSync(bufferDir).filter((name) => /^results-\d+\.jsonl$/.test(name));
      expect(logs).toEqual(['results-0.jsonl']);
      const produced = readFileSync(join(bufferDir, 'results-0.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { id: string; monitor: string; region: string; at: string });
      // Nothing left unsent: the graceful stop flushed to the restarted API.
      const state = JSON.parse(readFileSync(join(bufferDir, 'state.json'), 'utf8')) as { offset: number; dropped: number };
      expect(state).toMatchObject({ offset: produced.length, dropped: 0 });
      expect(existsSync(join(agentDir, 'monitors.json'))).toBe(true);

      const rows = await database.client.execute('SELECT id, monitor_id, region, at FROM probe_results');
      const inDb = new Map(rows.rows.map((row) => [String(row['id']), row]));
      expect(produced.filter((result) => !inDb.has(result.id))).toEqual([]);
      expect(rows.rows.length).toBe(produced.length);
      expect(new Set(produced.map((result) => result.id)).size).toBe(produced.length);
      // Only this region's monitors, with their probe times intact.
      expect(new Set(produced.map((result) => `${result.monitor}/${result.region}`))).toEqual(new Set(['api-health/eu-west', 'api-tcp/eu-west']));
      for (const result of produced) expect(Number(inDb.get(result.id)?.['at'])).toBe(Date.parse(result.at));
      // Counted once in the rollups too (a resent batch after a lost answer is a duplicate, not new data).
      const rollup = await database.client.execute("SELECT sum(total) AS n FROM rollups_day WHERE series LIKE 'monitor:%'");
      expect(Number(rollup.rows[0]?.['n'])).toBe(produced.length);
      expect(produced.some((result) => Date.parse(result.at) >= downFrom && Date.parse(result.at) <= downUntil)).toBe(true);
    } finally {
      database.close();
    }
  }, 90_000);
});
