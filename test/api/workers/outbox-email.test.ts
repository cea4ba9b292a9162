import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxDelivery, messageIdFor } from '../../../api/workers/outbox.ts';
import { outbox } from '../../../db/schema/notices.ts';
import { openIncident, startNoticeServer, type NoticeTestServer } from '../../helpers/notices.ts';
import { startTestSmtp, type ReceivedMail, type TestSmtp } from '../../helpers/smtp.ts';

const PUBLIC_URL = 'https://status.example.test';

/** Undoes quoted-printable soft line breaks and escapes so links can be read from the raw message. */
function decoded(mail: ReceivedMail): string {
  return mail.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function linkToken(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9_%-]+)`).exec(decoded(mail));
  if (!match?.[1]) throw new Error(`no ${path} link in mail`);
  return decodeURIComponent(match[1]);
}

describe('email notices through a real SMTP server', () => {
  let smtp: TestSmtp;
  let server: NoticeTestServer;
  beforeEach(async () => {
    smtp = await startTestSmtp();
    server = await startNoticeServer({ settings: { smtpUrl: smtp.url, publicUrl: PUBLIC_URL } });
  });
  afterEach(async () => {
    await server.close();
    await smtp.stop();
  });

  async function subscribeAndConfirm(email: string, delivery: ReturnType<typeof createOutboxDelivery>) {
    const response = await server.request('/api/v1/subscribers', { method: 'POST', json: { email }, token: null });
    expect(response.status).toBe(202);
    await delivery.tick();
    const confirmation = smtp.messages.find((mail) => mail.to.includes(email) && mail.subject?.includes('Confirm'));
    if (!confirmation) throw new Error('no confirmation mail');
    const confirm = await server.request(`/api/v1/subscribers/confirm?token=${encodeURIComponent(linkToken(confirmation, '/api/v1/subscribers/confirm'))}`, { token: null });
    expect(confirm.status).toBe(200);
    return confirmation;
  }

  it('sends a confirmation link, and only a confirmed subscriber receives incident emails with an unsubscribe link', async () => {
    const delivery = createOutboxDelivery(server.deps, { timeoutMs: 3000 });
    await server.request('/api/v1/subscribers', { method: 'POST', json: { email: 'late@example.test' }, token: null });
    const confirmation = await subscribeAndConfirm('ops@example.test', delivery);
    expect(decoded(confirmation)).toContain(`${PUBLIC_URL}/api/v1/subscribers/confirm?token=`);

    await openIncident(server, { name: 'API errors', impact: 'major', body: 'We are **investigating** errors.', components: [{ id: 'api', status: 'partial_outage' }] });
    const summary = await delivery.tick();
    expect(summary.delivered).toBe(1);
    const notices = smtp.messages.filter((mail) => mail.subject?.includes('API errors'));
    expect(notices.map((mail) => mail.to)).toEqual([['ops@example.test']]);
    const text = decoded(notices[0] as ReceivedMail);
    expect(text).toMatch(/List-Unsubscribe:\s*<https:\/\/status\.example\.test\/api\/v1\/subscribers\/unsubscribe\?token=/);
    expect(text).toContain('<strong>investigating</strong>');
  });

  it('sends a per-component subscriber only the incidents that touch its components', async () => {
    const delivery = createOutboxDelivery(server.deps, { timeoutMs: 3000 });
    const response = await server.request('/api/v1/subscribers', {
      method: 'POST',
      json: { email: 'web-team@example.test', components: ['web'] },
      token: null,
    });
    expect(response.status).toBe(202);
    await delivery.tick();
    const confirmation = smtp.messages.find((mail) => mail.to.includes('web-team@example.test') && mail.subject?.includes('Confirm'));
    if (!confirmation) throw new Error('no confirmation mail');
    await server.request(`/api/v1/subscribers/confirm?token=${encodeURIComponent(linkToken(confirmation, '/api/v1/subscribers/confirm'))}`, { token: null });

    await openIncident(server, { name: 'API only', impact: 'minor', body: 'API trouble.', components: [{ id: 'api', status: 'degraded_performance' }] });
    await openIncident(server, { name: 'Website slow', impact: 'minor', body: 'Web trouble.', components: [{ id: 'web', status: 'degraded_performance' }] });
    await delivery.tick();
    const received = smtp.messages.filter((mail) => mail.to.includes('web-team@example.test')).map((mail) => mail.subject ?? '');
    expect(received.some((subject) => subject.includes('Website slow'))).toBe(true);
    expect(received.some((subject) => subject.includes('API only'))).toBe(false);
  });

  it('refuses a subscription to an unknown component with a 422 and stores nothing', async () => {
    const response = await server.request('/api/v1/subscribers', { method: 'POST', json: { email: 'x@example.test', components: ['nope'] }, token: null });
    expect(response.status).toBe(422);
    const list = (await (await server.request('/api/v1/subscribers')).json()) as { subscribers: unknown[] };
    expect(list.subscribers).toHaveLength(0);
  });

  it('answers a repeated subscription exactly like a new one and sends nothing more to a confirmed address', async () => {
    const delivery = createOutboxDelivery(server.deps, { timeoutMs: 3000 });
    await subscribeAndConfirm('ops@example.test', delivery);
    const before = smtp.messages.length;
    const again = await server.request('/api/v1/subscribers', { method: 'POST', json: { email: 'ops@example.test' }, token: null });
    const fresh = await server.request('/api/v1/subscribers', { method: 'POST', json: { email: 'new@example.test' }, token: null });
    expect(again.status).toBe(fresh.status);
    expect(await again.json()).toEqual(await fresh.json());
    await delivery.tick();
    expect(smtp.messages.slice(before).map((mail) => mail.to)).toEqual([['new@example.test']]);
  });

  it('delivers an update made while SMTP was down once it is back, exactly once with one Message-ID', async () => {
    const delivery = createOutboxDelivery(server.deps, { timeoutMs: 2000, baseDelayMs: 30_000 });
    await subscribeAndConfirm('ops@example.test', delivery);
    const incident = await openIncident(server, { name: 'Login failures', impact: 'minor', body: 'Investigating.' });
    await delivery.tick();

    await smtp.stop();
    const update = await server.request(`/api/v1/incidents/${incident.id}/updates`, {
      method: 'POST',
      json: { status: 'identified', body: 'Cause found: an expired certificate.' },
    });
    expect(update.status).toBe(201);
    const down = await delivery.tick();
    expect(down).toEqual({ delivered: 0, retried: 1, dead: 0 });
    const [pending] = await server.db.orm.select().from(outbox).where(eq(outbox.topic, 'incident.updated'));
    expect(pending?.status).toBe('pending');
    expect(pending?.attempts).toBe(1);
    expect(pending?.lastError).toBeTruthy();

    await smtp.start();
    expect(await delivery.tick()).toEqual({ delivered: 0, retried: 0, dead: 0 }); // not due yet: back-off
    server.clock.advance(31_000);
    expect((await delivery.tick()).delivered).toBe(1);
    expect((await delivery.tick()).delivered).toBe(0);
    server.clock.advance(3_600_000);
    expect((await delivery.tick()).delivered).toBe(0);

    const identified = smtp.messages.filter((mail) => decoded(mail).includes('expired certificate'));
    expect(identified).toHaveLength(1);
    expect(identified[0]?.messageId).toBe(messageIdFor(pending?.id ?? '', PUBLIC_URL));
  });

  it('stops sending to an address after it unsubscribes', async () => {
    const delivery = createOutboxDelivery(server.deps, { timeoutMs: 3000 });
    await subscribeAndConfirm('ops@example.test', delivery);
    await openIncident(server, { name: 'First', impact: 'minor', body: 'One.' });
    await delivery.tick();
    const first = smtp.messages.find((mail) => mail.subject?.includes('First'));
    if (!first) throw new Error('no incident mail');
    const token = linkToken(first, '/api/v1/subscribers/unsubscribe');
    const page = await server.request(`/api/v1/subscribers/unsubscribe?token=${encodeURIComponent(token)}`, { token: null });
    expect(await page.text()).toContain('<form method="post"');
    const done = await server.request(`/api/v1/subscribers/unsubscribe?token=${encodeURIComponent(token)}`, { method: 'POST', token: null });
    expect(done.status).toBe(200);
    await openIncident(server, { name: 'Second', impact: 'minor', body: 'Two.' });
    await delivery.tick();
    expect(smtp.messages.some((mail) => mail.subject?.includes('Second'))).toBe(false);
  });

  it('writes no notice for a drill', async () => {
    const delivery = createOutboxDelivery(server.deps, { timeoutMs: 3000 });
    await subscribeAndConfirm('ops@example.test', delivery);
    const rowsBefore = (await server.db.orm.select().from(outbox)).length;
    await openIncident(server, { name: 'Drill: database failover', impact: 'critical', body: 'Rehearsal.', drill: true });
    expect(await server.db.orm.select().from(outbox)).toHaveLength(rowsBefore);
  });
});

describe('email notices without SMTP_URL', () => {
  let server: NoticeTestServer;
  let dataDir: string;
  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-mail-'));
    server = await startNoticeServer({ settings: { dataDir, publicUrl: PUBLIC_URL } });
  });
  afterEach(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes each message as <dataDir>/mail/<notice id>.eml with its Message-ID', async () => {
    const response = await server.request('/api/v1/subscribers', { method: 'POST', json: { email: 'offline@example.test' }, token: null });
    expect(response.status).toBe(202);
    const delivery = createOutboxDelivery(server.deps);
    expect((await delivery.tick()).delivered).toBe(1);
    const [row] = await server.db.orm.select().from(outbox);
    const file = join(dataDir, 'mail', `${row?.id ?? ''}.eml`);
    expect(existsSync(file)).toBe(true);
    const raw = readFileSync(file, 'utf8');
    expect(raw).toContain(`Message-ID: ${messageIdFor(row?.id ?? '', PUBLIC_URL)}`);
    expect(raw).toContain('To: offline@example.test');
  });
});
