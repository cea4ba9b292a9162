import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../api/config/load.ts';
import { silentLogger } from '../../api/lib/logger.ts';
import { SitePublisher } from '../../api/workers/publisher.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { postRecentResults } from '../helpers/site-fixture.ts';

/**
 * The banner-refresh script of a published page against the live API: a small public build of a
 * page that was green when built, opened in Chromium with a fake browser clock, so the 2-minute
 * check runs at once. The page is static; only the script's notice may change.
 */
const NOW = '2026-11-01T12:00:00Z';
const config = validateConfig({
  page: { name: 'Live Status', staleAfter: '10m' },
  components: [{ key: 'api', name: 'API' }],
  monitors: [{ key: 'api-health', component: 'api', kind: 'http' as const, url: 'http://127.0.0.1:9/health', regions: ['eu'] }],
});

describe('the published site, live', () => {
  let server: TestServer;
  let dataDir: string;
  let publisher: SitePublisher;
  let browser: Browser;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-site-live-'));
    server = await startTestServer({ now: NOW, config, serveSite: true, settings: { dataDir } });
    await postRecentResults(server, [{ key: 'api-health', regions: ['eu'] }]);
    publisher = new SitePublisher({ dataDir, apiUrl: server.baseUrl, logger: silentLogger, debounceMs: 50, retryMs: 3_600_000 });
    expect(await publisher.publish()).toMatchObject({ ok: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await publisher.stop();
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Opens the home page with a fake clock; the API's state is whatever the test set before. */
  async function openHome(): Promise<Page> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.clock.install({ time: new Date(NOW) });
    const response = await page.goto(`${server.baseUrl}/`);
    expect(response?.status()).toBe(200);
    return page;
  }

  /** Runs the script's 2-minute check and waits for its fetch to land. */
  async function tick(page: Page): Promise<void> {
    const answered = page.waitForResponse((response) => response.url().endsWith('/api/v2/status.json'));
    await page.clock.fastForward(121_000);
    await answered;
    await page.waitForTimeout(50);
  }

  const note = (page: Page) => page.locator('#banner-live');

  it('was built green from fresh data, and stays quiet while nothing changes', async () => {
    const page = await openHome();
    expect(await page.locator('body').getAttribute('data-indicator')).toBe('none');
    expect(await page.locator('#banner-desc').innerText()).toBe('All Systems Operational');
    await tick(page);
    expect(await note(page).innerText()).toBe('');
    await page.context().close();
  });

  it('announces a component status changed through the API after its next check', async () => {
    const page = await openHome();
    const changed = await server.request('/api/v1/components/api/status', { method: 'PUT', json: { status: 'major_outage', reason: 'test' } });
    expect(changed.status).toBe(200);
    expect(await note(page).innerText()).toBe('');
    await tick(page);
    expect(await note(page).getAttribute('data-now')).toBe('critical');
    expect(await note(page).innerText()).toContain('The status has changed since this page was built (now: Major Service Outage)');
    await page.context().close();
    expect((await server.request('/api/v1/components/api/status', { method: 'DELETE' })).status).toBeLessThan(300);
  });

  it('says the status is unknown when data goes stale, though status.json still reads "none"', async () => {
    const page = await openHome();
    server.clock.advance(11 * 60_000);
    const status = (await (await fetch(`${server.baseUrl}/api/v2/status.json`)).json()) as { status: { indicator: string; description: string } };
    // Statuspage's enum has no "unknown": the indicator stays "none", the description tells.
    expect(status.status.indicator).toBe('none');
    expect(status.status.description).toMatch(/^Status unknown/);
    await tick(page);
    expect(await note(page).getAttribute('data-now')).toBe('unknown');
    expect(await note(page).innerText()).toContain('The current status is unknown');
    expect(await note(page).innerText()).not.toContain('All Systems Operational');
    await page.context().close();
  });

  it('lets other sites frame the widget and use the badges, and nothing else', async () => {
    const widget = await fetch(`${server.baseUrl}/widget/`);
    expect(widget.headers.get('x-frame-options')).toBeNull();
    expect(widget.headers.get('content-security-policy')).toContain('frame-ancestors *');
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const badge = await fetch(`${server.baseUrl}/badges/api/status.svg`);
    expect(badge.status).toBe(200);
    expect(badge.headers.get('content-type')).toBe('image/svg+xml');
    expect(badge.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(badge.headers.get('x-frame-options')).toBeNull();
    expect(await badge.text()).toContain('API: operational');
    const home = await fetch(`${server.baseUrl}/`);
    expect(home.headers.get('x-frame-options')).toBe('DENY');
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // In the browser, from another origin: the widget shows in its frame, the home page does not.
    const context = await browser.newContext();
    const page = await context.newPage();
    // The embedding page lives on another origin (another loopback port).
    const embedder = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        `<!doctype html><title>Embedder</title><iframe name="w" src="${server.baseUrl}/widget/"></iframe><iframe name="h" src="${server.baseUrl}/"></iframe><img alt="badge" src="${server.baseUrl}/badges/api/uptime-30d.svg">`,
      );
    });
    await new Promise<void>((done) => embedder.listen(0, '127.0.0.1', done));
    const { port } = embedder.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForLoadState('load');
    const widgetFrame = page.frame({ name: 'w' });
    expect(await widgetFrame?.locator('h1').innerText()).not.toBe('');
    expect(await widgetFrame?.locator('a').getAttribute('target')).toBe('_top');
    const homeFrame = page.frame({ name: 'h' });
    expect(await homeFrame?.locator('#banner-desc').count()).toBe(0);
    expect(await page.locator('img[alt="badge"]').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await context.close();
    await new Promise((done) => embedder.close(done));
  });
});
