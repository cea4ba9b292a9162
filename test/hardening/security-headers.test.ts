import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA_POLICY, inlineScriptHashes } from '../../api/lib/security-headers.ts';
import { liveLink } from '../../api/site/paths.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('base64');

const GOOD_SCRIPT = "document.getElementById('out').textContent = 'script ran';";
/** A page with one script we ship and one that "got injected" into the markup after hashing would have happened. */
const PAGE = `<!doctype html><html><head><title>t</title><script type="application/ld+json">{"a":1}</script></head>
<body><p id="out">no script</p><p id="evil">clean</p><script>${GOOD_SCRIPT}</script></body></html>`;

function expectCommonHeaders(response: Response, where: string): void {
  expect(response.headers.get('x-content-type-options'), where).toBe('nosniff');
  expect(response.headers.get('referrer-policy'), where).toBe('strict-origin-when-cross-origin');
  expect(response.headers.get('content-security-policy'), where).toMatch(/frame-ancestors 'none'/);
  expect(response.headers.get('x-frame-options'), where).toBe('DENY');
}

describe('security headers', () => {
  let server: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-headers-'));
    const site = liveLink(dataDir, 'public');
    mkdirSync(join(site, 'widget'), { recursive: true });
    writeFileSync(join(site, 'index.html'), PAGE);
    writeFileSync(join(site, 'widget', 'index.html'), PAGE);
    server = await startTestServer({ serveSite: true, settings: { dataDir } });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('hashes exactly the inline scripts a browser runs', () => {
    const hashes = inlineScriptHashes(`${PAGE}<script src="/a.js"></script><script type="module">x()</script>`);
    expect(hashes.sort()).toEqual([sha(GOOD_SCRIPT), sha('x()')].sort());
  });

  it('puts CSP, nosniff, frame denial and a referrer policy on API JSON, problems, feeds and metrics', async () => {
    for (const [path, token] of [
      ['/api/v2/summary.json', null],
      ['/api/v1/tokens', null],
      ['/api/v1/nope', null],
      ['/api/v1/feeds/history.atom', null],
      ['/metrics', null],
      ['/api/v1/tokens', undefined],
    ] as const) {
      const response = await server.request(path, { token });
      await response.arrayBuffer();
      expectCommonHeaders(response, path);
      expect(response.headers.get('content-security-policy'), path).toBe(DATA_POLICY);
    }
  });

  it('gives HTML pages a policy that allows only their own inline scripts, also when gzipped', async () => {
    for (const encoding of ['identity', 'gzip']) {
      const response = await fetch(`${server.baseUrl}/`, { headers: { 'accept-encoding': encoding } });
      expect(await response.text()).toContain('no script');
      expectCommonHeaders(response, `site (${encoding})`);
      const policy = response.headers.get('content-security-policy') ?? '';
      expect(policy).toContain(`'sha256-${sha(GOOD_SCRIPT)}'`);
      expect(policy).toMatch(/script-src 'self' 'sha256-[^ ;]+'(;|$)/);
      expect(policy).toContain("object-src 'none'");
    }
    const docs = await server.request('/api/docs', { token: null });
    const html = await docs.text();
    const [hash] = inlineScriptHashes(html);
    expect(hash).toBeDefined();
    expect(docs.headers.get('content-security-policy')).toContain(`'sha256-${hash ?? ''}'`);
  });

  it('lets the widget be framed anywhere while keeping its script policy', async () => {
    const response = await fetch(`${server.baseUrl}/widget/`);
    await response.arrayBuffer();
    expect(response.headers.get('x-frame-options')).toBeNull();
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain('frame-ancestors *');
    expect(policy).toContain(`'sha256-${sha(GOOD_SCRIPT)}'`);
  });

  it('sends no CORS permission on writes or their preflights', async () => {
    const origin = 'https://evil.example';
    const preflight = await fetch(`${server.baseUrl}/api/v1/incidents`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    await preflight.arrayBuffer();
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
    for (const path of ['/api/v1/incidents', '/api/v1/subscribers', '/api/v1/results', '/api/v1/tokens']) {
      const response = await server.request(path, { method: 'POST', json: {}, headers: { origin } });
      await response.arrayBuffer();
      expect(response.headers.get('access-control-allow-origin'), path).toBeNull();
    }
  });

  it('runs the shipped inline script in Chromium and blocks one injected later', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(`${server.baseUrl}/`);
      expect(await page.textContent('#out')).toBe('script ran');
      // What an XSS would do: add an inline script the server never hashed.
      await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = "document.getElementById('evil').textContent = 'pwned';";
        document.body.appendChild(script);
        const img = document.createElement('img');
        img.setAttribute('src', 'x');
        img.setAttribute('onerror', "document.getElementById('evil').textContent = 'pwned';");
        document.body.appendChild(img);
      });
      await page.waitForTimeout(200);
      expect(await page.textContent('#evil')).toBe('clean');
      expect(violations.length).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
