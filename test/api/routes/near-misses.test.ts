import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeps } from '../../../api/app.ts';
import { detectNearMissesTick } from '../../../api/workers/near-miss-detector.ts';
import { auditLog, incidentComponents, incidents, nearMisses } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

const NOW = '2026-11-01T12:00:00Z';
const MIN = 60_000;
const HOUR_START = Date.parse('2026-11-01T11:00:00Z');
const at = (minute: number) => new Date(HOUR_START + minute * MIN).toISOString();

interface NearMissBody {
  id: string;
  source: string;
  signal: string | null;
  status: string;
  startedAt: string;
  endedAt: string | null;
  region: string | null;
  evidence: Record<string, unknown> | null;
  budgetAtRisk: number | null;
  report: { reporter: string | null; anonymous: boolean; stoppedBy: string; links: Record<string, string[]> } | null;
}

/** api-health results, one a minute in eu and us for minutes [from, to); eu fails at the given minutes. */
function history(from: number, to: number, euFailures: readonly number[]) {
  return Array.from({ length: to - from }, (_, index) => from + index).flatMap((minute) =>
    ['eu', 'us'].map((region) => ({
      id: randomUUID(),
      monitor: 'api-health',
      region,
      at: at(minute),
      ok: !(region === 'eu' && euFailures.includes(minute)),
      latencyMs: 120,
    })),
  );
}

const report = {
  title: 'Disk almost full on db-1',
  whatHappened: 'The WAL grew to 95 % of the disk during a backfill.',
  discoveredHow: 'Noticed on a dashboard',
  reporter: 'ana',
  stoppedBy: 'human',
  worstOutcome: 'Database down for every customer',
  contributingFactors: ['No disk alert below 98 %'],
  recurrenceLikelihood: 'likely',
  componentId: 'api',
};

