import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';


describe('GET /metrics', () => {
  let server: TestServer;
  let other: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z' });
    other = await startTestServer({ now: '2026-11-01T12:00:00Z' });
    const results = Array.from({ length: 20 }, (_, index) => ({
      id: randomUUID(),
      monitor: 'api-health',
      region: 'eu',
      at: new Date(Date.parse('2026-11-01T11:30:00Z') + index * 60_000).toISOString(),
      ok: index !== 3,
      latencyMs: 100,
    }));
    expect((await server.request('/api/v1/results', { method: 'POST', json: { results } })).status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
    await other.close();
  });

  it('exposes SLI, budget, burn rates, alert state and status per SLO, and promtool finds no problems', async () => {
    const response = await server.request('/metrics', { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('headroom_slo_sli_ratio{slo="api-availability",service="api"} 0.95');
    // 1 bad of 20 against a 1 % budget of 0.2 events: 5x overspent.
    expect(text).toContain('headroom_slo_error_budget_remaining_ratio{slo="api-availability",service="api"} -4');
    expect(text).toContain('headroom_slo_burn_rate{slo="api-availability",service="api",window="1h"} 5');
    expect(text).toMatch(/headroom_slo_alert_firing\{slo="api-availability",service="api",rule="page-1h",severity="page"\} 0/);
    expect(text).toContain('headroom_slo_status{slo="api-availability",service="api",status="exhausted"} 1');
    const child = execFile('/usr/bin/promtool', ['check', 'metrics']);
    const done = new Promise<{ code: number | null; output: string }>((resolve) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
    child.stdin?.end(text);
    const { code, output } = await done;
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('keeps a registry per app, so two apps in one process do not share values', async () => {
    const text = await (await other.request('/metrics', { token: null })).text();
    expect(text).not.toContain('headroom_slo_sli_ratio{slo="api-availability"');
    expect(text).toContain('headroom_slo_status{slo="api-availability",service="api",status="no_data"} 1');
  });
});
