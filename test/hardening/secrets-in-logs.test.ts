import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../../api/app.ts';
import { AppEvents } from '../../api/lib/events.ts';
import { createLogger } from '../../api/lib/logger.ts';
import { createOutboxDelivery } from '../../api/workers/outbox.ts';
import { testConfig } from '../helpers/config.ts';
import { freePort } from '../helpers/process.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Everything the logger writes, as the server would write it to stdout. */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const SMTP_PASSWORD = 'Smtp-Pa55word-do-not-log';
const BOGUS_TOKEN = 'hr_abcdefgh_this-is-a-guessed-secret-token-value';

describe('secrets never reach the logs', () => {
  const capture = new Capture();
  const logger = createLogger('trace', capture);
  const events = new AppEvents();
  const config = testConfig({
    components: [
      { key: 'api', name: 'API' },
      { key: 'web', name: 'Website' },
      { key: 'jobs', name: 'Jobs' },
    ],
    monitors: [
      { key: 'api-health', component: 'api', kind: 'http', url: 'http://127.0.0.1:9/health', regions: ['eu', 'us'] },
      { key: 'web-home', component: 'web', kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] },
      { key: 'nightly', component: 'jobs', kind: 'heartbeat', interval: '60s', timeout: '10s', grace: '30s' },
    ],
  });
  let server: TestServer;
  let smtpUrl: string;
  const secrets: string[] = [SMTP_PASSWORD, BOGUS_TOKEN];

  beforeAll(async () => {
    // A port nothing listens on: the SMTP server is "down".
    smtpUrl = `smtp://alice:${SMTP_PASSWORD}@127.0.0.1:${await freePort()}`;
    server = await startTestServer({ config, logger, events, settings: { smtpUrl, outboundAllowList: ['127.0.0.1'] } });
    secrets.push(server.adminToken);
  });
  afterAll(() => server.close());

  it('logs failures (so the check below means something) without any token, secret or password in them', async () => {
    // Token creation: the secret is in the response only.
    const created = (await (await server.request('/api/v1/tokens', { method: 'POST', json: { name: 'ci', scopes: ['write'] } })).json()) as { token: string };
    secrets.push(created.token);

    // Authentication failures with secrets in the header.
    expect((await server.request('/api/v1/incidents', { token: BOGUS_TOKEN })).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/api/v1/incidents`, { headers: { authorization: `Basic ${Buffer.from(`me:${BOGUS_TOKEN}`).toString('base64')}` } })).status).toBe(401);

    // A heartbeat secret, then 500s while it travels in the path, and a webhook secret being written when the write fails.
    const rotated = (await (await server.request('/api/v1/monitors/nightly/heartbeat-token', { method: 'POST' })).json()) as { token: string };
    secrets.push(rotated.token);
    await server.db.client.execute("CREATE TRIGGER fail_results BEFORE INSERT ON probe_results BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    await server.db.client.execute("CREATE TRIGGER fail_hooks BEFORE INSERT ON subscribers WHEN NEW.kind = 'webhook' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    const beat = await server.request(`/api/v1/heartbeats/nightly/${rotated.token}`, { method: 'POST', json: { ok: true }, token: null });
    expect(beat.status).toBe(500);
    const hook = await server.request('/api/v1/subscribers/hooks', { method: 'POST', json: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' } });
    expect(hook.status).toBe(500);
    await server.db.client.execute('DROP TRIGGER fail_results');
    await server.db.client.execute('DROP TRIGGER fail_hooks');

    // Mail to an SMTP server that is down, with its password in SMTP_URL.
    expect((await server.request('/api/v1/subscribers', { method: 'POST', json: { email: 'reader@example.com' }, token: null })).status).toBe(202);
    const deps = createDeps({ db: server.db, config, clock: server.clock, logger, events, settings: { smtpUrl } });
    const delivery = createOutboxDelivery(deps, { timeoutMs: 1000 });
    expect((await delivery.tick()).retried).toBe(1);
    delivery.close();
    logger.info({ smtpUrl, settings: { smtpUrl }, authorization: `Bearer ${server.adminToken}` }, 'settings echoed by a careless caller');
    logger.flush();

    const lines = capture.text.trim().split('\n');
    expect(lines.filter((line) => line.includes('request failed')).length).toBe(2);
    expect(lines.some((line) => line.includes('notice delivery failed'))).toBe(true);
    const leaked = secrets.filter((secret) => capture.text.includes(secret));
    expect(leaked, capture.text).toEqual([]);
    expect(capture.text).not.toMatch(/whsec_/);
    expect(capture.text).not.toMatch(/hb_[A-Za-z0-9_-]{20,}/);
  });
});
