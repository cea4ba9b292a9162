import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffMs, createOutboxDelivery } from '../../../api/workers/outbox.ts';
import { outbox } from '../../../db/schema/notices.ts';
import { openIncident, startNoticeServer, type NoticeTestServer } from '../../helpers/notices.ts';
import { startReceiver, type TestReceiver } from '../../helpers/receiver.ts';

describe('webhook, Slack and PagerDuty notices', () => {
  let server: NoticeTestServer;
  let receiver: TestReceiver;
  beforeEach(async () => {
    // Standard Webhooks receivers reject timestamps far from their own clock: start near real time.
    server = await startNoticeServer({ now: new Date() });
    receiver = await startReceiver(200);
  });
  afterEach(async () => {
    await receiver.close();
    await server.close();
  });

  async function addHook(kind: 'webhook' | 'slack', url = receiver.url): Promise<{ id: string; secret: string | null }> {
    const response = await server.request('/api/v1/subscribers/hooks', { method: 'POST', json: { kind, url } });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; secret: string | null };
  }

  it('signs generic webhooks per Standard Webhooks, with webhook-id equal to the notice id', async () => {
    const { secret } = await addHook('webhook');
    expect(secret).toMatch(/^whsec_/);
    await openIncident(server, { name: 'Checkout slow', impact: 'minor', body: 'Looking into it.', components: [{ id: 'web', status: 'degraded_performance' }] });
    const delivery = createOutboxDelivery(server.deps);
    expect((await delivery.tick()).delivered).toBe(1);

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    const headers = Object.fromEntries(Object.entries(request?.headers ?? {}).map(([key, value]) => [key, String(value)]));
    const verified = new Webhook(secret ?? '').verify(request?.body ?? '', headers) as { type: string; data: { name: string; components: unknown[] } };
    expect(verified.type).toBe('incident.created');
    expect(verified.data.name).toBe('Checkout slow');
    expect(verified.data.components).toEqual([{ id: 'web', name: 'Website' }]);
    const [row] = await server.db.orm.select().from(outbox);
    expect(headers['webhook-id']).toBe(row?.id);
    // A tampered body fails verification, so the check above is meaningful.
    expect(() => new Webhook(secret ?? '').verify(`${request?.body ?? ''} `, headers)).toThrow();
  });

  it('retries a receiver answering 500 with back-off under the same webhook-id, then marks it dead; re-send delivers it', async () => {
    await addHook('webhook');
    receiver.respondWith = 500;
    await openIncident(server, { name: 'Queue backlog', impact: 'minor', body: 'Delayed jobs.' });
    const delivery = createOutboxDelivery(server.deps, { maxAttempts: 3, baseDelayMs: 1000 });

    expect(await delivery.tick()).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(await delivery.tick()).toEqual({ delivered: 0, retried: 0, dead: 0 });
    server.clock.advance(backoffMs(1, 1000, 60_000));
    expect(await delivery.tick()).toEqual({ delivered: 0, retried: 1, dead: 0 });
    server.clock.advance(backoffMs(2, 1000, 60_000));
    expect(await delivery.tick()).toEqual({ delivered: 0, retried: 0, dead: 1 });
    expect(receiver.requests).toHaveLength(3);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);

    const dead = await server.request('/api/v1/outbox?status=dead');
    const { notices } = (await dead.json()) as { notices: { id: string; attempts: number; lastError: string }[] };
    expect(notices).toHaveLength(1);
    expect(notices[0]?.attempts).toBe(3);
    expect(notices[0]?.lastError).toContain('500');

    receiver.respondWith = 200;
    const resend = await server.request(`/api/v1/outbox/${notices[0]?.id ?? ''}/resend`, { method: 'POST' });
    expect(resend.status).toBe(202);
    expect((await delivery.tick()).delivered).toBe(1);
    expect(receiver.requests.at(-1)?.headers['webhook-id']).toBe(notices[0]?.id);
  });

  it('counts a receiver that hangs past the timeout as a failure and ends dead', async () => {
    await addHook('webhook');
    receiver.respondWith = 'hang';
    await openIncident(server, { name: 'Hang', impact: 'none', body: 'x' });
    const delivery = createOutboxDelivery(server.deps, { maxAttempts: 2, baseDelayMs: 1000, timeoutMs: 200 });
    expect((await delivery.tick()).retried).toBe(1);
    server.clock.advance(1000);
    expect((await delivery.tick()).dead).toBe(1);
    const [row] = await server.db.orm.select().from(outbox);
    expect(row?.status).toBe('dead');
    expect(row?.lastError).toMatch(/timeout|abort/i);
  });

  it('posts Slack-compatible { text } payloads without signature headers', async () => {
    await addHook('slack');
    await openIncident(server, { name: 'DNS issue', impact: 'major', body: 'Resolvers are failing.' });
    await createOutboxDelivery(server.deps).tick();
    const [request] = receiver.requests;
    const body = JSON.parse(request?.body ?? '{}') as { text: string };
    expect(body.text).toContain('DNS issue');
    expect(body.text).toContain('Resolvers are failing.');
    expect(request?.headers['webhook-signature']).toBeUndefined();
  });

  it('delivers rows other features enqueue (PagerDuty) with their payload unchanged', async () => {
    const payload = { routing_key: 'abc', event_action: 'trigger', payload: { summary: 'Burn rate 14.4x', severity: 'critical', source: 'headroom' } };
    const now = server.clock.now();
    await server.db.write((tx) =>
      tx.insert(outbox).values({ id: 'slo-alert-1', channel: 'pagerduty', topic: 'slo.alert.firing', target: receiver.url, payload, nextAttemptAt: now, createdAt: now }),
    );
    expect((await createOutboxDelivery(server.deps).tick()).delivered).toBe(1);
    expect(JSON.parse(receiver.requests[0]?.body ?? 'null')).toEqual(payload);
  });

  it('signs SLO alert webhooks with the secret of the alert channel they name', async () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const config = { ...server.deps.config, alerting: { channels: [{ kind: 'webhook' as const, url: receiver.url, severities: ['page' as const], secret }] } };
    const now = server.clock.now();
    await server.db.write((tx) =>
      tx.insert(outbox).values({
        id: 'alert:a1:firing:0',
        channel: 'webhook',
        topic: 'slo.alert.firing',
        subscriberId: 'alerting.channels[0]',
        target: receiver.url,
        payload: { type: 'slo.alert.firing' },
        nextAttemptAt: now,
        createdAt: now,
      }),
    );
    expect((await createOutboxDelivery({ ...server.deps, config }).tick()).delivered).toBe(1);
    const [request] = receiver.requests;
    const headers = Object.fromEntries(Object.entries(request?.headers ?? {}).map(([key, value]) => [key, String(value)]));
    expect(new Webhook(secret).verify(request?.body ?? '', headers)).toEqual({ type: 'slo.alert.firing' });
  });

  it('marks a notice dead at once when isAllowedTarget refuses its URL, without connecting', async () => {
    await addHook('webhook');
    await openIncident(server, { name: 'Refused', impact: 'none', body: 'x' });
    const summary = await createOutboxDelivery(server.deps, { isAllowedTarget: (url) => !url.startsWith('http://127.0.0.1') }).tick();
    expect(summary.dead).toBe(1);
    expect(receiver.requests).toHaveLength(0);
    const [row] = await server.db.orm.select().from(outbox).where(eq(outbox.status, 'dead'));
    expect(row?.lastError).toContain('refused');
  });

  it('wakes the running worker as soon as a notice is enqueued', async () => {
    await addHook('webhook');
    const { startOutboxWorker } = await import('../../../api/workers/outbox.ts');
    const worker = startOutboxWorker(server.deps, { intervalMs: 60_000 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the first (empty) tick pass
      await openIncident(server, { name: 'Wake', impact: 'none', body: 'x' });
      for (let i = 0; i < 100 && receiver.requests.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });
});
