import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToRollups } from '../../../api/services/rollup-writer.ts';
import {
  actionItems,
  incidentComponents,
  incidents,
  maintenanceComponents,
  maintenances,
  nearMisses,
} from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const MIN = 60_000;
const t = (text: string) => new Date(text);

/** The default test config plus SLOs that exercise the engine: a Berlin month, time slices, maintenance exclusion. */
const config = testConfig({
  components: [
    { key: 'api', name: 'API' },
    { key: 'web', name: 'Website' },
    { key: 'store', name: 'Store' },
  ],
  groups: [],
  slos: [
    { key: 'api-availability', name: 'API availability', service: 'api', sli: { kind: 'availability', monitors: ['api-health'] }, target: 0.99, window: '30d' },
    { key: 'web-latency', name: 'Web latency', service: 'web', sli: { kind: 'latency', monitors: ['web-home'], threshold: '300ms' }, target: 0.95, window: '7d' },
    { key: 'berlin-orders', name: 'Orders', service: 'orders', sli: { kind: 'events' }, target: 0.99, window: 'month', timeZone: 'Europe/Berlin' },
    {
      key: 'batch-jobs',
      name: 'Batch jobs',
      service: 'batch',
      sli: { kind: 'events' },
      target: 0.9,
      window: 'month',
      budgetingMethod: 'Timeslices',
      timeSliceTarget: 0.95,
      timeSliceWindow: '1h',
    },
    { key: 'store-checkout', name: 'Checkout', service: 'store', component: 'store', sli: { kind: 'events' }, target: 0.99, window: 'month' },
  ],
});

/**
 * A small fixed history with figures worked out by hand (see the expectations). Events go
 * through the real rollup writer, so minute, hour and day rows agree as they do in production.
 */
