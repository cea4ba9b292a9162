import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { alertmanagerAlerts, auditLog, incidentComponents, incidents, incidentUpdates, nearMisses } from '../../../db/schema/index.ts';
import { alertmanagerTestConfig } from '../../helpers/alertmanager.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

/**
 * Headroom behind a real Prometheus Alertmanager (Debian's prometheus-alertmanager; `.ci/run`
 * installs it). The test writes Alertmanager a config whose webhook receiver points at the
 * test API with an ingest token, posts alerts to Alertmanager's own v2 API, and waits (bounded)
 * for what Headroom records.
 */
const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Alertmanager → Headroom over a real webhook', () => {
  let server: TestServer;
  let alertmanager: ChildProcess | undefined;
  let alertmanagerUrl = '';
  let workDir = '';
  let alertmanagerLog = '';

  beforeAll(async () => {
    server = await startTestServer({ now: new Date(), config: alertmanagerTestConfig() });
    const ingestToken = await server.tokenWith('ingest');
    workDir = mkdtempSync(join(tmpdir(), 'headroom-alertmanager-'));
    const configFile = join(workDir, 'alertmanager.yml');
    writeFileSync(
      configFile,
      stringify({
        route: {
          receiver: 'headroom',
          group_by: ['alertname'],
          group_wait: '200ms',
          group_interval: '1s',
          // Short, so Alertmanager re-sends the same firing group and the test sees idempotency for real.
          repeat_interval: '2s',
        },
        receivers: [
          {
            name: 'headroom',
            webhook_configs: [
              {
                url: `${server.baseUrl}/api/v1/integrations/alertmanager`,
                send_resolved: true,
                http_config: { authorization: { type: 'Bearer', credentials: ingestToken } },
              },
            ],
          },
        ],
      }),
    );
    const port = await freePort();
    alertmanagerUrl = `http://127.0.0.1:${port}`;
    const child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${configFile}`,
        `--storage.path=${join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alertmanager = child;
    child.stdout?.on('data', (chunk: Buffer) => (alertmanagerLog += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (alertmanagerLog += chunk.toString()));
    await waitFor(`Alertmanager ready on ${alertmanagerUrl} (log: ${alertmanagerLog})`, async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited ${child.exitCode}: ${alertmanagerLog}`);
      const ready = await fetch(`${alertmanagerUrl}/-/ready`).catch(() => null);
      return ready?.ok ?? false;
    });
  }, 30_000);

  afterAll(async () => {
    const child = alertmanager;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await server?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  async function postAlerts(alerts: unknown[]): Promise<void> {
    const response = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(response.status, await response.text()).toBe(200);
  }

  it('turns a paging alert into an incident, a latency alert into a near miss, and lists the unmapped one', async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const apiDown = {
      labels: { alertname: 'ApiDown', service: 'api', severity: 'page' },
      annotations: { summary: 'API is down', description: 'Every request answers 503.' },
      generatorURL: 'http://prometheus.invalid/graph?g0.expr=up%3D%3D0',
    };
    const webLatency = {
      labels: { alertname: 'WebLatencyHigh', service: 'web', severity: 'ticket' },
      annotations: { summary: 'Website p99 above 800ms', runbook_url: 'https://runbooks.invalid/web-latency' },
    };
    const diskFull = { labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: {} };
    await postAlerts([apiDown, webLatency, diskFull].map((alert) => ({ ...alert, startsAt })));

    const incident = await waitFor('the incident from ApiDown', async () => {
      const [row] = await server.db.orm.select().from(incidents);
      return row;
    });
    expect(incident).toMatchObject({ name: 'API is down', status: 'investigating', source: 'alertmanager', impact: 'critical' });
    expect(incident.startedAt.toISOString()).toBe(startsAt);
    expect(await server.db.orm.select().from(incidentComponents)).toMatchObject([{ componentId: 'api', status: 'major_outage' }]);
    // Both other alerts were seen firing before they are resolved (Alertmanager only sends a
    // resolution for alerts it notified as firing).
    await waitFor('WebLatencyHigh and DiskFull seen firing', async () => {
      const seen = await server.db.orm.select().from(alertmanagerAlerts);
      return seen.filter((row) => row.alertname === 'WebLatencyHigh' || row.alertname === 'DiskFull').length === 2;
    });

    // repeat_interval makes Alertmanager deliver the same firing group again: nothing changes twice.
    await waitFor(
      'a repeated delivery of the ApiDown group',
      async () => {
        const webhooks = await server.db.orm.select().from(auditLog).where(eq(auditLog.action, 'alertmanager.webhook'));
        return webhooks.some((entry) => entry.details?.['duplicates'] === 1 && entry.details['alerts'] === 1);
      },
      10_000,
    );
    expect(await server.db.orm.select().from(incidents)).toHaveLength(1);
    expect(await server.db.orm.select().from(incidentUpdates)).toHaveLength(1);

    const endsAt = new Date().toISOString();
    await postAlerts([apiDown, webLatency, diskFull].map((alert) => ({ ...alert, startsAt, endsAt })));

    const nearMiss = await waitFor('the near miss from WebLatencyHigh', async () => {
      const [row] = await server.db.orm.select().from(nearMisses);
      return row;
    });
    expect(nearMiss).toMatchObject({ source: 'alertmanager', title: 'Website p99 above 800ms', componentId: 'web', incidentId: null });
    expect(nearMiss.startedAt.toISOString()).toBe(startsAt);
    expect(nearMiss.endedAt?.toISOString()).toBe(endsAt);
    expect(nearMiss.evidence).toMatchObject({
      labels: webLatency.labels,
      annotations: webLatency.annotations,
      startsAt,
      endsAt,
      receiver: 'headroom',
      components: ['web'],
    });

    const monitoring = await waitFor('the ApiDown incident to propose resolution', async () => {
      const [row] = await server.db.orm.select().from(incidents);
      return row?.status === 'monitoring' ? row : null;
    });
    expect(monitoring.resolvedAt).toBeNull();
    const updates = await server.db.orm.select().from(incidentUpdates);
    expect(updates.map((update) => update.status).sort()).toEqual(['investigating', 'monitoring']);

    await waitFor('DiskFull resolved', async () => {
      const [row] = await server.db.orm.select().from(alertmanagerAlerts).where(eq(alertmanagerAlerts.alertname, 'DiskFull'));
      return row?.status === 'resolved';
    });
    const readToken = await server.tokenWith('read');
    const unmapped = (await (await server.request('/api/v1/integrations/alertmanager/unmapped', { token: readToken })).json()) as {
      total: number;
      alerts: { alertname: string; labels: Record<string, string> }[];
    };
    expect(unmapped.total).toBe(1);
    expect(unmapped.alerts[0]).toMatchObject({ alertname: 'DiskFull', labels: diskFull.labels });
    expect(await server.db.orm.select().from(nearMisses)).toHaveLength(1);
    expect(await server.db.orm.select().from(incidents)).toHaveLength(1);
  }, 45_000);
});