describe('near misses API', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ now: NOW });
  });
  afterEach(() => server.close());

  const ingest = async (results: unknown[]) => {
    const response = await server.request('/api/v1/results', { method: 'POST', json: { results } });
    expect(response.status).toBe(200);
  };
  const list = async (query = '') => {
    const response = await server.request(`/api/v1/near-misses${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { nearMisses: NearMissBody[] }).nearMisses;
  };

  describe('POST /api/v1/near-misses/scan', () => {
    it('finds a two-failure streak in eu once, with its evidence, and finds nothing new when run again', async () => {
      await ingest(history(0, 60, [20, 21]));
      const scan = () => server.request('/api/v1/near-misses/scan', { method: 'POST', json: { from: at(0), to: at(60) } });
      const first = await scan();
      expect(first.status).toBe(200);
      const summary = (await first.json()) as { created: number; updated: number; unchanged: number };
      const streaks = await list('?signal=failure_streak');
      expect(streaks).toHaveLength(1);
      expect(streaks[0]).toMatchObject({ source: 'detected', status: 'new', region: 'eu', startedAt: at(20), endedAt: at(22) });
      expect(streaks[0]?.evidence).toMatchObject({ monitorId: 'api-health', longestStreak: 2, thresholds: { downAfter: 3 } });
      expect(streaks[0]?.budgetAtRisk).toBeGreaterThan(0);

      const again = (await (await scan()).json()) as { created: number; updated: number; unchanged: number };
      expect(again).toMatchObject({ created: 0, updated: 0, unchanged: summary.created + summary.unchanged });
      expect(await server.db.orm.select().from(nearMisses)).toHaveLength(summary.created);
    });

    it('needs an admin token and a range of at most 35 days', async () => {
      const write = await server.tokenWith('write');
      const body = { from: at(0), to: at(60) };
      expect((await server.request('/api/v1/near-misses/scan', { method: 'POST', json: body, token: write })).status).toBe(403);
      const tooLong = await server.request('/api/v1/near-misses/scan', { method: 'POST', json: { from: '2026-09-01T00:00:00Z', to: NOW } });
      expect(tooLong.status).toBe(422);
      const backwards = await server.request('/api/v1/near-misses/scan', { method: 'POST', json: { from: at(10), to: at(0) } });
      expect(backwards.status).toBe(422);
    });
  });

  describe('near-miss detector worker', () => {
    it('keeps one row for an ongoing streak and closes it when the monitor recovers', async () => {
      await ingest(history(0, 23, [21, 22]));
      server.clock.set(Date.parse(at(23)) - 30_000);
      const deps = createDeps({ db: server.db, config: testConfig(), clock: server.clock });
      await detectNearMissesTick(deps);
      let streaks = (await server.db.orm.select().from(nearMisses)).filter((row) => row.signal === 'failure_streak');
      expect(streaks.map((row) => row.endedAt)).toEqual([null]);

      await ingest(history(23, 25, []));
      server.clock.set(Date.parse(at(25)) - 30_000);
      await detectNearMissesTick(deps);
      streaks = (await server.db.orm.select().from(nearMisses)).filter((row) => row.signal === 'failure_streak');
      expect(streaks).toHaveLength(1);
      expect(streaks[0]?.endedAt?.toISOString()).toBe(at(23));
      const audits = await server.db.orm.select().from(auditLog);
      expect(audits.filter((entry) => entry.action === 'near_miss.detect').length).toBe(2);
    });
    it('links a recorded streak to the incident it grew into and marks it escalated', async () => {
      await ingest(history(0, 22, [20, 21]));
      server.clock.set(Date.parse(at(22)) - 30_000);
      const deps = createDeps({ db: server.db, config: testConfig(), clock: server.clock });
      await detectNearMissesTick(deps);
      await server.db.write(async (tx) => {
        await tx.insert(incidents).values({
          id: 'inc-1',
          name: 'API down',
          status: 'investigating',
          impact: 'major',
          startedAt: new Date(at(22)),
          createdAt: new Date(at(22)),
          updatedAt: new Date(at(22)),
        });
        await tx.insert(incidentComponents).values({ incidentId: 'inc-1', componentId: 'api', status: 'major_outage' });
      });
      await ingest(history(22, 23, [22]));
      server.clock.set(Date.parse(at(23)) - 30_000);
      await detectNearMissesTick(deps);
      const streaks = (await server.db.orm.select().from(nearMisses)).filter((row) => row.signal === 'failure_streak');
      expect(streaks).toHaveLength(1);
      expect(streaks[0]?.incidentId).toBe('inc-1');
      expect(streaks[0]?.evidence).toMatchObject({ escalated: true, longestStreak: 3 });
    });
  });

  describe('POST /api/v1/near-misses (reported)', () => {
    it('records a named report and lists it with its fields', async () => {
      const response = await server.request('/api/v1/near-misses', { method: 'POST', json: report });
      expect(response.status).toBe(201);
      const created = (await response.json()) as NearMissBody;
      expect(created).toMatchObject({ source: 'reported', signal: null, status: 'new', startedAt: new Date(NOW).toISOString() });
      expect(created.report).toMatchObject({ reporter: 'ana', anonymous: false, stoppedBy: 'human' });
      expect((await list('?signal=reported')).map((row) => row.id)).toEqual([created.id]);
    });

    it('keeps an anonymous report anonymous, in the answer and in the audit log', async () => {
      const { reporter: _, ...anonymous } = report;
      const response = await server.request('/api/v1/near-misses', { method: 'POST', json: { ...anonymous, anonymous: true } });
      expect(response.status).toBe(201);
      expect(((await response.json()) as NearMissBody).report?.reporter).toBeNull();
      const entry = (await server.db.orm.select().from(auditLog)).find((row) => row.action === 'near_miss.report');
      expect(entry?.actor).toBe('anonymous');
    });

    it('rejects a report without reporter or anonymity, a bad stoppedBy, and unknown links, writing nothing', async () => {
      const { reporter: _, ...nameless } = report;
      const noName = await server.request('/api/v1/near-misses', { method: 'POST', json: nameless });
      expect(noName.status).toBe(422);
      expect(((await noName.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('reporter');
      expect((await server.request('/api/v1/near-misses', { method: 'POST', json: { ...report, stoppedBy: 'magic' } })).status).toBe(422);
      const unknown = await server.request('/api/v1/near-misses', { method: 'POST', json: { ...report, links: { changes: ['nope'] } } });
      expect(unknown.status).toBe(422);
      expect(((await unknown.json()) as { issues: { path: string }[] }).issues[0]?.path).toBe('links.changes[0]');
      expect(await server.db.orm.select().from(nearMisses)).toHaveLength(0);
    });
  });

  describe('triage', () => {
    it('moves new → analysing → actioned only once an action item exists', async () => {
      const { id } = (await (await server.request('/api/v1/near-misses', { method: 'POST', json: report })).json()) as NearMissBody;
      const patch = (json: unknown) => server.request(`/api/v1/near-misses/${id}`, { method: 'PATCH', json });
      const skip = await patch({ status: 'actioned' });
      expect(skip.status).toBe(409);
      expect(((await skip.json()) as { code: string }).code).toBe('invalid_transition');
      expect((await patch({ status: 'analysing' })).status).toBe(200);
      const early = await patch({ status: 'actioned' });
      expect(((await early.json()) as { code: string }).code).toBe('no_action_items');
      const item = await server.request('/api/v1/action-items', {
        method: 'POST',
        json: { nearMissId: id, title: 'Alert on disk at 80 %', owner: 'ana', priority: 'P1', dueAt: '2026-11-08T00:00:00Z' },
      });
      expect(item.status).toBe(201);
      const done = await patch({ status: 'actioned' });
      expect(((await done.json()) as NearMissBody).status).toBe('actioned');
      expect((await list('?status=actioned')).map((row) => row.id)).toEqual([id]);
      expect(await list('?status=new')).toEqual([]);
      const detail = (await (await server.request(`/api/v1/near-misses/${id}`)).json()) as { actionItems: { title: string; overdue: boolean }[] };
      expect(detail.actionItems).toEqual([expect.objectContaining({ title: 'Alert on disk at 80 %', overdue: false })]);
    });

    it('lists overdue action items once their due date passed', async () => {
      const { id } = (await (await server.request('/api/v1/near-misses', { method: 'POST', json: report })).json()) as NearMissBody;
      await server.request('/api/v1/action-items', { method: 'POST', json: { nearMissId: id, title: 'Fix', priority: 'P0', dueAt: '2026-11-02T00:00:00Z' } });
      const overdue = async () =>
        ((await (await server.request('/api/v1/action-items?overdue=true')).json()) as { actionItems: unknown[] }).actionItems.length;
      expect(await overdue()).toBe(0);
      server.clock.set('2026-11-03T00:00:00Z');
      expect(await overdue()).toBe(1);
    });
  });

  describe('GET /api/v1/near-misses', () => {
    it('filters by time range and needs a token', async () => {
      await server.request('/api/v1/near-misses', { method: 'POST', json: { ...report, startedAt: '2026-10-10T00:00:00Z', endedAt: '2026-10-10T01:00:00Z' } });
      await server.request('/api/v1/near-misses', { method: 'POST', json: report });
      expect(await list('?from=2026-10-01T00:00:00Z&to=2026-10-31T00:00:00Z')).toHaveLength(1);
      expect(await list('?from=2026-10-31T00:00:00Z')).toHaveLength(1);
      expect((await server.request('/api/v1/near-misses', { token: null })).status).toBe(401);
      expect((await server.request('/api/v1/near-misses?signal=bogus')).status).toBe(422);
    });
  });
});