async function seed(server: TestServer): Promise<void> {
  const events = (slo: string, start: string, minutes: number, total: number, good: number) =>
    Array.from({ length: minutes }, (_, index) => ({ series: `slo:${slo}`, atMs: Date.parse(start) + index * MIN, total, good }));
  await server.db.write(async (tx) => {
    await addToRollups(tx, [
      // api-availability: October 10,000 events, 50 bad; September 10,000, 20 bad.
      ...events('api-availability', '2026-09-10T12:00:00Z', 1, 10_000, 9_980),
      ...events('api-availability', '2026-10-02T12:00:00Z', 1, 2_400, 2_390),
      ...events('api-availability', '2026-10-05T10:00:00Z', 10, 10, 7),
      ...events('api-availability', '2026-10-12T12:00:00Z', 1, 7_480, 7_480),
      ...events('api-availability', '2026-10-20T08:00:00Z', 2, 10, 5),
      // berlin-orders: 00:30 Berlin on 1 October is still September in UTC; 00:30 on 1 November is October in UTC.
      ...events('berlin-orders', '2026-09-15T12:00:00Z', 1, 1_000, 998),
      ...events('berlin-orders', '2026-09-30T22:30:00Z', 1, 1_000, 990),
      ...events('berlin-orders', '2026-10-15T12:00:00Z', 1, 1_000, 1_000),
      ...events('berlin-orders', '2026-10-31T23:30:00Z', 1, 1_000, 0),
      // batch-jobs: 20 hourly slices; 05:00 is 90 % good (a bad slice), 10:00 is exactly 95 % (good).
      ...Array.from({ length: 20 }, (_, hour) => {
        const at = `2026-10-03T${String(hour).padStart(2, '0')}:00:00Z`;
        return hour === 5 ? events('batch-jobs', at, 1, 10, 9) : hour === 10 ? events('batch-jobs', at, 1, 20, 19) : events('batch-jobs', at, 1, 10, 10);
      }).flat(),
      // store-checkout: everything bad during the 02:00–03:00 maintenance, left out.
      ...events('store-checkout', '2026-10-10T02:10:00Z', 1, 100, 0),
      ...events('store-checkout', '2026-10-10T12:00:00Z', 1, 1_000, 995),
    ]);
    await tx.insert(maintenances).values({
      id: 'mw-1',
      name: 'Database upgrade',
      status: 'completed',
      scheduledFor: t('2026-10-10T02:00:00Z'),
      scheduledUntil: t('2026-10-10T03:00:00Z'),
      startedAt: t('2026-10-10T02:00:00Z'),
      completedAt: t('2026-10-10T03:00:00Z'),
      createdAt: t('2026-10-01T00:00:00Z'),
      updatedAt: t('2026-10-10T03:00:00Z'),
    });
    await tx.insert(maintenanceComponents).values({ maintenanceId: 'mw-1', componentId: 'store' });
    const incident = (id: string, startedAt: string, resolvedAt: string, drill = false) => ({
      id,
      name: `Incident ${id}`,
      status: 'resolved' as const,
      impact: 'major' as const,
      drill,
      startedAt: t(startedAt),
      resolvedAt: t(resolvedAt),
      createdAt: t(startedAt),
      updatedAt: t(resolvedAt),
    });
    await tx.insert(incidents).values([
      incident('A', '2026-10-05T10:00:00Z', '2026-10-05T10:10:00Z'),
      incident('B', '2026-10-20T08:00:00Z', '2026-10-20T08:20:00Z'),
      incident('C', '2026-10-25T00:00:00Z', '2026-10-25T01:00:00Z'),
      incident('D', '2026-10-06T00:00:00Z', '2026-10-06T05:00:00Z', true),
      incident('E', '2026-09-28T00:00:00Z', '2026-09-28T01:00:00Z'),
    ]);
    await tx.insert(incidentComponents).values([
      { incidentId: 'A', componentId: 'api', status: 'major_outage' },
      { incidentId: 'B', componentId: 'api', status: 'partial_outage' },
      { incidentId: 'C', componentId: 'web', status: 'major_outage' },
      { incidentId: 'D', componentId: 'api', status: 'major_outage' },
    ]);
    const nearMiss = (id: string, startedAt: string, extra: Partial<typeof nearMisses.$inferInsert>) => ({
      id,
      source: 'detected' as const,
      signal: 'failure_streak' as const,
      title: id,
      startedAt: t(startedAt),
      createdAt: t(startedAt),
      updatedAt: t(startedAt),
      ...extra,
    });
    await tx.insert(nearMisses).values([
      nearMiss('n1', '2026-10-02T00:00:00Z', { budgetAtRisk: 0.02 }),
      nearMiss('n2', '2026-10-20T07:55:00Z', { budgetAtRisk: 0.03, incidentId: 'B' }),
      nearMiss('n3', '2026-10-12T00:00:00Z', { source: 'reported', signal: null }),
      nearMiss('n4', '2026-10-06T00:00:00Z', { budgetAtRisk: 0.5, incidentId: 'D' }),
      nearMiss('n5', '2026-09-15T00:00:00Z', { budgetAtRisk: 0.5 }),
    ]);
    const item = (id: string, createdAt: string, extra: Partial<typeof actionItems.$inferInsert>) => ({
      id,
      nearMissId: 'n1',
      title: id,
      priority: 'P1' as const,
      createdAt: t(createdAt),
      updatedAt: t(createdAt),
      ...extra,
    });
    await tx.insert(actionItems).values([
      item('i1', '2026-10-02T00:00:00Z', { status: 'done', closedAt: t('2026-10-10T00:00:00Z') }),
      item('i2', '2026-10-03T00:00:00Z', { dueAt: t('2026-10-15T00:00:00Z') }),
      item('i3', '2026-09-20T00:00:00Z', { dueAt: t('2026-10-01T00:00:00Z'), status: 'done', closedAt: t('2026-10-20T00:00:00Z') }),
      item('i4', '2026-10-30T00:00:00Z', { dueAt: t('2026-11-05T00:00:00Z') }),
    ]);
  });
}

interface ReportBody {
  services: { service: string; slos: (Record<string, unknown> & { sloId: string })[] }[];
  topIncidents: { incidentId: string; budgetConsumed: number; needsPostmortem: boolean; slos: { sloId: string; budgetConsumed: number | null }[] }[];
}

const sloOf = (report: ReportBody, sloId: string) => report.services.flatMap((service) => service.slos).find((slo) => slo.sloId === sloId);

