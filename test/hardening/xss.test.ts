import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../api/lib/logger.ts';
import { SitePublisher } from '../../api/workers/publisher.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { seedRecords, type SeededIds } from '../helpers/hardening-seed.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A corpus of XSS payloads in every free-text field of incidents, updates, maintenance,
 * postmortems and near misses. Each payload, if it ever ran, would set `window.__xss` or open a
 * dialog. They must stay inert in the API's rendered HTML, in the Atom/RSS feeds, and in
 * Chromium on the built site (public and internal builds).
 */
const CORPUS = [
  '<script>window.__xss="script"</script>',
  '<ScRiPt >window.__xss="mixed-case"</sCrIpT>',
  '<img src=x onerror="window.__xss=\'img\'">',
  '<svg onload="window.__xss=\'svg\'"><circle r="1"/></svg>',
  '<svg><script>window.__xss="svg-script"</script></svg>',
  '<iframe src="javascript:top.__xss=\'iframe\'"></iframe>',
  '<iframe srcdoc="<script>top.__xss=1</script>"></iframe>',
  '<details open ontoggle="window.__xss=\'details\'">x</details>',
  '<a href="JaVaScRiPt:window.__xss=\'a\'">a</a>',
  '<a href="&#106;avascript:window.__xss=\'entity\'">entity</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
  '[md link](javascript:window.__xss=\'md-link\')',
  '[md data](data:text/html,<script>alert(1)</script>)',
  '![md img](x" onerror="window.__xss=\'md-img\')',
  '<div style="background:url(javascript:window.__xss=1)">style</div>',
  '"><script>window.__xss="attr-break"</script>',
  "'--></style></script><script>window.__xss='close-tags'</script>",
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=\'mxss\'">',
  '<scr<script>ipt>window.__xss="nested"</scr</script>ipt>',
  '<!--<img src="--><img src=x onerror="window.__xss=\'comment\'">',
  '<form action="javascript:window.__xss=1"><button>go</button></form>',
  '<base href="javascript://x/">',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">',
  '<object data="javascript:window.__xss=1"></object><embed src="javascript:window.__xss=1">',
  '<input autofocus onfocus="window.__xss=\'focus\'">',
  '<p <img src=x onerror="window.__xss=\'broken\'"',
  '`<img src=x onerror=window.__xss=1>`',
];
const SHORT = '<img src=x onerror="window.__xss=\'title\'"><script>window.__xss=1</script>';
const MARKER = 'XSS-CORPUS';

/** Short fields (names, titles) get one payload that fits; long ones get the whole corpus. */
function textFor(field: string): string {
  if (/name|title|factor/i.test(field)) return `${MARKER} ${SHORT}`;
  return `${MARKER} ${field}\n\n${CORPUS.join('\n\n')}`;
}

const DANGEROUS_TAGS = new Set(['script', 'iframe', 'object', 'embed', 'svg', 'math', 'img', 'style', 'base', 'meta', 'form', 'link', 'details', 'input', 'button', 'video', 'audio', 'source', 'frame', 'frameset']);

