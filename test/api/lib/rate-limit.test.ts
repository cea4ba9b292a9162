import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

describe('rate limits', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({
      settings: { rateLimits: { publicReadsPerMinute: 3, subscribePerMinute: 2, tokenWritesPerMinute: 2 } },
    });
  });
  afterEach(() => server.close());

  it('answer public reads over the limit with 429, Retry-After and a problem', async () => {
    for (let i = 0; i < 3; i += 1) expect((await server.request('/api/v1/openapi.json', { token: null })).status).toBe(200);
    const limited = await server.request('/api/v1/openapi.json', { token: null });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(((await limited.json()) as { code: string }).code).toBe('rate_limited');
  });

  it('do not count token-authenticated reads against the public bucket', async () => {
    for (let i = 0; i < 5; i += 1) expect((await server.request('/api/v1/openapi.json')).status).toBe(200);
  });

  it('limit writes per token', async () => {
    const create = (token?: string) =>
      server.request('/api/v1/tokens', { method: 'POST', json: { name: 'x', scopes: ['read'] }, ...(token ? { token } : {}) });
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(429);
  });
});
