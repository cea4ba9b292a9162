import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../../api/probes/run-probe.ts';
import type { ProbeTarget } from '../../../api/probes/types.ts';
import { startDnsServer } from '../../helpers/dns-server.ts';
import {
  closedPort,
  selfSignedCert,
  startHttpsTarget,
  startHttpTarget,
  startTcpTarget,
  type Target,
} from '../../helpers/targets.ts';

const DAY = 86_400_000;

function target(kind: ProbeTarget['kind'], settings: Record<string, unknown>, timeoutMs = 2000): ProbeTarget {
  return { key: `t-${kind}`, kind, intervalMs: 30_000, timeoutMs, regions: ['local'], settings };
}

describe('HTTP probe', () => {
  let server: Target;
  beforeAll(async () => {
    server = await startHttpTarget((req, res) => {
      const path = req.url ?? '/';
      if (path === '/ok') {
        res.writeHead(200).end('all systems ok');
      } else if (path === '/error') {
        res.writeHead(500).end('boom');
      } else if (path === '/slow') {
        setTimeout(() => res.writeHead(200).end('late'), 600);
      } else if (path === '/redirect') {
        res.writeHead(302, { location: '/ok' }).end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' }).end();
      } else if (path === '/echo' && req.method === 'POST') {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => res.writeHead(201).end(`${req.headers['x-probe'] ?? ''}:${body}`));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  afterAll(() => server.close());

  it('succeeds on 200 and records status and latency', async () => {
    const outcome = await runProbe(target('http', { url: `${server.url}/ok` }), new Date());
    expect(outcome).toMatchObject({ ok: true, statusCode: 200 });
    expect(outcome.latencyMs).toBeGreaterThan(0);
    expect(outcome.tlsExpiresAt).toBeUndefined();
  });

  it('fails on a 500 with the status code', async () => {
    const outcome = await runProbe(target('http', { url: `${server.url}/error` }), new Date());
    expect(outcome).toMatchObject({ ok: false, statusCode: 500, error: 'unexpected status 500' });
  });

  it('accepts a 500 when it is the expected status', async () => {
    expect((await runProbe(target('http', { url: `${server.url}/error`, expectStatus: [500] }), new Date())).ok).toBe(true);
  });

  it('fails when the keyword is missing and passes when it is present', async () => {
    expect((await runProbe(target('http', { url: `${server.url}/ok`, keyword: 'ok' }), new Date())).ok).toBe(true);
    const missing = await runProbe(target('http', { url: `${server.url}/ok`, keyword: 'degraded' }), new Date());
    expect(missing).toMatchObject({ ok: false, error: 'keyword "degraded" not found' });
    expect((await runProbe(target('http', { url: `${server.url}/ok`, regex: '^all .+ ok$' }), new Date())).ok).toBe(true);
    expect((await runProbe(target('http', { url: `${server.url}/ok`, regex: '^down' }), new Date())).ok).toBe(false);
  });

  it('times out a slow server within its timeout', async () => {
    const started = performance.now();
    const outcome = await runProbe(target('http', { url: `${server.url}/slow` }, 200), new Date());
    expect(performance.now() - started).toBeLessThan(550);
    expect(outcome).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
  });

  it('measures a slow answer that arrives within the timeout', async () => {
    const outcome = await runProbe(target('http', { url: `${server.url}/slow` }), new Date());
    expect(outcome.ok).toBe(true);
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(590);
  });

  it('follows redirects, or reports them when told not to', async () => {
    expect(await runProbe(target('http', { url: `${server.url}/redirect` }), new Date())).toMatchObject({ ok: true, statusCode: 200 });
    expect(await runProbe(target('http', { url: `${server.url}/redirect`, followRedirects: false }), new Date())).toMatchObject({
      ok: false,
      statusCode: 302,
    });
    expect(await runProbe(target('http', { url: `${server.url}/loop`, maxRedirects: 3 }), new Date())).toMatchObject({
      ok: false,
      error: 'more than 3 redirects',
    });
  });

  it('sends the method, headers and body', async () => {
    const outcome = await runProbe(
      target('http', { url: `${server.url}/echo`, method: 'POST', headers: { 'x-probe': 'yes' }, body: 'ping', keyword: 'yes:ping' }),
      new Date(),
    );
    expect(outcome).toMatchObject({ ok: true, statusCode: 201 });
  });

  it('fails with the connection error when nothing listens', async () => {
    const port = await closedPort();
    const outcome = await runProbe(target('http', { url: `http://127.0.0.1:${port}/` }), new Date());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('ECONNREFUSED');
  });
});

describe('HTTPS and TLS probes against a self-signed certificate expiring in 3 days', () => {
  let server: Target;
  let expiresAt: Date;
  beforeAll(async () => {
    expiresAt = new Date(Math.floor((Date.now() + 3 * DAY) / 1000) * 1000);
    server = await startHttpsTarget(await selfSignedCert(expiresAt));
  }, 30_000);
  afterAll(() => server.close());

  it('records the certificate expiry when insecure is allowed', async () => {
    const outcome = await runProbe(target('http', { url: `${server.url}/`, insecure: true, keyword: 'secure ok' }), new Date());
    expect(outcome.ok).toBe(true);
    expect(outcome.tlsExpiresAt?.getTime()).toBe(expiresAt.getTime());
  });

  it('fails an HTTPS probe that verifies certificates', async () => {
    const outcome = await runProbe(target('http', { url: `${server.url}/` }), new Date());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/self.signed/i);
  });

  it('fails a TLS probe whose certificate expires sooner than minValidity (7 days)', async () => {
    const outcome = await runProbe(target('tls', { host: '127.0.0.1', port: server.port, insecure: true }), new Date());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^certificate expires in 3\.0 days/);
    expect(outcome.tlsExpiresAt?.getTime()).toBe(expiresAt.getTime());
  });

  it('passes a TLS probe with a shorter minValidity, judged against the injected now', async () => {
    const settings = { host: '127.0.0.1', port: server.port, insecure: true, minValidity: DAY };
    expect((await runProbe(target('tls', settings), new Date())).ok).toBe(true);
    const later = new Date(Date.now() + 2.5 * DAY);
    expect((await runProbe(target('tls', settings), later)).error).toMatch(/^certificate expires in 0\.5 days/);
    const afterExpiry = new Date(expiresAt.getTime() + 1000);
    expect((await runProbe(target('tls', settings), afterExpiry)).error).toMatch(/^certificate expired at/);
  });

  it('fails a TLS probe on an untrusted chain unless insecure', async () => {
    const outcome = await runProbe(target('tls', { host: '127.0.0.1', port: server.port, minValidity: DAY }), new Date());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^certificate not trusted: DEPTH_ZERO_SELF_SIGNED_CERT/);
  });

  it('fails a TLS probe whose hostname does not match the certificate', async () => {
    const outcome = await runProbe(
      target('tls', { host: '127.0.0.1', port: server.port, servername: 'api.example.com', insecure: true, minValidity: DAY }),
      new Date(),
    );
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^hostname mismatch/);
  });
});

