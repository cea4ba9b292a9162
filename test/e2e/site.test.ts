import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import { serve } from '@hono/node-server';
import lighthouse from 'lighthouse';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { validateConfig } from '../../api/config/load.ts';
import { AppEvents } from '../../api/lib/events.ts';
import { silentLogger } from '../../api/lib/logger.ts';
import { liveLink, liveSiteDir } from '../../api/site/paths.ts';
import { SitePublisher, siteReadinessCheck } from '../../api/workers/publisher.ts';
import { sloSeries } from '../../api/domain/rollups.ts';
import { addToRollups } from '../../api/services/rollup-writer.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { postRecentResults, seedHistory } from '../helpers/site-fixture.ts';

/**
 * The published status site end to end: the real API on a temp database, the real publisher
 * running `astro build` against it, the result served by the app and read in headless Chromium.
 * One build is shared by the whole file (builds take seconds).
 */
const NOW = '2026-11-01T12:00:00Z';
const COMPONENTS = 20;
const SECRET = {
  component: 'Zebra Vault Hidden Component',
  slo: 'Hush Budget Internal SLO',
  drill: 'Fire Drill Internal Rehearsal',
  nearMiss: 'Quiet Near Miss Internal',
};
const XSS_BODY = [
  'We are investigating elevated errors.',
  '<script>window.__xss = "script"</script>',
  '<img src="x" onerror="window.__xss = \'onerror\'">',
  '[click me](javascript:window.__xss=\'link\')',
  '<a href="javascript:window.__xss=\'raw link\'">raw</a>',
  '<svg onload="window.__xss = \'svg\'"></svg>',
].join('\n\n');

/** More resolved incidents than Statuspage's incidents.json holds (50), one every 6 days back. */
const PAST_INCIDENTS = 55;
const POSTMORTEM = {
  summary: 'Dashboards were slow because a **cache** was cold. <script>window.__xss = "postmortem"</script>',
  rootCause: 'A deploy flushed the query cache.',
  factor: 'No warm-up step after deploys',
  lucky: 'It was a quiet Sunday.',
  lessons: 'Warm caches before taking traffic.',
};

const monitorsOf = (indexes: number[]) => indexes.map((index) => ({ key: `m-${index}`, regions: ['eu'] }));

const config = validateConfig({
  page: { name: 'Acme Status', staleAfter: '10m' },
  groups: [
    { key: 'core', name: 'Core platform' },
    { key: 'edge', name: 'Edge' },
  ],
  components: [
    ...Array.from({ length: COMPONENTS }, (_, index) => ({ key: `c-${index}`, name: `Service ${index}`, group: index % 2 === 0 ? 'core' : 'edge' })),
    { key: 'vault', name: SECRET.component, public: false },
  ],
  monitors: [
    ...Array.from({ length: COMPONENTS }, (_, index) => ({
      key: `m-${index}`,
      component: `c-${index}`,
      kind: 'http' as const,
      url: `http://127.0.0.1:9/${index}`,
      regions: ['eu'],
    })),
    { key: 'm-vault', component: 'vault', kind: 'http' as const, url: 'http://127.0.0.1:9/vault', regions: ['eu'] },
  ],
  slos: [
    { key: 'c0-availability', name: 'Service 0 availability', service: 'c-0', sli: { kind: 'availability', monitors: ['m-0'] }, target: 0.99, window: '30d', public: true },
    { key: 'hush', name: SECRET.slo, service: 'vault', sli: { kind: 'availability', monitors: ['m-vault'] }, target: 0.999, window: '30d' },
  ],
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
  });
}

