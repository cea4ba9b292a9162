import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createApp, type CreateAppOptions } from '../../api/app.ts';
import { syncConfig } from '../../api/config/sync.ts';
import { ManualClock } from '../../api/lib/clock.ts';
import { ensureAdminToken } from '../../api/services/tokens.ts';
import type { TokenScope } from '../../db/schema/security.ts';
import { testConfig } from './config.ts';
import { createTempDb, type TempDatabase } from './temp-db.ts';

export interface TestServer {
  baseUrl: string;
  db: TempDatabase;
  clock: ManualClock;
  adminToken: string;
  /** fetch against the server with JSON in and the admin token unless told otherwise. */
  request(path: string, init?: RequestInit & { json?: unknown; token?: string | null }): Promise<Response>;
  /** Creates a token with the given scopes through the API and returns its secret. */
  tokenWith(...scopes: TokenScope[]): Promise<string>;
  close(): Promise<void>;
}

/** The real app on a fresh libSQL file, served over real HTTP on 127.0.0.1 with an injected clock. */
export async function startTestServer(
  options: Partial<Omit<CreateAppOptions, 'db' | 'clock'>> & { now?: string | Date } = {},
): Promise<TestServer> {
  const db = await createTempDb();
  const clock = new ManualClock(options.now ?? '2026-11-01T12:00:00Z');
  const config = options.config ?? testConfig();
  await syncConfig(db, config, clock.now());
  const adminToken = (await ensureAdminToken(db, clock.now())) ?? '';
  const app = createApp({ ...options, db, clock, config });
  const server: ServerType = await new Promise((ready) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(listening));
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const request: TestServer['request'] = (path, init = {}) => {
    const { json, token, ...rest } = init;
    const headers = new Headers(rest.headers);
    const bearer = token === undefined ? adminToken : token;
    if (bearer) headers.set('authorization', `Bearer ${bearer}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${baseUrl}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  };
  return {
    baseUrl,
    db,
    clock,
    adminToken,
    request,
    async tokenWith(...scopes) {
      const response = await request('/api/v1/tokens', { method: 'POST', json: { name: `test ${scopes.join('+')}`, scopes } });
      const body = (await response.json()) as { token: string };
      return body.token;
    },
    async close() {
      await new Promise<void>((done) => server.close(() => done()));
      db.destroy();
    },
  };
}
