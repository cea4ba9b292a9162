import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.ts';
import { freePort, signalGroup, serverEnv, startTsx, type RunningProcess } from '../helpers/process.ts';
import { startReceiver, type TestReceiver } from '../helpers/receiver.ts';

const CONFIG = `
components:
  - { key: api, name: API }
  - { key: web, name: Website }
monitors:
  - { key: api-health, component: api, kind: tcp, host: 127.0.0.1, port: 9, regions: [eu] }
`;
const ADMIN = 'crash-updates-admin-token-0123456789abcdef';

describe('SIGKILL while several clients post incident updates', () => {
  let dir: string | undefined;
  let running: RunningProcess | undefined;
  let receiver: TestReceiver | undefined;
  afterEach(async () => {
    await running?.stop('SIGKILL');
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every update that got a 2xx exactly once, each with its webhook notice, after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-crash-updates-'));
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    receiver = await startReceiver(200);
    const port = await freePort();
    const env = serverEnv(dir, port, { HEADROOM_ADMIN_TOKEN: ADMIN, HEADROOM_OUTBOUND_ALLOW: '127.0.0.1' });
    running = startTsx('api/server.ts', [], env);
    await running.waitFor(/Headroom is up/, 90_000);
    const call = async (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await call('/api/v1/subscribers/hooks', { kind: 'webhook', url: receiver.url })).status).toBe(201);
    const incidentIds: string[] = [];
    for (const name of ['API errors', 'Slow website', 'Login failures']) {
      const opened = await call('/api/v1/incidents', { name, impact: 'minor', body: 'Investigating.', components: [{ id: 'api', status: 'degraded_performance' }] });
      expect(opened.status).toBe(201);
      incidentIds.push(((await opened.json()) as { id: string }).id);
    }

    // Each update's body carries a fresh marker, so the database and its notices can be matched to it.
    const acknowledged: { incidentId: string; marker: string }[] = [];
    let stop = false;
    const client = async (incidentId: string) => {
      while (!stop) {
        const marker = randomUUID();
        try {
          const response = await call(`/api/v1/incidents/${incidentId}/updates`, { body: `Still looking (${marker}).` });
          if (response.status === 201) acknowledged.push({ incidentId, marker });
          else if (!stop) throw new Error(`unexpected ${response.status}: ${await response.text()}`);
        } catch (error) {
          // Killed mid-request: never acknowledged, so it may or may not be stored.
          if (error instanceof Error && error.message.startsWith('unexpected')) throw error;
        }
      }
    };
    // Six concurrent clients, two per incident.
    const clients = [...incidentIds, ...incidentIds].map(client);
    const deadline = Date.now() + 25_000;
    while (acknowledged.length < 150 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    signalGroup(running.child, 'SIGKILL');
    await running.exited;
    stop = true;
    await Promise.all(clients);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);

    // Restart on the same data: start-up (migrations, sync) must succeed with everything intact.
    running = startTsx('api/server.ts', [], { ...env, PORT: String(await freePort()) });
    await running.waitFor(/Headroom is up/, 90_000);
    await running.stop('SIGTERM');

    const database = await createDb({ url: env.DATABASE_URL });
    const updates = await database.client.execute('SELECT incident_id, body FROM incident_updates');
    const notices = await database.client.execute("SELECT payload FROM outbox WHERE channel = 'webhook'");
    database.close();
    const updatesByMarker = new Map<string, string[]>();
    for (const row of updates.rows) {
      const marker = /\(([0-9a-f-]{36})\)/.exec(String(row['body']))?.[1];
      if (marker) updatesByMarker.set(marker, [...(updatesByMarker.get(marker) ?? []), String(row['incident_id'])]);
    }
    const noticesByMarker = new Map<string, number>();
    for (const row of notices.rows) {
      const payload = JSON.parse(String(row['payload'])) as { data: { id: string; body: string } };
      const marker = /\(([0-9a-f-]{36})\)/.exec(payload.data.body)?.[1];
      if (marker) noticesByMarker.set(marker, (noticesByMarker.get(marker) ?? 0) + 1);
    }
    const lost = acknowledged.filter(({ marker }) => !updatesByMarker.has(marker));
    expect(lost).toEqual([]);
    // Exactly once, on the incident it was posted to.
    expect(acknowledged.filter(({ incidentId, marker }) => JSON.stringify(updatesByMarker.get(marker)) !== JSON.stringify([incidentId]))).toEqual([]);
    // Its notice was written in the same transaction: one per update, for acknowledged and unacknowledged alike.
    expect(acknowledged.filter(({ marker }) => noticesByMarker.get(marker) !== 1)).toEqual([]);
    expect([...updatesByMarker.keys()].filter((marker) => noticesByMarker.get(marker) !== 1)).toEqual([]);
    expect([...noticesByMarker.keys()].filter((marker) => !updatesByMarker.has(marker))).toEqual([]);
  }, 180_000);
});
