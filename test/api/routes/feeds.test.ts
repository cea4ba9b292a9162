import Parser from 'rss-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';

describe('feeds', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW, settings: { publicUrl: 'https://status.example.test' } });
    await server.request('/api/v1/incidents', { method: 'POST', json: { name: 'API errors', impact: 'major', body: 'We are **on it**. <script>alert(1)</script>' } });
    await server.request('/api/v1/incidents', { method: 'POST', json: { name: 'Secret drill', impact: 'critical', body: 'x', drill: true } });
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'DB upgrade', body: 'Upgrade.', scheduledFor: '2026-11-02T02:00:00Z', scheduledUntil: '2026-11-02T03:30:00Z', components: ['api'] },
    });
  });
  afterEach(() => server.close());

  const text = async (path: string) => {
    const response = await server.request(path, { token: null });
    expect(response.status).toBe(200);
    return { body: await response.text(), type: response.headers.get('content-type') ?? '' };
  };

  for (const [format, path, type] of [
    ['Atom', '/api/v1/feeds/history.atom', 'application/atom+xml'],
    ['RSS', '/api/v1/feeds/history.rss', 'application/rss+xml'],
  ] as const) {
    it(`serves a ${format} feed a real parser reads, with incidents and maintenance but no drills`, async () => {
      const { body, type: contentType } = await text(path);
      expect(contentType).toContain(type);
      const feed = await new Parser().parseString(body);
      const titles = feed.items.map((item) => item.title);
      expect(titles).toEqual(expect.arrayContaining(['API errors (Investigating)', 'Maintenance: DB upgrade (Scheduled)']));
      expect(titles.some((title) => title?.includes('drill'))).toBe(false);
      const incident = feed.items.find((item) => item.title?.startsWith('API errors'));
      expect(incident?.link).toMatch(/^https:\/\/status\.example\.test\/incidents\//);
      // RSS carries the full HTML in content:encoded (description is the summary); Atom in content.
      const html = String(incident?.['content:encoded'] ?? incident?.content ?? '');
      expect(html).toContain('<strong>on it</strong>');
      expect(html).not.toContain('<script');
    });
  }

  it('drops the cached feed when an incident changes', async () => {
    await text('/api/v1/feeds/history.atom');
    await server.request('/api/v1/incidents', { method: 'POST', json: { name: 'New one', impact: 'minor', body: 'x' } });
    const feed = await new Parser().parseString((await text('/api/v1/feeds/history.atom')).body);
    expect(feed.items.map((item) => item.title)).toContain('New one (Investigating)');
  });

  it('serves maintenance windows as iCalendar events', async () => {
    const { body, type } = await text('/api/v1/feeds/maintenance.ics');
    expect(type).toContain('text/calendar');
    expect(body).toMatch(/^BEGIN:VCALENDAR/);
    expect(body).toContain('SUMMARY:Maintenance: DB upgrade');
    expect(body).toContain('DTSTART:20261102T020000Z');
    expect(body).toContain('DTEND:20261102T033000Z');
    expect(body.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  });

  it('serves a self-contained API reference page at /api/docs that points at the OpenAPI document', async () => {
    const { body, type } = await text('/api/docs');
    expect(type).toContain('text/html');
    expect(body).toContain("fetch('/api/v1/openapi.json')");
    expect(body).not.toMatch(/<script[^>]+src=|https?:\/\/cdn/i);
    const openapi = (await (await server.request('/api/v1/openapi.json', { token: null })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/api/v1/incidents', '/api/v1/maintenances', '/api/v1/subscribers']));
  });
});
