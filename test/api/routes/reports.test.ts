import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionItems, incidentComponents, incidents, nearMisses, rollupsDay, rollupsMinute } from '../../../db/schema/index.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const MIN = 60_000;
const t = (text: string) => new Date(text);

/**
 * A small fixed history with figures worked out by hand (see the expectations). Only the day
 * and minute rollups the report reads are written, so every number is traceable.
 */
async function seed(server: TestServer): Promise<void> {
  const bucketRows = (series: string, start: string, minutes: number, total: number, good: number) =>
    Array.from({ length: minutes }, (_, index) => ({ series, bucket: Date.parse(start) + index * MIN, total, good }));
  await server.db.write(async (tx) => {
    await tx.insert(rollupsDay).values([
      { series: 'slo:api-availability', bucket: Date.parse('2026-10-05T00:00:00Z'), total: 10_000, good: 9_950 },
      { series: 'slo:api-availability', bucket: Date.parse('2026-09-10T00:00:00Z'), total: 10_000, good: 9_980 },
    ]);
    await tx.insert(rollupsMinute).values([
      ...bucketRows('slo:api-availability', '2026-10-05T10:00:00Z', 10, 10, 7),
      ...bucketRows('slo:api-availability', '2026-10-20T08:00:00Z', 2, 10, 5),
    ]);
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

describe('GET /api/v1/reports/error-budget', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ now: '2026-11-01T12:00:00Z' });
    await seed(server);
  });
  afterAll(() => server.close());

  it('matches the hand-computed figures for October 2026, drills excluded', async () => {
    const response = await server.request('/api/v1/reports/error-budget?period=2026-10');
    expect(response.status).toBe(200);
    const report = (await response.json()) as Record<string, unknown> & {
      services: { service: string; slos: Record<string, unknown>[] }[];
      topIncidents: { incidentId: string; budgetConsumed: number }[];
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
    });
    expect(report.services.find((service) => service.service === 'web')?.slos[0]).toMatchObject({ attainment: null, met: null, events: 0 });
    // A: 10 minutes × 3 bad = 30 of 100; B: 2 × 5 = 10 of 100; C touches no SLO data.
    expect(report.topIncidents.map((incident) => [incident.incidentId, incident.budgetConsumed])).toEqual([
      ['A', 0.3],
      ['B', 0.1],
      ['C', 0],
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
      'top_incident,A,budget_consumed,0.3',
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

  it('rejects a malformed period with a 422 and needs a token', async () => {
    expect((await server.request('/api/v1/reports/error-budget?period=2026-13')).status).toBe(422);
    expect((await server.request('/api/v1/reports/error-budget?period=2026-10', { token: null })).status).toBe(401);
  });
});