describe('TCP probe', () => {
  it('succeeds when the port accepts a connection', async () => {
    const server = await startTcpTarget();
    try {
      expect((await runProbe(target('tcp', { host: '127.0.0.1', port: server.port }), new Date())).ok).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('fails on a closed port', async () => {
    const port = await closedPort();
    const outcome = await runProbe(target('tcp', { host: '127.0.0.1', port }), new Date());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('ECONNREFUSED');
  });
});

describe('DNS probe', () => {
  let dns: Awaited<ReturnType<typeof startDnsServer>>;
  beforeAll(async () => {
    dns = await startDnsServer({ 'svc.headroom.test': { A: ['10.1.2.3', '10.1.2.4'], TXT: ['v=spf1 -all'] } });
  });
  afterAll(() => dns.close());

  const dnsTarget = (settings: Record<string, unknown>) => target('dns', { resolver: dns.address, ...settings });

  it('resolves an A record and checks the expected value', async () => {
    expect((await runProbe(dnsTarget({ hostname: 'svc.headroom.test' }), new Date())).ok).toBe(true);
    expect((await runProbe(dnsTarget({ hostname: 'svc.headroom.test', expect: '10.1.2.4' }), new Date())).ok).toBe(true);
    const wrong = await runProbe(dnsTarget({ hostname: 'svc.headroom.test', expect: '10.9.9.9' }), new Date());
    expect(wrong).toMatchObject({ ok: false, error: 'expected A "10.9.9.9", got "10.1.2.3", "10.1.2.4"' });
  });

  it('resolves a TXT record', async () => {
    expect((await runProbe(dnsTarget({ hostname: 'svc.headroom.test', recordType: 'TXT', expect: 'v=spf1 -all' }), new Date())).ok).toBe(true);
  });

  it('fails on an unknown name', async () => {
    const outcome = await runProbe(dnsTarget({ hostname: 'missing.headroom.test' }), new Date());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toContain('ENOTFOUND');
  });
});
