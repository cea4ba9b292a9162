import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('rate limit on the real subscribe route', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ settings: { rateLimits: { publicReadsPerMinute: 1000, subscribePerMinute: 3, tokenWritesPerMinute: 1000 } } });
  });
  afterAll(() => server.close());

  it('answers POST /api/v1/subscribers with 429, Retry-After and a problem once the per-address limit is used up', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let index = 0; index < 5; index += 1) {
      last = await server.request('/api/v1/subscribers', { method: 'POST', json: { email: `reader${index}@example.com` }, token: null });
      statuses.push(last.status);
      if (last.status !== 429) await last.arrayBuffer();
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.headers.get('content-type')).toContain('application/problem+json');
    expect(((await last?.json()) as { code: string }).code).toBe('rate_limited');
    // Public reads have their own bucket and are not affected.
    expect((await server.request('/api/v2/status.json', { token: null })).status).toBe(200);
  });
});
