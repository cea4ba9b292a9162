import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutboundTarget, isPrivateAddress, parseAllowList, type Resolver } from '../../api/lib/outbound-guard.ts';
import { createOutboxDelivery } from '../../api/workers/outbox.ts';
import { outbox } from '../../db/schema/notices.ts';
import { openIncident, startNoticeServer, type NoticeTestServer } from '../helpers/notices.ts';
import { startReceiver, type TestReceiver } from '../helpers/receiver.ts';
import { startTestServer } from '../helpers/server.ts';

/** A fake DNS: names map to whatever addresses the test says (no network needed). */
const fakeDns = (table: Record<string, string[]>): Resolver => async (hostname) => {
  const addresses = table[hostname];
  if (!addresses) throw new Error(`ENOTFOUND ${hostname}`);
  return addresses;
};

describe('outbound target guard', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', 'fe80::1%eth0',
  ])('treats %s as private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('treats %s as public', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://2130706433/hook', // 127.0.0.1 as one number
    'http://0x7f.0.0.1/hook',
    'http://017700000001/hook',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://localhost/hook',
    'http://rebind.example/hook', // resolves to a public AND a private address
    'http://metadata.example./hook',
    'https://user:secret@hooks.example/hook',
    'ftp://hooks.example/file',
    'file:///etc/passwd',
  ])('refuses %s without an allow-list', async (url) => {
    const dns = fakeDns({ localhost: ['127.0.0.1', '::1'], 'rebind.example': ['93.184.215.14', '10.0.0.7'], 'metadata.example': ['169.254.169.254'], 'hooks.example': ['93.184.215.14'] });
    const verdict = await checkOutboundTarget(url, parseAllowList([]), dns);
    expect(verdict.allowed).toBe(false);
  });

  it('allows public targets, and private ones only when allow-listed by address, network or name', async () => {
    const dns = fakeDns({ 'hooks.example': ['93.184.215.14'], 'ci.internal': ['10.20.30.40'], 'a.corp.example': ['192.168.7.7'] });
    expect(await checkOutboundTarget('https://hooks.example/x', parseAllowList([]), dns)).toEqual({ allowed: true });
    expect((await checkOutboundTarget('http://127.0.0.1:9/x', parseAllowList(['127.0.0.1']), dns)).allowed).toBe(true);
    expect((await checkOutboundTarget('http://127.0.0.2:9/x', parseAllowList(['127.0.0.1']), dns)).allowed).toBe(false);
    expect((await checkOutboundTarget('http://ci.internal/x', parseAllowList(['10.20.0.0/16']), dns)).allowed).toBe(true);
    expect((await checkOutboundTarget('http://ci.internal/x', parseAllowList(['10.21.0.0/16']), dns)).allowed).toBe(false);
    expect((await checkOutboundTarget('http://ci.internal/x', parseAllowList(['ci.internal']), dns)).allowed).toBe(true);
    expect((await checkOutboundTarget('http://a.corp.example/x', parseAllowList(['*.corp.example']), dns)).allowed).toBe(true);
    expect((await checkOutboundTarget('http://[::1]:9/x', parseAllowList(['::1']), dns)).allowed).toBe(true);
  });

  it('throws on a name that does not resolve, so delivery retries instead of giving up', async () => {
    await expect(checkOutboundTarget('https://nowhere.example/x', parseAllowList([]), fakeDns({}))).rejects.toThrow(/ENOTFOUND/);
  });
});

describe('webhooks and the guard, end to end', () => {
  let receiver: TestReceiver;
  beforeEach(async () => {
    receiver = await startReceiver(200);
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('refuses to add a hook pointing at loopback, link-local or a name resolving to them unless allow-listed', async () => {
    const closed = await startTestServer();
    try {
      for (const url of [receiver.url, 'http://169.254.169.254/latest/meta-data/', 'http://localhost:9/hook', 'http://[::1]:9/']) {
        const response = await closed.request('/api/v1/subscribers/hooks', { method: 'POST', json: { kind: 'webhook', url } });
        expect(response.status, url).toBe(422);
        const problem = (await response.json()) as { code: string; issues: { path: string }[] };
        expect(problem.code).toBe('target_not_allowed');
        expect(problem.issues[0]?.path).toBe('url');
      }
      expect(await closed.db.client.execute('SELECT count(*) AS n FROM subscribers').then((r) => Number(r.rows[0]?.['n']))).toBe(0);
    } finally {
      await closed.close();
    }
    const open = await startTestServer({ settings: { outboundAllowList: ['127.0.0.1'] } });
    try {
      const response = await open.request('/api/v1/subscribers/hooks', { method: 'POST', json: { kind: 'webhook', url: receiver.url } });
      expect(response.status).toBe(201);
    } finally {
      await open.close();
    }
  });

  it('marks a queued notice to a loopback receiver dead without connecting, and delivers once 127.0.0.1 is allow-listed', async () => {
    const server: NoticeTestServer = await startNoticeServer();
    try {
      // Added while allowed (the notice server allow-lists 127.0.0.1), then delivered by a worker that is not.
      expect((await server.request('/api/v1/subscribers/hooks', { method: 'POST', json: { kind: 'webhook', url: receiver.url } })).status).toBe(201);
      await openIncident(server, { name: 'Checkout slow', impact: 'minor', body: 'Looking.', components: [{ id: 'web', status: 'degraded_performance' }] });
      const strict = createOutboxDelivery({ ...server.deps, settings: { ...server.deps.settings, outboundAllowList: [] } });
      expect(await strict.tick()).toEqual({ delivered: 0, retried: 0, dead: 1 });
      expect(receiver.requests).toHaveLength(0);
      const [dead] = await server.db.orm.select().from(outbox).where(eq(outbox.status, 'dead'));
      expect(dead?.lastError).toMatch(/target refused/);

      await openIncident(server, { name: 'Search down', impact: 'major', body: 'Looking.', components: [{ id: 'api', status: 'major_outage' }] });
      const allowed = createOutboxDelivery(server.deps);
      expect((await allowed.tick()).delivered).toBe(1);
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
