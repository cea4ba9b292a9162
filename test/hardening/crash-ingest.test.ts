import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.ts';
import { freePort, signalGroup, serverEnv, startTsx, type RunningProcess } from '../helpers/process.ts';

const CONFIG = `
components:
  - { key: api, name: API }
monitors:
  - { key: api-health, component: api, kind: tcp, host: 127.0.0.1, port: 9, regions: [eu, us, ap] }
`;
const ADMIN = 'crash-test-admin-token-0123456789abcdef';

describe('SIGKILL during sustained ingest', () => {
  let dir: string | undefined;
  let running: RunningProcess | undefined;
  afterEach(async () => {
    await running?.stop('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every result that got a 2xx, exactly once, after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-crash-'));
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    const port = await freePort();
    const env = serverEnv(dir, port, { HEADROOM_ADMIN_TOKEN: ADMIN });
    running = startTsx('api/server.ts', [], env);
    await running.waitFor(/Headroom is up/, 90_000);

    const acknowledged: string[] = [];
    let stop = false;
    const client = async (region: string) => {
      while (!stop) {
        const results = Array.from({ length: 200 }, () => ({
          id: randomUUID(),
          monitor: 'api-health',
          region,
          at: new Date(Date.now() - Math.floor(Math.random() * 3_600_000)).toISOString(),
          ok: Math.random() > 0.1,
          latencyMs: Math.round(Math.random() * 500),
        }));
        try {
          const response = await fetch(`http://127.0.0.1:${port}/api/v1/results`, {
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
            body: JSON.stringify({ results }),
          });
          if (response.ok) {
            const body = (await response.json()) as { accepted: number };
            expect(body.accepted).toBe(200);
            acknowledged.push(...results.map((result) => result.id));
          }
        } catch {
          // The server died mid-request: this batch was never acknowledged, so it may or may not be stored.
        }
      }
    };
    const clients = ['eu', 'us', 'ap'].map(client);
    const deadline = Date.now() + 20_000;
    while (acknowledged.length < 3000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    signalGroup(running.child, 'SIGKILL');
    await running.exited;
    stop = true;
    await Promise.all(clients);
    expect(acknowledged.length).toBeGreaterThanOrEqual(3000);

    // Restart on the same file: start-up must succeed (migrations, sync) with the data intact.
    running = startTsx('api/server.ts', [], { ...env, PORT: String(await freePort()) });
    await running.waitFor(/Headroom is up/, 90_000);
    await running.stop('SIGTERM');

    const database = await createDb({ url: env.DATABASE_URL });
    const stored = new Map<string, number>();
    const rows = await database.client.execute('SELECT id, count(*) AS n FROM probe_results GROUP BY id');
    for (const row of rows.rows) stored.set(String(row['id']), Number(row['n']));
    const rollup = await database.client.execute("SELECT sum(total) AS n FROM rollups_day WHERE series LIKE 'monitor:%'");
    const raw = await database.client.execute('SELECT count(*) AS n FROM probe_results');
    database.close();
    const missing = acknowledged.filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect([...stored.values()].every((count) => count === 1)).toBe(true);
    // Rollups were written in the same transactions as the raw rows, so they agree exactly.
    expect(Number(rollup.rows[0]?.['n'])).toBe(Number(raw.rows[0]?.['n']));
  }, 180_000);
});
