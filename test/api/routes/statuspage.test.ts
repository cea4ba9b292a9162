import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { v2Schemas } from '../../helpers/statuspage-schema.ts';

const NOW = '2026-11-01T12:00:00Z';
type Doc = keyof typeof v2Schemas;
const DOCS = Object.keys(v2Schemas) as Doc[];

describe('Statuspage-compatible /api/v2', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW });
  });
  afterEach(() => server.close());

  async function get(doc: Doc) {
    const response = await server.request(`/api/v2/${doc}.json`, { token: null });
    expect(response.status).toBe(200);
    const body: unknown = await response.json();
    const parsed = v2Schemas[doc].safeParse(body);
    if (!parsed.success) throw new Error(`${doc}.json does not match Statuspage's format: ${JSON.stringify(parsed.error.issues.slice(0, 3))}`);
    return body as Record<string, unknown> & { status?: { indicator: string; description: string } };
  }

  async function reportHealthy() {
    const ingest = await server.tokenWith('ingest');
    const at = new Date(Date.parse(NOW) - 10_000).toISOString();
    const results = ['eu', 'us'].map((region) => ({ id: randomUUID(), monitor: 'api-health', region, at, ok: true, latencyMs: 80 }));
    results.push({ id: randomUUID(), monitor: 'web-home', region: 'eu', at, ok: true, latencyMs: 80 });
    const response = await server.request('/api/v1/results', { method: 'POST', json: { results }, token: ingest });
    expect(response.status).toBe(200);
  }

  it('serves every document in the strict Statuspage format, empty or full', async () => {
    for (const doc of DOCS) await get(doc);
    await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name: 'API errors', impact: 'major', body: 'Investigating.', components: [{ id: 'api', status: 'partial_outage' }] },
    });
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'DB upgrade', body: 'Upgrade.', scheduledFor: '2026-11-02T02:00:00Z', scheduledUntil: '2026-11-02T03:00:00Z', components: ['web'] },
    });
    for (const doc of DOCS) await get(doc);
    const summary = await get('summary');
    expect((summary['incidents'] as unknown[]).length).toBe(1);
    expect((summary['scheduled_maintenances'] as unknown[]).length).toBe(1);
  });

  it('nests grouped components under their group with group_id and lists the group\'s members', async () => {
    const { components } = (await get('components')) as unknown as { components: { id: string; group: boolean; group_id: string | null; components?: string[] }[] };
    const group = components.find((component) => component.id === 'core');
    expect(group).toMatchObject({ group: true, components: ['api'] });
    expect(components.find((component) => component.id === 'api')?.group_id).toBe('core');
    expect(components.find((component) => component.id === 'web')?.group_id).toBeNull();
  });

  it('never says "All Systems Operational" without recent monitoring data, and does once data is fresh', async () => {
    const before = await get('status');
    expect(before.status?.indicator).toBe('none');
    expect(before.status?.description).toMatch(/^Status unknown/);
    expect(before.status?.description).not.toContain('All Systems Operational');
    await reportHealthy();
    // New results were ingested; the cache expires within its TTL as time moves on.
    server.clock.advance(16_000);
    expect((await get('status')).status?.description).toBe('All Systems Operational');
    server.clock.advance(11 * 60_000);
    expect((await get('status')).status?.description).toMatch(/^Status unknown/);
  });

  it('reflects an open incident at once (cache dropped on change) and shows its updates and affected components', async () => {
    await reportHealthy();
    expect((await get('status')).status?.indicator).toBe('none');
    const opened = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name: 'API errors', impact: 'major', body: 'Investigating.', components: [{ id: 'api', status: 'partial_outage' }] },
    });
    const { id } = (await opened.json()) as { id: string };
    const status = await get('status');
    expect(status.status).toEqual({ indicator: 'major', description: 'Partial System Outage' });
    const { incidents } = (await get('incidents/unresolved')) as unknown as {
      incidents: { id: string; incident_updates: { affected_components: unknown }[]; components: { id: string; status: string }[] }[];
    };
    expect(incidents.map((incident) => incident.id)).toEqual([id]);
    expect(incidents[0]?.incident_updates[0]?.affected_components).toEqual([{ code: 'api', name: 'API', old_status: 'operational', new_status: 'partial_outage' }]);
    expect(incidents[0]?.components).toMatchObject([{ id: 'api', status: 'partial_outage' }]);

    await server.request(`/api/v1/incidents/${id}/resolve`, { method: 'POST', json: {} });
    expect((await get('incidents/unresolved'))['incidents']).toEqual([]);
    expect((await get('status')).status?.indicator).toBe('none');
  });

  it('never shows drills', async () => {
    await server.request('/api/v1/incidents', { method: 'POST', json: { name: 'Drill', impact: 'critical', body: 'x', drill: true, components: [{ id: 'api', status: 'major_outage' }] } });
    await server.request('/api/v1/maintenances', {
      method: 'POST',
      json: { name: 'Drill window', scheduledFor: '2026-11-02T02:00:00Z', scheduledUntil: '2026-11-02T03:00:00Z', drill: true },
    });
    const summary = await get('summary');
    expect(summary['incidents']).toEqual([]);
    expect(summary['scheduled_maintenances']).toEqual([]);
    expect((await get('incidents'))['incidents']).toEqual([]);
    const { components } = summary as unknown as { components: { id: string; status: string }[] };
    expect(components.find((component) => component.id === 'api')?.status).toBe('operational');
  });

  async function openResolved(name: string): Promise<string> {
    const opened = await server.request('/api/v1/incidents', {
      method: 'POST',
      json: { name, impact: 'minor', body: 'Looking.', components: [{ id: 'api', status: 'degraded_performance' }] },
    });
    const { id } = (await opened.json()) as { id: string };
    expect((await server.request(`/api/v1/incidents/${id}/resolve`, { method: 'POST', json: { body: 'Fixed.' } })).status).toBeLessThan(300);
    return id;
  }

  async function postmortem(incidentId: string, visibility: 'public' | 'internal', publish: boolean) {
    const created = await server.request('/api/v1/postmortems', {
      method: 'POST',
      json: {
        incidentId,
        visibility,
        summary: 'A bad config push <script>window.x=1</script>turned off the cache.',
        rootCause: 'The config loader accepted an empty list. <img src=x onerror="alert(1)">',
        contributingFactors: ['No canary for config', 'Alert routed to an old rota'],
        whereWeGotLucky: 'It happened at a quiet hour & traffic was low.',
        lessons: '> Validate config like code.',
      },
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    if (publish) expect((await server.request(`/api/v1/postmortems/${id}`, { method: 'PATCH', json: { status: 'published' } })).status).toBe(200);
    return id;
  }

  type V2Incident = {
    id: string;
    status: string;
    postmortem_body: string | null;
    postmortem_published_at: string | null;
    postmortem_body_last_updated_at: string | null;
  };

  it('carries a published public postmortem as postmortem_body (sections as Markdown, no HTML) and moves the incident to "postmortem"', async () => {
    const id = await openResolved('Cache outage');
    await postmortem(id, 'public', true);
    const { incidents } = (await get('incidents')) as unknown as { incidents: V2Incident[] };
    const incident = incidents.find((entry) => entry.id === id);
    expect(incident?.status).toBe('postmortem');
    expect(incident?.postmortem_published_at).toBe(NOW.replace('Z', '.000Z'));
    expect(incident?.postmortem_body_last_updated_at).toBe(NOW.replace('Z', '.000Z'));
    const body = incident?.postmortem_body ?? '';
    expect(body).toBe(
      [
        '## Summary\n\nA bad config push turned off the cache.',
        '## Root cause\n\nThe config loader accepted an empty list.',
        '## Contributing factors\n\n- No canary for config\n- Alert routed to an old rota',
        '## Where we got lucky\n\nIt happened at a quiet hour & traffic was low.',
        '## Lessons\n\n> Validate config like code.',
      ].join('\n\n'),
    );
  });

  it('leaves postmortem fields null for drafts and internal postmortems', async () => {
    const draft = await openResolved('Draft one');
    await postmortem(draft, 'public', false);
    const internal = await openResolved('Internal one');
    await postmortem(internal, 'internal', true);
    const { incidents } = (await get('incidents')) as unknown as { incidents: V2Incident[] };
    for (const id of [draft, internal]) {
      const incident = incidents.find((entry) => entry.id === id);
      expect(incident).toMatchObject({ status: 'resolved', postmortem_body: null, postmortem_published_at: null });
    }
  });

  it('stops incidents.json at 50, as Statuspage does', async () => {
    for (let index = 0; index < 52; index += 1) {
      const response = await server.request('/api/v1/incidents', {
        method: 'POST',
        json: { name: `Blip ${index}`, impact: 'none', body: 'x', status: 'resolved', startedAt: new Date(Date.parse(NOW) - (index + 1) * 3_600_000).toISOString() },
      });
      expect(response.status).toBe(201);
    }
    const { incidents } = (await get('incidents')) as unknown as { incidents: { name: string }[] };
    expect(incidents).toHaveLength(50);
    expect(incidents[0]?.name).toBe('Blip 0');
  });

  it('answers 304 to a poller that sends the ETag back', async () => {
    const first = await server.request('/api/v2/summary.json', { token: null });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await server.request('/api/v2/summary.json', { token: null, headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });
});
