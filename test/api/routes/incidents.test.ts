import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, incidents, outbox } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';

interface IncidentJson {
  id: string;
  status: string;
  impact: string;
  drill: boolean;
  startedAt: string;
  identifiedAt: string | null;
  monitoringAt: string | null;
  resolvedAt: string | null;
  commander: string | null;
  templateId: string | null;
  components: { id: string; status: string; runbookUrl: string | null }[];
  updates: { id: string; status: string; body: string; bodyHtml: string; displayAt: string; editedAt: string | null }[];
}

describe('/api/v1/incidents', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW });
  });
  afterEach(() => server.close());

  const open = async (json: Record<string, unknown>, token?: string) => {
    const response = await server.request('/api/v1/incidents', { method: 'POST', json, ...(token ? { token } : {}) });
    return { response, body: (await response.json()) as IncidentJson & { code?: string; issues?: { path: string }[] } };
  };

  it('opens an incident with its first update, component statuses and roles', async () => {
    const { response, body } = await open({
      name: 'API errors',
      impact: 'major',
      body: 'Investigating elevated errors.',
      components: [{ id: 'api', status: 'partial_outage' }],
      commander: 'alice',
      communicationsLead: 'bob',
    });
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ status: 'investigating', impact: 'major', drill: false, startedAt: '2026-11-01T12:00:00.000Z', commander: 'alice' });
    expect(body.components).toEqual([{ id: 'api', name: 'API', status: 'partial_outage', runbookUrl: null }]);
    expect(body.updates).toHaveLength(1);
    const audit = await server.db.orm.select().from(auditLog).where(eq(auditLog.action, 'incident.open'));
    expect(audit).toHaveLength(1);
  });

  it('accepts a backdated start and refuses a future one with 422 future_start, writing nothing', async () => {
    const past = await open({ name: 'Earlier', impact: 'minor', body: 'x', startedAt: '2026-11-01T09:30:00Z' });
    expect(past.response.status).toBe(201);
    expect(past.body.startedAt).toBe('2026-11-01T09:30:00.000Z');
    expect(past.body.updates[0]?.displayAt).toBe('2026-11-01T09:30:00.000Z');
    const future = await open({ name: 'Later', impact: 'minor', body: 'x', startedAt: '2026-11-01T13:00:00Z' });
    expect(future.response.status).toBe(422);
    expect(future.body.code).toBe('future_start');
    expect(await server.db.orm.select().from(incidents)).toHaveLength(1);
  });

  it('rejects an unknown component with 422 naming it, and writes no incident', async () => {
    const { response, body } = await open({ name: 'x', impact: 'minor', body: 'x', components: [{ id: 'api', status: 'major_outage' }, { id: 'nope', status: 'major_outage' }] });
    expect(response.status).toBe(422);
    expect(body.code).toBe('unknown_component');
    expect(body.issues?.[0]?.path).toBe('components[1].id');
    expect(await server.db.orm.select().from(incidents)).toHaveLength(0);
  });

  it('requires name, impact and body without a template (422 listing each)', async () => {
    const { response, body } = await open({});
    expect(response.status).toBe(422);
    expect(body.issues?.map((issue) => issue.path).sort()).toEqual(['body', 'impact', 'name']);
  });

  it('moves through identified, monitoring and resolved, stamping each time and restoring components on resolve', async () => {
    const { body: incident } = await open({ name: 'DB latency', impact: 'minor', body: 'Slow queries.', components: [{ id: 'api', status: 'degraded_performance' }] });
    server.clock.advance(5 * 60_000);
    await server.request(`/api/v1/incidents/${incident.id}/updates`, { method: 'POST', json: { status: 'identified', body: 'A missing index.' } });
    server.clock.advance(5 * 60_000);
    await server.request(`/api/v1/incidents/${incident.id}/updates`, { method: 'POST', json: { status: 'monitoring', body: 'Index added.' } });
    server.clock.advance(5 * 60_000);
    const resolved = await server.request(`/api/v1/incidents/${incident.id}/resolve`, { method: 'POST', json: { body: 'All good.' } });
    const body = (await resolved.json()) as IncidentJson;
    expect(body).toMatchObject({
      status: 'resolved',
      identifiedAt: '2026-11-01T12:05:00.000Z',
      monitoringAt: '2026-11-01T12:10:00.000Z',
      resolvedAt: '2026-11-01T12:15:00.000Z',
    });
    expect(body.updates.map((update) => update.status)).toEqual(['resolved', 'monitoring', 'identified', 'investigating']);
    expect(body.components[0]?.status).toBe('operational');
    const again = await server.request(`/api/v1/incidents/${incident.id}/resolve`, { method: 'POST', json: {} });
    expect(again.status).toBe(409);
  });

  it('edits an update without a new notice, keeping before and after in the audit log', async () => {
    const { body: incident } = await open({ name: 'Typo', impact: 'none', body: 'Teh API is slow.' });
    const updateId = incident.updates[0]?.id ?? '';
    const outboxBefore = (await server.db.orm.select().from(outbox)).length;
    const response = await server.request(`/api/v1/incidents/${incident.id}/updates/${updateId}`, { method: 'PATCH', json: { body: 'The API is slow.' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as IncidentJson;
    expect(body.updates[0]?.body).toBe('The API is slow.');
    expect(body.updates[0]?.editedAt).toBe('2026-11-01T12:00:00.000Z');
    const [entry] = await server.db.orm.select().from(auditLog).where(eq(auditLog.action, 'incident.update.edit'));
    expect(entry?.details).toMatchObject({ before: { body: 'Teh API is slow.' }, after: { body: 'The API is slow.' } });
    expect(await server.db.orm.select().from(outbox)).toHaveLength(outboxBefore);
  });

  it('renders update bodies as sanitised HTML', async () => {
    const { body } = await open({ name: 'XSS', impact: 'none', body: '**Bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>' });
    const html = body.updates[0]?.bodyHtml ?? '';
    expect(html).toContain('<strong>Bold</strong>');
    expect(html).not.toMatch(/<script|onerror|javascript:/i);
  });

  it('opens from a template, filling what is not given', async () => {
    const template = await server.request('/api/v1/incident-templates', {
      method: 'POST',
      json: { id: 'api-down', name: 'API down', title: 'API unavailable', body: 'The API is **unavailable**. We are on it.', impact: 'critical', componentStatus: 'major_outage', componentIds: ['api'] },
    });
    expect(template.status).toBe(201);
    const { response, body } = await open({ template: 'api-down' });
    expect(response.status).toBe(201);
    expect(body).toMatchObject({ impact: 'critical', templateId: 'api-down' });
    expect(body.components).toMatchObject([{ id: 'api', status: 'major_outage' }]);
    const unknown = await open({ template: 'nope' });
    expect(unknown.response.status).toBe(422);
    expect(unknown.body.code).toBe('unknown_template');
  });

  it('lists drills only when asked, and needs a token to list at all', async () => {
    await open({ name: 'Real', impact: 'minor', body: 'x' });
    await open({ name: 'Drill', impact: 'critical', body: 'x', drill: true });
    const all = (await (await server.request('/api/v1/incidents')).json()) as { incidents: IncidentJson[] };
    expect(all.incidents).toHaveLength(2);
    const real = (await (await server.request('/api/v1/incidents?drills=exclude')).json()) as { incidents: IncidentJson[] };
    expect(real.incidents.map((incident) => incident.drill)).toEqual([false]);
    expect((await server.request('/api/v1/incidents', { token: null })).status).toBe(401);
  });

  it('refuses writes without the write scope (403) and unknown incidents (404)', async () => {
    const reader = await server.tokenWith('read');
    const { response } = await open({ name: 'x', impact: 'minor', body: 'x' }, reader);
    expect(response.status).toBe(403);
    const missing = await server.request('/api/v1/incidents/nope/updates', { method: 'POST', json: { body: 'x' } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('incident_not_found');
  });
});
