import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { slos } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const IMPORT = `apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-ratio
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          url: http://127.0.0.1:9090
          query: sum(http_requests_total{job="checkout",code=~"5.."})
    total:
      metricSource:
        type: Prometheus
        spec:
          url: http://127.0.0.1:9090
          query: sum(http_requests_total{job="checkout"})
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-errors
  displayName: Checkout without server errors
spec:
  service: checkout
  indicatorRef: checkout-ratio
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: { startTime: "2026-01-01 00:00:00", timeZone: Europe/Berlin }
  budgetingMethod: Timeslices
  objectives:
    - displayName: good minutes
      target: 0.995
      timeSliceTarget: 0.9
      timeSliceWindow: 5m
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: api-fast
  annotations:
    headroom.dev/component: api
spec:
  service: api
  indicator:
    metadata: { name: api-fast-sli }
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: Headroom, spec: { sli: latency, monitors: [api-health], threshold: 250ms } } }
        total: { metricSource: { type: Headroom, spec: { sli: latency, monitors: [api-health], threshold: 250ms } } }
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
`;

describe('OpenSLO import and export', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z' });
  });
  afterEach(() => server.close());

  const importYaml = (body: string, contentType = 'application/yaml') =>
    server.request('/api/v1/slos/import', { method: 'POST', body, headers: { 'content-type': contentType } });

  it('creates SLOs with origin api from SLO documents with inline and referenced SLIs, and updates them on re-import', async () => {
    const response = await importYaml(IMPORT);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ created: ['checkout-errors', 'api-fast'], updated: [] });
    const rows = await server.db.orm.select().from(slos);
    const checkout = rows.find((row) => row.id === 'checkout-errors');
    expect(checkout).toMatchObject({
      origin: 'api',
      sliKind: 'prometheus',
      sli: { prometheus: { url: 'http://127.0.0.1:9090', bad: 'sum(http_requests_total{job="checkout",code=~"5.."})', total: 'sum(http_requests_total{job="checkout"})' } },
      window: 'month',
      timeZone: 'Europe/Berlin',
      budgetingMethod: 'Timeslices',
      timeSliceTarget: 0.9,
      timeSliceWindowMs: 300_000,
      target: 0.995,
    });
    expect(rows.find((row) => row.id === 'api-fast')).toMatchObject({ sliKind: 'latency', sli: { monitors: ['api-health'], latencyThresholdMs: 250 }, componentId: 'api', window: '28d' });
    expect(await (await importYaml(IMPORT)).json()).toEqual({ created: [], updated: ['checkout-errors', 'api-fast'] });
  });

  it('exports OpenSLO that imports back to the same definitions', async () => {
    await importYaml(IMPORT);
    const exported = await server.request('/api/v1/slos/export');
    expect(exported.headers.get('content-type')).toContain('application/yaml');
    const text = await exported.text();
    const documents = parseAllDocuments(text).map((document) => document.toJS() as { kind: string; metadata: { name: string } });
    expect(documents.map((document) => document.metadata.name)).toEqual(['api-availability', 'api-fast', 'checkout-errors', 'web-latency']);
    const before = await server.db.orm.select().from(slos);
    // Re-importing the api-made ones changes nothing; the config-made ones are refused (the file owns them).
    const apiOnly = text.split(/^---$/m).filter((part) => /name: (api-fast|checkout-errors)$/m.test(part)).join('---\n');
    expect((await importYaml(apiOnly)).status).toBe(200);
    const after = await server.db.orm.select().from(slos);
    const strip = (rows: typeof before) => rows.map(({ updatedAt: _u, ...rest }) => rest).sort((a, b) => a.id.localeCompare(b.id));
    expect(strip(after)).toEqual(strip(before));
    const conflict = await importYaml(text);
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { code: string }).code).toBe('slo_owned_by_config');
    const one = parse(await (await server.request('/api/v1/slos/export?id=api-fast')).text()) as { spec: { timeWindow: unknown[] } };
    expect(one.spec.timeWindow).toEqual([{ duration: '28d', isRolling: true }]);
  });

  it('names the unsupported field of a document it cannot represent, and imports nothing', async () => {
    const withAlertPolicy = IMPORT.replace('  budgetingMethod: Occurrences\n', '  budgetingMethod: Occurrences\n  alertPolicies: [fast-burn]\n');
    const response = await importYaml(withAlertPolicy);
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { code: string; detail: string; issues: { path: string }[] };
    expect(problem.code).toBe('openslo_unsupported');
    expect(problem.issues.map((issue) => issue.path)).toEqual(['documents[2].spec.alertPolicies']);
    expect(problem.detail).toContain('documents[2].spec.alertPolicies');
    const threshold = IMPORT.replace('  ratioMetric:\n    counter: true\n    bad:', '  thresholdMetric:\n    metricSource: { type: Prometheus }\n  ratioMetric:\n    counter: true\n    bad:');
    const thresholdProblem = (await (await importYaml(threshold)).json()) as { issues: { path: string }[] };
    expect(thresholdProblem.issues[0]?.path).toBe('documents[0].spec.thresholdMetric');
    expect((await server.db.orm.select().from(slos)).map((row) => row.id).sort()).toEqual(['api-availability', 'web-latency']);
  });

  it('refuses a body that is not YAML-typed, unknown monitors, and readers without scope write', async () => {
    expect((await importYaml(IMPORT, 'application/json')).status).toBe(422);
    const unknown = await importYaml(IMPORT.replaceAll('monitors: [api-health]', 'monitors: [nope]'));
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { code: string }).code).toBe('invalid_slo');
    const reader = await server.tokenWith('read');
    const denied = await server.request('/api/v1/slos/import', { method: 'POST', body: IMPORT, headers: { 'content-type': 'application/yaml' }, token: reader });
    expect(denied.status).toBe(403);
  });
});
