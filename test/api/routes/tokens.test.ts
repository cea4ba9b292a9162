import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiTokens } from '../../../db/schema/security.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

describe('API tokens', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  it('creates a token whose secret is returned once and stored only as a hash', async () => {
    const response = await server.request('/api/v1/tokens', { method: 'POST', json: { name: 'ci', scopes: ['ingest'] } });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; token: string; scopes: string[] };
    expect(created.token).toMatch(/^hr_[A-Za-z0-9]{8}_/);
    const rows = await server.db.orm.select().from(apiTokens);
    const stored = rows.find((row) => row.id === created.id);
    expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(created.token);
    const list = (await (await server.request('/api/v1/tokens')).json()) as { tokens: Record<string, unknown>[] };
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect(list.tokens.map((token) => token['name'])).toContain('ci');
  });

  it('answers 401 without a token, with an unknown token, and with a malformed header', async () => {
    expect((await server.request('/api/v1/tokens', { token: null })).status).toBe(401);
    expect((await server.request('/api/v1/tokens', { token: 'hr_aaaaaaaa_notarealtokenatallnotarealtokenatall12345' })).status).toBe(401);
    const basic = await fetch(`${server.baseUrl}/api/v1/tokens`, { headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    expect(basic.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('answers 403 when the token lacks the scope, and lets admin do everything', async () => {
    const write = await server.tokenWith('write');
    const forbidden = await server.request('/api/v1/tokens', { token: write });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { code: string }).code).toBe('forbidden');
    const ingest = await server.tokenWith('ingest');
    expect((await server.request('/api/v1/monitors', { token: ingest })).status).toBe(200);
    const read = await server.tokenWith('read');
    expect((await server.request('/api/v1/monitors', { token: read })).status).toBe(200);
    expect((await server.request('/api/v1/monitors', { token: write })).status).toBe(403);
    expect((await server.request('/api/v1/monitors')).status).toBe(200);
  });

  it('revokes a token so it stops working at once', async () => {
    const response = await server.request('/api/v1/tokens', { method: 'POST', json: { name: 'temp', scopes: ['read'] } });
    const created = (await response.json()) as { id: string; token: string };
    expect((await server.request('/api/v1/monitors', { token: created.token })).status).toBe(200);
    const revoked = await server.request(`/api/v1/tokens/${created.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect(((await revoked.json()) as { revokedAt: string | null }).revokedAt).not.toBeNull();
    expect((await server.request('/api/v1/monitors', { token: created.token })).status).toBe(401);
  });

  it('answers 404 for revoking an unknown token and 422 for an invalid scope', async () => {
    expect((await server.request('/api/v1/tokens/nope', { method: 'DELETE' })).status).toBe(404);
    const bad = await server.request('/api/v1/tokens', { method: 'POST', json: { name: 'x', scopes: ['root'] } });
    expect(bad.status).toBe(422);
    const problem = (await bad.json()) as { issues: { path: string }[] };
    expect(problem.issues[0]?.path).toBe('scopes[0]');
  });
});
