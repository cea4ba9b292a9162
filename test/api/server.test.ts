import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startTsx, type RunningProcess } from '../helpers/process.ts';

const CONFIG = `
page: { name: Test Status }
components:
  - { key: api, name: API }
monitors:
  - { key: api-health, component: api, kind: tcp, host: 127.0.0.1, port: 9, interval: 30s, timeout: 2s }
`;

async function waitForReady(url: string, timeoutMs = 90_000): Promise<number> {
  const started = Date.now();
  let status = 0;
  while (Date.now() - started < timeoutMs) {
    status = (await fetch(url)).status;
    if (status === 200) return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return status;
}

describe('npm start (api/server.ts)', () => {
  let dir: string;
  let running: RunningProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-server-'));
  });
  afterEach(async () => {
    await running?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const env = (port: number, extra: Record<string, string> = {}) => ({
    HEADROOM_CONFIG: join(dir, 'headroom.config.yaml'),
    DATABASE_URL: `file:${join(dir, 'headroom.db')}`,
    HEADROOM_DATA_DIR: dir,
    HEADROOM_PROBER: 'off',
    PORT: String(port),
    ...extra,
  });

  it('creates the database, prints the admin token once, serves /readyz and stops cleanly on SIGTERM', async () => {
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    const port = await freePort();
    running = startTsx('api/server.ts', [], env(port));
    const [, token] = await running.waitFor(/Admin token \(shown once, store it now\): (\S+)/, 90_000);
    expect(token).toMatch(/^hr_/);
    // Ready once the database is migrated and the first site build is published.
    expect(await waitForReady(`http://127.0.0.1:${port}/readyz`)).toBe(200);
    const monitors = await fetch(`http://127.0.0.1:${port}/api/v1/monitors`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await monitors.json()) as { monitors: { key: string }[] }).monitors.map((monitor) => monitor.key)).toEqual(['api-health']);
    expect(await running.stop('SIGTERM')).toBe(0);

    const port2 = await freePort();
    running = startTsx('api/server.ts', [], env(port2));
    await running.waitFor(/Admin token: already created earlier/, 90_000);
    expect(running.output()).not.toContain(token);
  });

  it('uses HEADROOM_ADMIN_TOKEN as the first admin token when given', async () => {
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    const port = await freePort();
    const chosen = 'my-operator-chosen-admin-token-0123456789';
    running = startTsx('api/server.ts', [], env(port, { HEADROOM_ADMIN_TOKEN: chosen }));
    await running.waitFor(/Headroom is up/, 90_000);
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/tokens`, { headers: { authorization: `Bearer ${chosen}` } });
    expect(response.status).toBe(200);
  });

  it('refuses to start with an invalid config, listing every problem by path', async () => {
    writeFileSync(
      join(dir, 'headroom.config.yaml'),
      CONFIG.replace('interval: 30s', 'interval: often').replace('component: api,', 'component: nope,'),
    );
    running = startTsx('api/server.ts', [], env(await freePort()));
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('monitors[0].interval: expected a duration like 30s, got "often"');
    expect(running.output()).toContain('monitors[0].component: unknown component "nope"');
  });

  it('refuses to start with a bad environment variable, naming it', async () => {
    writeFileSync(join(dir, 'headroom.config.yaml'), CONFIG);
    running = startTsx('api/server.ts', [], { ...env(0), PORT: 'not-a-port' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toContain('PORT');
  });
});