describe('the published status site', () => {
  let server: TestServer;
  let dataDir: string;
  let events: AppEvents;
  let publisher: SitePublisher;
  let browser: Browser;
  let readToken: string;
  let xssIncidentId: string;
  let maintenanceId: string;
  let postmortemIncidentId: string;
  const pastIncidents: { id: string; startedAt: string }[] = [];
  const onChange = () => publisher.schedule();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-site-'));
    events = new AppEvents();
    server = await startTestServer({
      now: NOW,
      config,
      events,
      serveSite: true,
      settings: { dataDir },
      readinessChecks: [siteReadinessCheck(dataDir)],
    });
    const withData = Array.from({ length: COMPONENTS }, (_, index) => index).filter((index) => index !== 2);
    await seedHistory(server.db, [...monitorsOf(withData), { key: 'm-vault', regions: ['eu'] }], server.clock.now(), {
      badDays: { 3: 0.97, 10: 0.5 },
    });
    // c-1 is failing now; c-2 has never reported; the rest are healthy.
    await postRecentResults(server, [...monitorsOf(withData), { key: 'm-vault', regions: ['eu'] }], {
      count: 4,
      ok: (monitor) => monitor !== 'm-1',
    });
    readToken = await server.tokenWith('read');

    const created = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name: 'Elevated API errors', impact: 'major', body: XSS_BODY, components: [{ id: 'c-3', status: 'partial_outage' }] },
    });
    expect(created.status).toBe(201);
    xssIncidentId = ((await created.json()) as { id: string }).id;
    const old = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name: 'Slow dashboard', impact: 'minor', body: 'Dashboards load slowly.', components: [{ id: 'c-4', status: 'degraded_performance' }], startedAt: '2026-10-20T08:00:00Z' },
    });
    const oldId = ((await old.json()) as { id: string }).id;
    expect((await server.request(`/api/v1/incidents/${oldId}/resolve`, { method: 'POST', json: { body: 'Fixed.' } })).status).toBeLessThan(300);
    postmortemIncidentId = oldId;
    const postmortem = await server.request('/api/v1/postmortems', {
      method: 'POST',
      json: {
        incidentId: oldId,
        visibility: 'public',
        summary: POSTMORTEM.summary,
        rootCause: POSTMORTEM.rootCause,
        contributingFactors: [POSTMORTEM.factor],
        whereWeGotLucky: POSTMORTEM.lucky,
        lessons: POSTMORTEM.lessons,
      },
    });
    expect(postmortem.status).toBe(201);
    const postmortemId = ((await postmortem.json()) as { id: string }).id;
    expect((await server.request(`/api/v1/postmortems/${postmortemId}`, { method: 'PATCH', json: { status: 'published' } })).status).toBe(200);
    for (let index = 0; index < PAST_INCIDENTS; index += 1) {
      const startedAt = new Date(Date.parse('2026-10-10T09:00:00Z') - index * 6 * 86_400_000).toISOString();
      const past = await server.request('/api/v1/incidents', {
        method: 'POST',
        json: { name: `Past incident ${index}`, impact: 'minor', body: 'Resolved quickly.', status: 'resolved', startedAt },
      });
      expect(past.status).toBe(201);
      pastIncidents.push({ id: ((await past.json()) as { id: string }).id, startedAt });
    }
    // A fixed error-budget data set for the report: October 100 000 events, 500 bad (half the
    // 1 % budget); November so far 10 000 events with the 4 fresh results above, 10 bad.
    await server.db.write(async (tx) => {
      await addToRollups(tx, [
        { series: sloSeries('c0-availability'), atMs: Date.parse('2026-10-15T12:00:00Z'), total: 100_000, good: 99_500 },
        { series: sloSeries('c0-availability'), atMs: Date.parse('2026-11-01T05:00:00Z'), total: 9_996, good: 9_986 },
      ]);
    });
    const drill = await server.request('/api/v1/incidents', { method: 'POST', json: { name: SECRET.drill, impact: 'critical', body: 'Rehearsal.', drill: true } });
    expect(drill.status).toBe(201);
    const maintenance = await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'Database upgrade', body: 'Short read-only window.', scheduledFor: '2026-11-03T02:00:00Z', scheduledUntil: '2026-11-03T03:00:00Z', components: ['c-5'] },
    });
    expect(maintenance.status).toBe(201);
    maintenanceId = ((await maintenance.json()) as { id: string }).id;
    const nearMiss = await server.request('/api/v1/near-misses', {
      method: 'POST',
      json: { title: SECRET.nearMiss, whatHappened: 'Disk almost full.', discoveredHow: 'dashboard', anonymous: true, stoppedBy: 'human', worstOutcome: 'outage', recurrenceLikelihood: 'possible' },
    });
    expect(nearMiss.status).toBe(201);

    publisher = new SitePublisher({ dataDir, apiUrl: server.baseUrl, logger: silentLogger, internalToken: async () => readToken, debounceMs: 50, retryMs: 3_600_000 });
    const first = await publisher.publish();
    expect(first).toMatchObject({ ok: true });
    events.on('public.changed', onChange);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    events.off('public.changed', onChange);
    await publisher.stop();
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  interface OpenOptions {
    javaScript?: boolean;
    auth?: boolean;
    width?: number;
    colorScheme?: 'light' | 'dark';
    reducedMotion?: 'reduce' | 'no-preference';
  }
  const open = async (path: string, options: OpenOptions = {}): Promise<Page> => {
    const context = await browser.newContext({
      javaScriptEnabled: options.javaScript ?? true,
      ...(options.auth ? { httpCredentials: { username: 'reader', password: readToken } } : {}),
      ...(options.width ? { viewport: { width: options.width, height: 640 } } : {}),
      colorScheme: options.colorScheme ?? 'light',
      reducedMotion: options.reducedMotion ?? 'no-preference',
    });
    const page = await context.newPage();
    const response = await page.goto(`${server.baseUrl}${path}`);
    expect(response?.status(), path).toBeLessThan(path.startsWith('/no-such') ? 500 : 400);
    return page;
  };

  it('shows each component with its status, and never "All Systems Operational" while data is missing', async () => {
    const page = await open('/');
    const status = (id: string) => page.locator(`li[data-component="${id}"] [data-status]`).getAttribute('data-status');
    expect(await status('c-0')).toBe('operational');
    expect(['major_outage', 'partial_outage']).toContain(await status('c-1'));
    expect(await status('c-2')).toBe('unknown');
    expect(await page.locator('li[data-component="c-2"]').innerText()).toContain('No monitoring data yet');
    expect(await status('c-3')).toBe('partial_outage');
    const banner = await page.locator('#banner-desc').innerText();
    expect(banner).not.toBe('All Systems Operational');
    expect(await page.locator('.banner').innerText()).toContain('have no recent monitoring data');
    expect(await page.locator('h2', { hasText: 'Active incidents' }).count()).toBe(1);
    expect(await page.locator('h2', { hasText: 'Maintenance' }).count()).toBe(1);
    // The uptime bar: 90 cells per component, each with its text alternative.
    const cells = page.locator('li[data-component="c-0"] ol.bar90 > li');
    expect(await cells.count()).toBe(90);
    expect(await cells.nth(86).innerText()).toMatch(/^\d{4}-\d{2}-\d{2}: 97\.00 % uptime, no incidents$/);
    expect(await cells.nth(89).locator('.sr').textContent()).toMatch(/2026-11-01: 100\.00 % uptime/);
    expect(await page.locator('li[data-component="c-2"] ol.bar90 > li.n').count()).toBe(90);
    await page.context().close();
  });

  it('serves a home page with 20 components in at most 50 KB gzipped, readable without JavaScript', async () => {
    const html = await (await fetch(`${server.baseUrl}/`)).text();
    const assets = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1] ?? '');
    let total = gzipSync(html).length;
    for (const asset of assets) total += gzipSync(Buffer.from(await (await fetch(`${server.baseUrl}${asset}`)).arrayBuffer())).length;
    expect(total).toBeLessThanOrEqual(50 * 1024);
    expect(html).not.toMatch(/<script[^>]+src=/);
    const page = await open('/', { javaScript: false });
    const text = await page.locator('main').innerText();
    for (let index = 0; index < COMPONENTS; index += 1) expect(text).toContain(`Service ${index}`);
    expect(text).toContain('Elevated API errors');
    await page.context().close();
  });

  it('keeps internal data out of the public build (and puts it in the internal one)', async () => {
    const read = (kind: 'public' | 'internal') => {
      const dir = liveSiteDir(dataDir, kind);
      if (!dir) throw new Error(`no ${kind} build`);
      return filesUnder(dir).map((file) => readFileSync(file, 'utf8')).join('\n');
    };
    const publicText = read('public');
    const internalText = read('internal');
    for (const secret of Object.values(SECRET)) {
      expect(publicText, secret).not.toContain(secret);
    }
    expect(publicText).not.toContain('/components/vault/');
    expect(internalText).toContain(SECRET.component);
    expect(internalText).toContain(SECRET.slo);
    expect(internalText).toContain(SECRET.drill);
    expect(internalText).toContain(SECRET.nearMiss);
  });

  it('serves internal pages only to readers with a read token', async () => {
    expect((await fetch(`${server.baseUrl}/internal/ops/`)).status).toBe(401);
    const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`me:${password}`).toString('base64')}` });
    expect((await fetch(`${server.baseUrl}/internal/ops/`, { headers: basic('hr_wrong_token_that_is_long') })).status).toBe(401);
    const ok = await fetch(`${server.baseUrl}/internal/ops/`, { headers: basic(readToken) });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toContain('no-store');
    expect(await ok.text()).toContain(SECRET.nearMiss);
    // The site never shadows the API.
    expect((await fetch(`${server.baseUrl}/api/v1/nope`)).headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
  });

  it('renders script, event-handler and javascript: payloads in an incident inert in the browser', async () => {
    const page = await open(`/incidents/${xssIncidentId}/`);
    let dialogs = 0;
    page.on('dialog', (dialog) => {
      dialogs += 1;
      void dialog.dismiss();
    });
    const links = page.locator('.timeline a');
    for (let index = 0; index < (await links.count()); index += 1) await links.nth(index).click({ noWaitAfter: true }).catch(() => undefined);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
    const handlers = await page.evaluate(
      () => [...document.querySelectorAll('main *')].filter((el) => [...el.attributes].some((attr) => attr.name.startsWith('on'))).length,
    );
    expect(handlers).toBe(0);
    expect(await page.locator('a[href^="javascript:"], main script, main svg').count()).toBe(0);
    expect(await page.locator('.timeline').innerText()).toContain('We are investigating elevated errors.');
    await page.context().close();
  });

  it('shows a published postmortem on its incident page, rendered from its sections without the injected script', async () => {
    const page = await open(`/incidents/${postmortemIncidentId}/`);
    const section = page.locator('section[aria-labelledby="pm-h"]');
    expect(await section.locator('h2').innerText()).toBe('Postmortem');
    expect(await section.locator('h2, h3').allInnerTexts()).toEqual(['Postmortem', 'Summary', 'Root cause', 'Contributing factors', 'Where we got lucky', 'Lessons']);
    const text = await section.innerText();
    expect(text).toContain('Dashboards were slow because a cache was cold.');
    expect(await section.locator('strong', { hasText: 'cache' }).count()).toBe(1);
    for (const part of [POSTMORTEM.rootCause, POSTMORTEM.factor, POSTMORTEM.lucky, POSTMORTEM.lessons]) expect(text).toContain(part);
    expect(text).toContain('Published 1 Nov 2026, 12:00 UTC');
    expect(await section.locator('script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    // The incident without a postmortem has no such section.
    const other = await open(`/incidents/${xssIncidentId}/`);
    expect(await other.locator('#pm-h').count()).toBe(0);
    await page.context().close();
    await other.context().close();
  });

  it('lists every incident by month in the history, beyond the 50 of incidents.json', async () => {
    const v2 = (await (await fetch(`${server.baseUrl}/api/v2/incidents.json`)).json()) as { incidents: unknown[] };
    expect(v2.incidents).toHaveLength(50);
    const page = await open('/history/');
    const months = await page.locator('main section').evaluateAll((sections) =>
      sections.map((section) => ({
        month: section.querySelector('h2')?.textContent ?? '',
        ids: [...section.querySelectorAll('h3 a')].map((link) => (link.getAttribute('href') ?? '').split('/').filter(Boolean).pop() ?? ''),
      })),
    );
    const listed = months.flatMap((month) => month.ids);
    expect(listed).toHaveLength(PAST_INCIDENTS + 2);
    expect(new Set(listed).size).toBe(listed.length);
    for (const incident of [...pastIncidents, { id: xssIncidentId, startedAt: NOW }, { id: postmortemIncidentId, startedAt: '2026-10-20T08:00:00Z' }]) {
      const month = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: 'long' }).format(new Date(incident.startedAt));
      expect(months.find((entry) => entry.ids.includes(incident.id))?.month, incident.id).toBe(month);
    }
    // Newest month first; the oldest incident (55 × 6 days back) is in November 2025.
    expect(months[0]?.month).toBe('November 2026');
    expect(months.at(-1)?.month).toBe('November 2025');
    // Every incident has its own page, the oldest included.
    const oldest = pastIncidents.at(-1);
    expect((await fetch(`${server.baseUrl}/incidents/${oldest?.id ?? ''}/`)).status).toBe(200);
    await page.context().close();
  });

  it('renders the internal error-budget report for this month and last from the report API, with charts, tables and a print style', async () => {
    expect((await fetch(`${server.baseUrl}/internal/ops/reports/`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/ops/reports/`)).status).toBe(404);
    const page = await open('/internal/ops/reports/', { auth: true, colorScheme: 'dark' });
    const row = (period: string) => page.locator(`section[data-period="${period}"] tr[data-slo="c0-availability"]`);
    const cell = (period: string, name: string) => row(period).locator(`[data-cell="${name}"]`).innerText();
    // October: 500 bad of 100 000 at a 99 % target: half the budget.
    expect(await cell('2026-10', 'attainment')).toBe('99.500 %');
    expect(await cell('2026-10', 'consumed')).toBe('50.0 %');
    expect(await cell('2026-10', 'remaining')).toBe('50.0 %');
    // November so far: 10 bad of 10 000: a tenth of the budget, better than October.
    expect(await cell('2026-11', 'attainment')).toBe('99.900 %');
    expect(await cell('2026-11', 'consumed')).toBe('10.0 %');
    expect(await row('2026-11').innerText()).toContain('better');
    expect(await page.locator('section[data-period="2026-10"] [data-figure="incidents"]').innerText()).toBe('3');
    // Both charts are drawn, each with its table of the same figures.
    await page.waitForFunction(() => document.querySelectorAll('canvas[data-bar-chart][data-animated]').length === 2);
    const table = await page.locator('table[data-table="budget-2026-11"] tbody').innerText();
    expect(table).toContain('Service 0 availability\t50.0 %\t10.0 %');
    // Printed (from a dark screen): no navigation, tables shown, black on white.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.top nav').isVisible()).toBe(false);
    expect(await page.locator('table[data-slos="2026-10"]').isVisible()).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    await page.context().close();
  });

  it('never scrolls sideways at 320 px on any page type', async () => {
    for (const entry of pageTypes()) {
      const page = await open(entry.path, { auth: entry.auth ?? false, width: 320 });
      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
      expect(widths.client, entry.path).toBe(320);
      expect(widths.scroll, entry.path).toBeLessThanOrEqual(320);
      await page.context().close();
    }
  }, 60_000);

  it('switches to dark colours under prefers-color-scheme: dark, with contrast that still passes axe', async () => {
    for (const entry of pageTypes()) {
      const page = await open(entry.path, { auth: entry.auth ?? false, colorScheme: 'dark' });
      if (entry.path !== '/widget/') {
        expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), entry.path).toBe('rgb(15, 17, 21)');
      }
      const results = await new AxeBuilder({ page }).withRules(['color-contrast', 'link-in-text-block']).analyze();
      expect(results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`), entry.path).toEqual([]);
      await page.context().close();
    }
  }, 90_000);

  it('honours prefers-reduced-motion: charts draw without animation and CSS transitions are off', async () => {
    const probe = (page: Page) =>
      page.evaluate(() => {
        const el = document.createElement('div');
        el.style.transition = 'opacity 1s';
        document.body.append(el);
        return getComputedStyle(el).transitionDuration;
      });
    const reduced = await open('/slos/c0-availability/', { reducedMotion: 'reduce' });
    await reduced.waitForFunction(() => document.querySelectorAll('canvas[data-animated]').length === 3);
    expect(await reduced.locator('canvas[data-animated="false"]').count()).toBe(3);
    expect(await probe(reduced)).toBe('0s');
    const normal = await open('/slos/c0-availability/');
    await normal.waitForFunction(() => document.querySelectorAll('canvas[data-animated]').length === 3);
    expect(await normal.locator('canvas[data-animated="true"]').count()).toBe(3);
    expect(await probe(normal)).toBe('1s');
    await reduced.context().close();
    await normal.context().close();
  });

  it('lets the keyboard reach every interactive element, in order', async () => {
    for (const path of ['/', '/components/c-0/']) {
      const page = await open(path);
      const expected = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex]')]
          .filter((el) => el.tabIndex >= 0 && !el.closest('[hidden]'))
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      expect(expected.length).toBeGreaterThan(5);
      const reached: string[] = [];
      for (let index = 0; index < expected.length; index += 1) {
        await page.keyboard.press('Tab');
        reached.push(await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120) ?? ''));
      }
      expect(reached, path).toEqual(expected);
      // The skip link comes first and is visible when focused.
      expect(reached[0]).toContain('Skip to content');
      await page.context().close();
    }
  });

  /** One page of every kind the site builds, public and internal. */
  const pageTypes = (): { path: string; auth?: boolean }[] => [
    { path: '/' },
    { path: `/incidents/${xssIncidentId}/` },
    { path: `/incidents/${postmortemIncidentId}/` },
    { path: '/history/' },
    { path: `/maintenance/${maintenanceId}/` },
    { path: '/components/c-0/' },
    { path: '/slos/' },
    { path: '/slos/c0-availability/' },
    { path: '/widget/' },
    { path: '/no-such-page/' },
    { path: '/internal/ops/', auth: true },
    { path: '/internal/ops/reports/', auth: true },
  ];

  it('has no axe violations on any page type', async () => {
    for (const entry of pageTypes()) {
      const page = await open(entry.path, { auth: entry.auth ?? false });
      const results = await new AxeBuilder({ page }).analyze();
      expect(
        results.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`),
        entry.path,
      ).toEqual([]);
      await page.context().close();
    }
  }, 90_000);

  it('shows an SLO page with its charts drawn only there', async () => {
    const page = await open('/slos/c0-availability/');
    expect(await page.locator('canvas[data-chart]').count()).toBe(3);
    await page.waitForFunction(() => document.querySelectorAll('canvas[data-chart]').length === 3);
    expect(await page.locator('script[src*="_astro"], script[type="module"]').count()).toBeGreaterThan(0);
    const home = await (await fetch(`${server.baseUrl}/`)).text();
    expect(home).not.toContain('type="module"');
    await page.context().close();
  });

  it('scores Lighthouse performance ≥ 95 and accessibility 100 on home, incident and SLO pages', async () => {
    const port = await freePort();
    const chrome = await launchChromium([`--remote-debugging-port=${port}`]);
    try {
      for (const path of ['/', `/incidents/${xssIncidentId}/`, '/slos/c0-availability/']) {
        const result = await lighthouse(`${server.baseUrl}${path}`, {
          port,
          output: 'json',
          logLevel: 'error',
          onlyCategories: ['performance', 'accessibility'],
        });
        const categories = result?.lhr.categories;
        expect(categories?.['performance']?.score ?? 0, `${path} performance`).toBeGreaterThanOrEqual(0.95);
        expect(categories?.['accessibility']?.score ?? 0, `${path} accessibility`).toBe(1);
      }
    } finally {
      await chrome.close();
    }
  }, 180_000);

  it('serves an incident posted through the API after the debounced rebuild', async () => {
    const started = performance.now();
    const response = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name: 'Checkout timeouts', impact: 'minor', body: 'Payments are timing out for some customers.', components: [{ id: 'c-6', status: 'degraded_performance' }] },
    });
    expect(response.status).toBe(201);
    let served = '';
    while (performance.now() - started < 30_000) {
      served = await (await fetch(`${server.baseUrl}/`)).text();
      if (served.includes('Payments are timing out for some customers.')) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(served).toContain('Checkout timeouts');
    expect(served).toContain('Payments are timing out for some customers.');
    const page = await open('/');
    expect(await page.locator('li[data-component="c-6"] [data-status]').getAttribute('data-status')).toBe('degraded_performance');
    await page.context().close();
  }, 60_000);

  it('keeps the published site when the API stops during a rebuild, and says so in /readyz', async () => {
    const before = readlinkSync(liveLink(dataDir, 'public'));
    const home = await (await fetch(`${server.baseUrl}/`)).text();
    // A second API process on the same database, stopped while the build runs.
    const app = createApp({ db: server.db, config, clock: server.clock });
    const api = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
    await new Promise((done) => api.once('listening', done));
    const { port } = api.address() as AddressInfo;
    const failing = new SitePublisher({ dataDir, apiUrl: `http://127.0.0.1:${port}`, logger: silentLogger, retryMs: 3_600_000 });
    const publishing = failing.publish();
    await new Promise((done) => setTimeout(done, 400));
    await new Promise<void>((done) => {
      api.close(() => done());
      if ('closeAllConnections' in api) api.closeAllConnections();
    });
    const result = await publishing;
    await failing.stop();
    expect(result.ok).toBe(false);
    expect(readlinkSync(liveLink(dataDir, 'public'))).toBe(before);
    const after = await fetch(`${server.baseUrl}/`);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe(home);
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { checks: { name: string; ok: boolean; detail?: string }[] };
    expect(body.checks.find((check) => check.name === 'site')).toMatchObject({ ok: false });
    expect(body.checks.find((check) => check.name === 'site')?.detail).toContain('serving the site published at');
    // No half-written build is left behind.
    const builds = readdirSync(join(dataDir, 'site', 'builds')).filter((name) => statSync(join(dataDir, 'site', 'builds', name)).isDirectory());
    for (const name of builds) expect(readdirSync(join(dataDir, 'site', 'builds', name))).toContain('index.html');
  }, 60_000);
});