/** A static check of an HTML fragment: no executable tags, no event handlers, no script URLs. */
function expectInert(html: string, where: string): void {
  const tags = [...html.matchAll(/<\s*([a-zA-Z][a-zA-Z0-9-]*)/g)].map((match) => (match[1] ?? '').toLowerCase());
  expect(tags.filter((tag) => DANGEROUS_TAGS.has(tag)), where).toEqual([]);
  expect(html, where).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(html, where).not.toMatch(/(?:href|src|action|data|formaction)\s*=\s*["']?\s*(?:javascript|data|vbscript):/i);
  expect(html, where).not.toMatch(/&#0*106;avascript/i);
}

/** Every string under a key ending in "html" (bodyHtml, summaryHtml, ...). */
function htmlFields(value: unknown, path = ''): Array<{ path: string; html: string }> {
  if (Array.isArray(value)) return value.flatMap((item, index) => htmlFields(item, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, field]) =>
      typeof field === 'string' && /html$/i.test(key) ? [{ path: `${path}.${key}`, html: field }] : htmlFields(field, `${path}.${key}`),
    );
  }
  return [];
}

/** Text inside every CDATA section, or the entity-decoded text of elements without one. */
function feedFragments(xml: string): string[] {
  const cdata = [...xml.matchAll(/<!\[CDATA\[([\s\S]*?)\]\]>/g)].map((match) => match[1] ?? '');
  return cdata;
}

describe('XSS corpus', () => {
  let server: TestServer;
  let ids: SeededIds;
  let dataDir: string;
  let browser: Browser;
  let readToken: string;
  let publisher: SitePublisher;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-xss-'));
    server = await startTestServer({ serveSite: true, settings: { dataDir } });
    ids = await seedRecords(server, textFor);
    const published = await server.request(`/api/v1/postmortems/${ids.postmortemId}`, { method: 'PATCH', json: { status: 'published' } });
    expect(published.status).toBe(200);
    readToken = await server.tokenWith('read');
    publisher = new SitePublisher({ dataDir, apiUrl: server.baseUrl, logger: silentLogger, internalToken: async () => readToken, retryMs: 3_600_000 });
    const result = await publisher.publish();
    expect(result, result.error).toMatchObject({ ok: true });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await publisher.stop();
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function apiHtml(): Promise<Array<{ path: string; html: string }>> {
    const out: Array<{ path: string; html: string }> = [];
    for (const path of [
      `/api/v1/incidents/${ids.incidentId}`,
      `/api/v1/maintenances/${ids.maintenanceId}`,
      `/api/v1/postmortems/${ids.postmortemId}`,
      `/api/v1/near-misses/${ids.nearMissId}`,
    ]) {
      const response = await server.request(path);
      expect(response.status, path).toBe(200);
      out.push(...htmlFields(await response.json(), path));
    }
    return out;
  }

  it('keeps the rendered Markdown in API responses free of scripts, handlers and script URLs', async () => {
    const fields = await apiHtml();
    // Incident updates and maintenance bodies are rendered; the corpus must have reached them.
    expect(fields.length).toBeGreaterThanOrEqual(3);
    expect(fields.some((field) => field.html.includes(MARKER))).toBe(true);
    for (const field of fields) expectInert(field.html, field.path);
  });

  it('runs none of the rendered API HTML when a browser loads it', async () => {
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    for (const field of await apiHtml()) {
      // No CSP here on purpose: the sanitiser alone must make the markup inert.
      await page.setContent(`<!doctype html><body>${field.html}</body>`);
      await page.waitForTimeout(50);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), field.path).toBeUndefined();
    }
    expect(dialogs).toBe(0);
    await page.close();
  });

  it('keeps titles escaped and content sanitised in the Atom and RSS feeds', async () => {
    for (const path of ['/api/v1/feeds/history.atom', '/api/v1/feeds/history.rss']) {
      const xml = await (await server.request(path, { token: null })).text();
      expect(xml, path).toContain(MARKER);
      const fragments = feedFragments(xml);
      expect(fragments.length, path).toBeGreaterThan(2);
      for (const fragment of fragments) expectInert(fragment, `${path}: ${fragment.slice(0, 80)}`);
      // Outside CDATA (the feed's own elements, `<link>` included) nothing of the corpus may appear either.
      const outside = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
      expect(outside, path).not.toMatch(/<\s*(script|img|svg|iframe|object|embed|math|style|form|input|details)\b/i);
      expect(outside, path).not.toMatch(/\son[a-z]+\s*=/i);
    }
  });

  async function newSitePage(internal: boolean): Promise<Page> {
    const context = await browser.newContext(internal ? { httpCredentials: { username: 'reader', password: readToken } } : {});
    return context.newPage();
  }

  it('stays inert in Chromium on every page of the built site that shows the corpus, public and internal', async () => {
    const pages: Array<{ path: string; internal: boolean }> = [
      { path: '/', internal: false },
      { path: `/incidents/${ids.incidentId}/`, internal: false },
      { path: `/maintenance/${ids.maintenanceId}/`, internal: false },
      { path: '/history/', internal: false },
      { path: '/internal/', internal: true },
      { path: `/internal/incidents/${ids.incidentId}/`, internal: true },
      { path: '/internal/ops/', internal: true },
    ];
    let sawCorpus = 0;
    for (const { path, internal } of pages) {
      const page = await newSitePage(internal);
      let dialogs = 0;
      page.on('dialog', (dialog) => {
        dialogs += 1;
        void dialog.dismiss();
      });
      const response = await page.goto(`${server.baseUrl}${path}`);
      expect(response?.status(), path).toBe(200);
      await page.waitForTimeout(100);
      const found = await page.evaluate(() => {
        const handlers = [...document.querySelectorAll('*')].flatMap((element) =>
          [...element.attributes].filter((attribute) => /^on/i.test(attribute.name)).map((attribute) => `${element.tagName}[${attribute.name}]`),
        );
        const scriptUrls = [...document.querySelectorAll('body [href], body [src], body [action], body [formaction], body object[data]')]
          .map((element) => element.getAttribute('href') ?? element.getAttribute('src') ?? element.getAttribute('action') ?? element.getAttribute('formaction') ?? element.getAttribute('data') ?? '')
          .filter((url) => /^\s*(javascript|data|vbscript):/i.test(url));
        return {
          xss: (window as unknown as { __xss?: unknown }).__xss,
          handlers,
          scriptUrls,
          foreignTags: document.querySelectorAll('main iframe, main object, main embed, main svg script, main img[onerror], main form, main base, main meta').length,
          corpusShown: document.body.innerText.includes('XSS-CORPUS'),
          // The site's own inline script ran (CSP allowed it): it adds local times.
          ownScriptRan: document.querySelectorAll('.local').length > 0,
        };
      });
      expect(found.xss, path).toBeUndefined();
      expect(dialogs, path).toBe(0);
      expect(found.handlers, path).toEqual([]);
      expect(found.scriptUrls, path).toEqual([]);
      expect(found.foreignTags, path).toBe(0);
      expect(found.ownScriptRan, path).toBe(true);
      if (found.corpusShown) sawCorpus += 1;
      await page.context().close();
    }
    // The payloads really were on the pages (as text), so the checks above had something to catch.
    expect(sawCorpus).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
