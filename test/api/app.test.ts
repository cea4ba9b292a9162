import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('the API app', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ settings: { bodyLimitBytes: 10_000 } });
  });
  afterEach(() => server.close());

  it('answers /healthz and /readyz', async () => {
    expect(await (await server.request('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await server.request('/readyz');
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe('ready');
  });

  it('answers unknown routes with a 404 problem', async () => {
    const response = await server.request('/api/v1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 404, code: 'route_not_found', title: 'Not found' });
  });

  it('puts a request id on every response, errors included', async () => {
    expect((await server.request('/healthz')).headers.get('x-request-id')).toBeTruthy();
    expect((await server.request('/api/v1/nothing-here')).headers.get('x-request-id')).toBeTruthy();
  });

  it('refuses bodies over the limit with a 413 problem', async () => {
    const ingest = await server.tokenWith('ingest');
    const response = await server.request('/api/v1/results', {
      method: 'POST',
      token: ingest,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ results: [], padding: 'x'.repeat(20_000) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('payload_too_large');
  });

  it('serves an OpenAPI document that describes the ingest route', async () => {
    const document = (await (await server.request('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toContain('/api/v1/results');
  });
});