describe('GET /api/v1/reports/error-budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z', config });
    await seed(server);
  });
  afterAll(() => server.close());

  it('matches the hand-computed figures for October 2026, drills excluded', async () => {
    const response = await server.request('/api/v1/reports/error-budget?period=2026-10');
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown> & {
      services: { service: string; slos: Record<string, unknown>[] }[];
      topIncidents: { incidentId: string; budgetConsumed: number; needsPostmortem: boolean }[];
    };
    expect(report['period']).toEqual({ label: '2026-10', kind: 'month', from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' });
    expect(report['previousPeriod']).toMatchObject({ label: '2026-09' });
    const api = report.services.find((service) => service.service === 'api')?.slos[0];
    // 9,950 / 10,000 good; 50 bad of a 1 % × 10,000 = 100-event budget; September 20 of 100.
    expect(api).toMatchObject({
      sloId: 'api-availability',
      events: 10_000,
      badEvents: 50,
      attainment: 0.995,
      met: true,
      budgetConsumed: 0.5,
      budgetRemaining: 0.5,
      previous: { attainment: 0.998, budgetConsumed: 0.2 },
      trend: { attainmentDelta: -0.003, budgetConsumedDelta: 0.3, direction: 'worse' },
      timeZone: 'UTC',
      from: '2026-10-01T00:00:00.000Z',
      to: '2026-11-01T00:00:00.000Z',
      budgetingMethod: 'Occurrences',
      sli: { good: 9_950, total: 10_000 },
      excludedMs: 0,
    });
    expect(report.services.find((service) => service.service === 'web')?.slos[0]).toMatchObject({ attainment: null, met: null, events: 0 });
    // The share of a four-week budget, as the postmortem policy counts it. A: 30 bad of the
    // 12,500 events from 7 Sep 10:10 to 5 Oct 10:10 (budget 125) = 0.24; B: 10 bad of the 10,000
    // from 22 Sep 08:20 to 20 Oct 08:20 (budget 100) = 0.1; C touches no SLO data.
    expect(report.topIncidents.map((incident) => [incident.incidentId, incident.budgetConsumed, incident.needsPostmortem])).toEqual([
      ['A', 0.24, true],
      ['B', 0.1, false],
      ['C', 0, false],
    ]);
    // Durations 10, 20, 60 min; starts 14 d 22 h and 4 d 16 h apart.
    expect(report['incidents']).toEqual({
      count: 3,
      resolved: 3,
      durations: { count: 3, medianMs: 20 * MIN, p90Ms: 60 * MIN },
      timeBetween: { count: 2, medianMs: 846_000_000, p90Ms: 1_288_800_000 },
    });
    expect(report['nearMisses']).toEqual({
      count: 3,
      linkedToIncidents: 1,
      bySignal: [
        { signal: 'failure_streak', count: 2, budgetAtRisk: 0.05 },
        { signal: 'reported', count: 1, budgetAtRisk: 0 },
      ],
    });
    expect(report['nearMissToIncidentRatio']).toBeCloseTo(2 / 3, 10);
    expect(report['actionItems']).toEqual({ opened: 3, closed: 2, overdue: 1, overdueAsOf: '2026-11-01T00:00:00.000Z' });
  });

  it('gives the same figures as CSV, one per row', async () => {
    const response = await server.request('/api/v1/reports/error-budget?period=2026-10&format=csv');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const lines = (await response.text()).trim().split('\r\n');
    expect(lines[0]).toBe('section,subject,metric,value');
    for (const line of [
      'slo,api/api-availability,attainment,0.995',
      'slo,api/api-availability,budget_consumed,0.5',
      'slo,api/api-availability,budget_remaining,0.5',
      'slo,api/api-availability,previous_budget_consumed,0.2',
      'slo,web/web-latency,attainment,',
      'top_incident,A,budget_consumed,0.24',
      'top_incident,A,needs_postmortem,true',
      'slo,orders/berlin-orders,from,2026-09-30T22:00:00.000Z',
      'slo,batch/batch-jobs,budgeting_method,Timeslices',
      'slo,store/store-checkout,excluded_ms,3600000',
      'incidents,all,count,3',
      'incidents,all,duration_median_ms,1200000',
      'incidents,all,duration_p90_ms,3600000',
      'incidents,all,time_between_median_ms,846000000',
      'near_misses,failure_streak,count,2',
      'near_misses,failure_streak,budget_at_risk,0.05',
      'action_items,all,overdue,1',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('covers a quarter and compares it with the one before', async () => {
    const report = (await (await server.request('/api/v1/reports/error-budget?period=2026-Q4')).json()) as {
      period: { from: string; to: string };
      previousPeriod: { label: string };
      services: { slos: { budgetConsumed: number | null; previous: { budgetConsumed: number | null } }[] }[];
    };
    expect(report.period).toMatchObject({ from: '2026-10-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' });
    expect(report.previousPeriod.label).toBe('2026-Q3');
    expect(report.services[0]?.slos[0]).toMatchObject({ budgetConsumed: 0.5, previous: { budgetConsumed: 0.2 } });
  });

  it('measures a Europe/Berlin SLO over the Berlin month: 22:00 UTC on 30 September to 23:00 UTC on 31 October', async () => {
    const report = (await (await server.request('/api/v1/reports/error-budget?period=2026-10')).json()) as ReportBody;
    // Counted: 00:30 Berlin on 1 October (990 of 1,000) and 15 October (1,000 of 1,000). Not
    // counted: 00:30 Berlin on 1 November (0 of 1,000), which is still October in UTC.
    // 10 bad of a 1 % × 2,000 = 20-event budget: half spent. September (Berlin): 2 of 10.
    expect(sloOf(report, 'berlin-orders')).toMatchObject({
      timeZone: 'Europe/Berlin',
      from: '2026-09-30T22:00:00.000Z',
      to: '2026-10-31T23:00:00.000Z',
      events: 2_000,
      badEvents: 10,
      attainment: 0.995,
      budgetConsumed: 0.5,
      budgetRemaining: 0.5,
      previous: { attainment: 0.998, budgetConsumed: 0.2 },
    });
  });

  it('budgets a Timeslices SLO in slices: 19 of 20 hourly slices good is half of a 10 % budget', async () => {
    const report = (await (await server.request('/api/v1/reports/error-budget?period=2026-10')).json()) as ReportBody;
    // Slices at ≥ 95 % are good (10:00 at exactly 95 % is); 05:00 at 90 % is bad. Budget: 10 % × 20
    // slices = 2; one bad slice spends half. Counted as occurrences it would be 2 bad of 210 events.
    expect(sloOf(report, 'batch-jobs')).toMatchObject({
      budgetingMethod: 'Timeslices',
      sli: { good: 19, total: 20 },
      events: 210,
      badEvents: 2,
      attainment: 0.95,
      met: true,
      budgetConsumed: 0.5,
      budgetRemaining: 0.5,
    });
  });

  it('leaves the events of a maintenance window on the SLO\'s component out of the month', async () => {
    const report = (await (await server.request('/api/v1/reports/error-budget?period=2026-10')).json()) as ReportBody;
    // Without exclusion: 105 bad of 1,100. With it: 5 bad of 1,000, budget 10, half spent.
    expect(sloOf(report, 'store-checkout')).toMatchObject({
      events: 1_000,
      badEvents: 5,
      attainment: 0.995,
      budgetConsumed: 0.5,
      excludedMs: 3_600_000,
    });
  });

  it('ranks incidents by the same budget share the postmortem impact and the policy list report', async () => {
    const report = (await (await server.request('/api/v1/reports/error-budget?period=2026-10')).json()) as ReportBody;
    const required = (await (await server.request('/api/v1/postmortems/required?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z')).json()) as {
      incidents: { incidentId: string; slos: { sloId: string; budgetConsumed: number }[] }[];
    };
    // The policy list holds exactly the incidents the report marks, with the same figures.
    expect(required.incidents.map((incident) => incident.incidentId)).toEqual(
      report.topIncidents.filter((incident) => incident.needsPostmortem).map((incident) => incident.incidentId),
    );
    expect(required.incidents[0]?.slos).toMatchObject([{ sloId: 'api-availability', budgetConsumed: 0.24 }]);
    for (const incident of report.topIncidents.filter((row) => row.slos.length > 0)) {
      const created = await server.request('/api/v1/postmortems', { method: 'POST', json: { incidentId: incident.incidentId } });
      expect(created.status).toBe(201);
      const postmortem = (await created.json()) as { impact: { slos: { sloId: string; budgetConsumed: number | null }[] } };
      expect(postmortem.impact.slos.map((slo) => [slo.sloId, slo.budgetConsumed])).toEqual(
        incident.slos.map((slo) => [slo.sloId, slo.budgetConsumed]),
      );
    }
  });

  it('rejects a malformed period with a 422 and needs a token', async () => {
    expect((await server.request('/api/v1/reports/error-budget?period=2026-13')).status).toBe(422);
    expect((await server.request('/api/v1/reports/error-budget?period=2026-10', { token: null })).status).toBe(401);
  });
});
