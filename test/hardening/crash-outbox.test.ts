import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.ts';
import { freePort, signalGroup, serverEnv, startTsx, type RunningProcess } from '../helpers/process.ts';

const CONFIG = `
components:
  - { key: api, name: API }
monitors:
  - { key: api-health, component: api, kind: tcp, host: 127.0.0.1, port: 9, regions: [eu] }
`;
const ADMIN = 'crash-outbox-admin-token-0123456789abcdef';
// A notice leased by the killed process is retried once its lease lapses (timeout × 3 + 30 s).
const LEASE_MS = 60_000;

/** A webhook receiver that answers the first `answerFirst` requests and holds the rest open, recording every `webhook-id`. */
async function startHoldingReceiver(answerFirst: number) {
  const answered: string[] = [];
  const held: string[] = [];
  const open = new Set<ServerResponse>();
  const state = { holding: true };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      if (state.holding && answered.length >= answerFirst) {
        held.push(id);
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      answered.push(id);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', () => ready()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answered,
    held,
    /** Requests still held open (their sender has not had an answer). */
    heldOpen: () => open.size,
    answerEverything() {
      state.holding = false;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('SIGKILL while webhook notices are being delivered', () => {
  let dir: string | undefined;
  let running: RunningProcess | undefined;
  let receiver: Awaited<ReturnType<typeof startHoldingReceiver>> | undefined;
  afterEach(async () => {
    await running?.stop('SIGKILL');
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every notice after a restart, and none that was acknowledged before the kill is sent again', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-crash-outbox-'));
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    receiver = await startHoldingReceiver(25);
    const port = await freePort();
    const env = serverEnv(dir, port, { HEADROOM_ADMIN_TOKEN: ADMIN, HEADROOM_OUTBOUND_ALLOW: '127.0.0.1' });
    running = startTsx('api/server.ts', [], env);
    await running.waitFor(/Headroom is up/, 90_000);
    const call = async (path: string, body: unknown) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return (await response.json()) as { id: string };
    };
    // Two webhook subscribers on the same receiver: every incident write makes two notices.
    await call('/api/v1/subscribers/hooks', { kind: 'webhook', url: `${receiver.url}/a` });
    await call('/api/v1/subscribers/hooks', { kind: 'webhook', url: `${receiver.url}/b` });
    const incident = await call('/api/v1/incidents', { name: 'API errors', impact: 'minor', body: 'Investigating.' });
    for (let i = 1; i < 30; i += 1) await call(`/api/v1/incidents/${incident.id}/updates`, { body: `Update ${i}.` });

    // Kill once the receiver has acknowledged some notices and holds others in flight.
    const deadline = Date.now() + 30_000;
    while ((receiver.answered.length < 25 || receiver.heldOpen() < 5) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(receiver.answered.length).toBe(25);
    expect(receiver.heldOpen()).toBeGreaterThanOrEqual(5);
    // Let the process record the acknowledged ones (it has nothing else to do meanwhile).
    await new Promise((resolve) => setTimeout(resolve, 500));
    signalGroup(running.child, 'SIGKILL');
    await running.exited;

    const killedAt = Date.now();
    const before = await createDb({ url: env.DATABASE_URL });
    const atKill = await before.client.execute("SELECT id, status FROM outbox WHERE channel = 'webhook'");
    before.close();
    const allIds = atKill.rows.map((row) => String(row['id']));
    expect(allIds).toHaveLength(60);
    const deliveredAtKill = new Set(atKill.rows.filter((row) => row['status'] === 'delivered').map((row) => String(row['id'])));
    // Every notice the receiver acknowledged is recorded as delivered; the held ones are not.
    expect([...receiver.answered].sort()).toEqual([...deliveredAtKill].sort());
    const heldAtKill = [...receiver.held];
    expect(heldAtKill.some((id) => deliveredAtKill.has(id))).toBe(false);
    const answeredBeforeRestart = receiver.answered.length;

    receiver.answerEverything();
    running = startTsx('api/server.ts', [], { ...env, PORT: String(await freePort()) });
    await running.waitFor(/Headroom is up/, 90_000);
    // The killed process's leases lapse, then the outbox worker (every 5 s) sends what is left.
    const until = killedAt + LEASE_MS + 60_000;
    while (new Set(receiver.answered).size < allIds.length && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await running.stop('SIGTERM');

    const after = await createDb({ url: env.DATABASE_URL });
    const final = await after.client.execute("SELECT id, status, attempts, next_attempt_at, last_error FROM outbox WHERE channel = 'webhook'");
    after.close();
    expect(final.rows.filter((row) => row['status'] !== 'delivered').map((row) => ({ ...row, killedAt })), running.output()).toEqual([]);
    // Every notice answered exactly once by id, and nothing but the notices.
    const answeredCount = new Map<string, number>();
    for (const id of receiver.answered) answeredCount.set(id, (answeredCount.get(id) ?? 0) + 1);
    expect([...answeredCount.keys()].sort()).toEqual([...allIds].sort());
    expect([...answeredCount].filter(([, count]) => count !== 1)).toEqual([]);
    // After the restart only what was not acknowledged went out: the held ones among them, same ids.
    const resent = receiver.answered.slice(answeredBeforeRestart);
    expect(resent.some((id) => deliveredAtKill.has(id))).toBe(false);
    expect(heldAtKill.every((id) => resent.includes(id))).toBe(true);
  }, 240_000);
});
