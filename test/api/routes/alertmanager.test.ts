import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  alertmanagerAlerts,
  alertmanagerDeliveries,
  auditLog,
  incidentComponents,
  incidents,
  incidentUpdates,
  nearMisses,
} from '../../../db/schema/index.ts';
import { AppEvents } from '../../../api/lib/events.ts';
import { alertmanagerTestConfig } from '../../helpers/alertmanager.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';

interface AlertInput {
  status?: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  fingerprint: string;
}

function payload(alerts: AlertInput[], groupKey = '{}:{alertname="x"}') {
  const full = alerts.map((alert) => ({
    status: alert.status ?? 'firing',
    labels: alert.labels,
    annotations: alert.annotations ?? {},
    startsAt: alert.startsAt ?? '2026-11-01T11:55:00.123456789Z',
    endsAt: alert.endsAt ?? '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.local/graph?g0.expr=up',
    fingerprint: alert.fingerprint,
  }));
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: full.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'headroom',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    alerts: full,
  };
}

const apiDown: AlertInput = {
  labels: { alertname: 'ApiDown', service: 'api', severity: 'page' },
  annotations: { summary: 'API is down', description: 'The API answers 5xx to every request.' },
  fingerprint: 'aaaa000000000001',
};
const webLatency: AlertInput = {
  labels: { alertname: 'WebLatencyHigh', service: 'web', severity: 'ticket' },
  annotations: { summary: 'Website p99 latency above 800ms' },
  fingerprint: 'bbbb000000000002',
};

describe('POST /api/v1/integrations/alertmanager', () => {
  let server: TestServer;
  let ingestToken: string;
  let publicChanges: string[];
  beforeEach(async () => {
    const events = new AppEvents();
    publicChanges = [];
    events.on('public.changed', ({ reason }) => publicChanges.push(reason));
    server = await startTestServer({ now: NOW, config: alertmanagerTestConfig(), events });
    ingestToken = await server.tokenWith('ingest');
  });
  afterEach(() => server.close());

  const post = (body: unknown, token: string | null = ingestToken) =>
    server.request('/api/v1/integrations/alertmanager', { method: 'POST', json: body, token });
  const rows = {
    incidents: () => server.db.orm.select().from(incidents),
    updates: () => server.db.orm.select().from(incidentUpdates),
    components: () => server.db.orm.select().from(incidentComponents),
    nearMisses: () => server.db.orm.select().from(nearMisses),
  };

  it('opens an investigating incident on the mapped components for a firing incident alert', async () => {
    const response = await post(payload([apiDown]));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { incidentsOpened: number; results: { outcome: string; incidentId?: string }[] };
    expect(body.incidentsOpened).toBe(1);
    const [incident, ...others] = await rows.incidents();
    expect(others).toHaveLength(0);
    expect(incident).toMatchObject({
      name: 'API is down',
      status: 'investigating',
      impact: 'critical',
      source: 'alertmanager',
      startedAt: new Date('2026-11-01T11:55:00.123Z'),
    });
    expect(body.results[0]).toMatchObject({ outcome: 'incident.opened', incidentId: incident?.id });
    expect(await rows.components()).toEqual([{ incidentId: incident?.id, componentId: 'api', status: 'major_outage' }]);
    const updates = await rows.updates();
    expect(updates.map((update) => [update.status, update.body])).toEqual([['investigating', 'The API answers 5xx to every request.']]);
    const actions = (await server.db.orm.select().from(auditLog)).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['incident.open', 'alertmanager.webhook']));
    expect(publicChanges).toEqual(['alertmanager']);
  });

  it('documents both routes in the OpenAPI document', async () => {
    const document = (await (await server.request('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/v1/integrations/alertmanager', '/api/v1/integrations/alertmanager/unmapped']),
    );
  });

  it('changes nothing when the same firing delivery arrives again', async () => {
    await post(payload([apiDown]));
    const before = { incidents: await rows.incidents(), updates: await rows.updates() };
    const replay = await post(payload([apiDown]));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ alerts: 1, duplicates: 1, incidentsOpened: 0, incidentsJoined: 0 });
    expect(publicChanges).toHaveLength(1);
    expect(await rows.incidents()).toEqual(before.incidents);
    expect(await rows.updates()).toEqual(before.updates);
    expect(await server.db.orm.select().from(alertmanagerDeliveries)).toHaveLength(1);
    const [episode] = await server.db.orm.select().from(alertmanagerAlerts);
    expect(episode?.deliveries).toBe(1);
  });

  it('adds an update proposing resolution (monitoring) when the alert resolves, once', async () => {
    await post(payload([apiDown]));
    server.clock.advance(10 * 60_000);
    const resolved = payload([{ ...apiDown, status: 'resolved', endsAt: '2026-11-01T12:08:00Z' }]);
    const response = await post(resolved);
    expect(await response.json()).toMatchObject({ incidentUpdates: 1 });
    const [incident] = await rows.incidents();
    expect(incident?.status).toBe('monitoring');
    expect(incident?.resolvedAt).toBeNull();
    expect(incident?.monitoringAt).toEqual(new Date('2026-11-01T12:10:00Z'));
    const updates = await rows.updates();
    expect(updates).toHaveLength(2);
    const last = updates.find((update) => update.status === 'monitoring');
    expect(last?.body).toContain('cleared at 2026-11-01T12:08:00.000Z');
    expect(last?.body).toContain('can be resolved');

    const replay = await post(resolved);
    expect(await replay.json()).toMatchObject({ duplicates: 1, incidentUpdates: 0 });
    expect(await rows.updates()).toHaveLength(2);
  });

  it('joins the open incident when a second alert fires on its components, and proposes resolution only after both clear', async () => {
    await post(payload([apiDown], 'group-a'));
    const errors: AlertInput = { labels: { alertname: 'ApiErrors', service: 'api' }, fingerprint: 'cccc000000000003' };
    const joined = await post(payload([errors], 'group-b'));
    expect(await joined.json()).toMatchObject({ incidentsOpened: 0, incidentsJoined: 1 });
    const [incident, ...others] = await rows.incidents();
    expect(others).toHaveLength(0);
    // The joining route maps to api and web: web is added, api keeps the status the first alert gave it.
    const components = (await rows.components()).map((row) => [row.componentId, row.status]).sort();
    expect(components).toEqual([
      ['api', 'major_outage'],
      ['web', 'partial_outage'],
    ]);

    await post(payload([{ ...apiDown, status: 'resolved', endsAt: '2026-11-01T11:59:00Z' }], 'group-a'));
    expect((await rows.incidents())[0]?.status).toBe('investigating');
    await post(payload([{ ...errors, status: 'resolved', endsAt: '2026-11-01T11:59:30Z' }], 'group-b'));
    expect((await rows.incidents())[0]?.status).toBe('monitoring');
    const updates = await rows.updates();
    // Opened, joined (web added), first alert cleared (one still firing), both cleared.
    expect(updates.map((update) => update.status).sort()).toEqual(['investigating', 'investigating', 'investigating', 'monitoring']);
    expect(updates.find((update) => update.body.startsWith('We are also seeing'))?.affectedComponents).toEqual([
      { componentId: 'web', oldStatus: null, newStatus: 'partial_outage' },
    ]);
    expect(updates.some((update) => update.body.includes('1 related alert is still firing'))).toBe(true);
    expect(incident?.id).toBeDefined();
  });

  it('records a near miss with labels, annotations and times when a near-miss alert fires and resolves without an incident', async () => {
    const fired = await post(payload([webLatency]));
    expect(await fired.json()).toMatchObject({ nearMisses: 0, results: [{ outcome: 'near_miss.pending' }] });
    expect(await rows.nearMisses()).toHaveLength(0);

    const resolved = payload([{ ...webLatency, status: 'resolved', endsAt: '2026-11-01T11:58:00Z' }]);
    const response = await post(resolved);
    expect(await response.json()).toMatchObject({ nearMisses: 1 });
    const [nearMiss, ...others] = await rows.nearMisses();
    expect(others).toHaveLength(0);
    expect(nearMiss).toMatchObject({
      source: 'alertmanager',
      status: 'new',
      title: 'Website p99 latency above 800ms',
      componentId: 'web',
      startedAt: new Date('2026-11-01T11:55:00.123Z'),
      endedAt: new Date('2026-11-01T11:58:00Z'),
      incidentId: null,
    });
    expect(nearMiss?.evidence).toMatchObject({
      labels: webLatency.labels,
      annotations: webLatency.annotations,
      startsAt: '2026-11-01T11:55:00.123Z',
      endsAt: '2026-11-01T11:58:00.000Z',
      fingerprint: webLatency.fingerprint,
      components: ['web'],
    });
    expect(await rows.incidents()).toHaveLength(0);

    expect(await (await post(resolved)).json()).toMatchObject({ duplicates: 1, nearMisses: 0 });
    // The same episode arriving through another group is still one near miss.
    await post(payload([{ ...webLatency, status: 'resolved', endsAt: '2026-11-01T11:58:00Z' }], 'other-group'));
    expect(await rows.nearMisses()).toHaveLength(1);
  });

  it('records no near miss when an incident was open on the component while the alert fired', async () => {
    // ApiErrors opens an incident on api and web; the web latency alert overlaps it.
    await post(payload([{ labels: { alertname: 'ApiErrors' }, fingerprint: 'dddd000000000004', startsAt: '2026-11-01T11:56:00Z' }], 'g1'));
    await post(payload([webLatency], 'g2'));
    const response = await post(payload([{ ...webLatency, status: 'resolved', endsAt: '2026-11-01T11:59:00Z' }], 'g2'));
    const body = (await response.json()) as { nearMisses: number; results: { outcome: string; incidentId?: string }[] };
    expect(body.nearMisses).toBe(0);
    expect(body.results[0]?.outcome).toBe('near_miss.covered_by_incident');
    expect(await rows.nearMisses()).toHaveLength(0);
  });

  it('counts and lists unmapped alerts instead of dropping them', async () => {
    const stray: AlertInput = { labels: { alertname: 'DiskFull', instance: 'db-1' }, fingerprint: 'eeee000000000005' };
    const response = await post(payload([stray, apiDown]));
    expect(await response.json()).toMatchObject({ alerts: 2, unmapped: 1, incidentsOpened: 1 });
    await post(payload([{ ...stray, status: 'resolved', endsAt: '2026-11-01T11:59:00Z' }]));

    const readToken = await server.tokenWith('read');
    const listed = await server.request('/api/v1/integrations/alertmanager/unmapped', { token: readToken });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { total: number; byAlertname: unknown[]; alerts: { alertname: string; status: string; labels: unknown; deliveries: number }[] };
    expect(body.total).toBe(1);
    expect(body.byAlertname).toEqual([{ alertname: 'DiskFull', episodes: 1, deliveries: 2 }]);
    expect(body.alerts).toMatchObject([{ alertname: 'DiskFull', status: 'resolved', labels: stray.labels, deliveries: 2 }]);
    expect(await rows.nearMisses()).toHaveLength(0);

    expect((await server.request('/api/v1/integrations/alertmanager/unmapped', { token: null })).status).toBe(401);
  });

  it('returns 422 problem+json for a malformed payload and writes nothing', async () => {
    const bad = [
      { ...payload([apiDown]), version: '3' },
      payload([{ ...apiDown, fingerprint: '' }]),
      payload([apiDown, { ...apiDown, fingerprint: 'ffff', startsAt: 'yesterday' }]),
      { ...payload([apiDown]), alerts: [] },
      { ...payload([apiDown]), groupKey: undefined },
      'not json at all',
    ];
    for (const body of bad) {
      const response = await post(body);
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('validation_failed');
    }
    const unparsable = await server.request('/api/v1/integrations/alertmanager', {
      method: 'POST',
      body: '{"version": "4", "alerts": [',
      headers: { 'content-type': 'application/json' },
      token: ingestToken,
    });
    expect(unparsable.status).toBe(422);
    expect(unparsable.headers.get('content-type')).toContain('application/problem+json');
    const issues = (await (await post(bad[2])).json()) as { issues: { path: string }[] };
    expect(issues.issues[0]?.path).toBe('alerts[1].startsAt');
    expect(await rows.incidents()).toHaveLength(0);
    expect(await server.db.orm.select().from(alertmanagerDeliveries)).toHaveLength(0);
    expect(await server.db.orm.select().from(alertmanagerAlerts)).toHaveLength(0);
  });

  it('requires an ingest token', async () => {
    expect((await post(payload([apiDown]), null)).status).toBe(401);
    const readToken = await server.tokenWith('read');
    expect((await post(payload([apiDown]), readToken)).status).toBe(403);
    expect(await rows.incidents()).toHaveLength(0);
  });
});
