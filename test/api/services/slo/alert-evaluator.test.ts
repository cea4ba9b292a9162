import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../../api/config/load.ts';
import { syncConfig } from '../../../../api/config/sync.ts';
import { ingestResults } from '../../../../api/services/ingest-results.ts';
import { evaluateAlerts } from '../../../../api/services/slo/alert-evaluator.ts';
import { burnAlerts, outbox } from '../../../../db/schema/index.ts';
import { createTempDb, type TempDatabase } from '../../../helpers/temp-db.ts';

const MIN = 60_000;
const START = Date.parse('2026-11-01T10:00:00Z');

const apiSlo = { key: 'api', name: 'API availability', service: 'api', sli: { kind: 'availability' as const, monitors: ['api-health'] }, target: 0.999, window: '30d' };
const configWith = (slos: (typeof apiSlo & { alerts?: unknown[] })[]) => validateConfig({
  components: [{ key: 'api', name: 'API' }],
  monitors: [{ key: 'api-health', component: 'api', kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] }],
  slos,
  alerting: {
    channels: [
      { kind: 'webhook', url: 'http://127.0.0.1:9/hook', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
      { kind: 'slack', url: 'http://127.0.0.1:9/slack' },
      { kind: 'pagerduty', routingKey: 'R0UT1NGKEY', url: 'http://127.0.0.1:9/pd', severities: ['page'] },
    ],
  },
});
const config = configWith([apiSlo]);
const options = { channels: config.alerting.channels, publicUrl: 'http://status.test' };

describe('SLO alert evaluator', () => {
  let db: TempDatabase;
  beforeAll(async () => {
    db = await createTempDb();
    await syncConfig(db, config, new Date(START));
    // Two hours of one probe a minute; the last 10 minutes fail.
    const results = Array.from({ length: 120 }, (_, minute) => ({
      id: randomUUID(),
      monitor: 'api-health',
      region: 'eu',
      at: new Date(START + minute * MIN + 5000),
      ok: minute < 110,
      latencyMs: 50,
    }));
    await ingestResults(db, results, { now: new Date(START + 120 * MIN), backfillHorizonMs: 86_400_000 });
  });
  afterAll(() => db.destroy());

  it('opens one alert per firing rule and writes one outbox row per matching channel, once', async () => {
    const at = new Date(START + 120 * MIN);
    const transitions = await evaluateAlerts(db, at, options);
    expect(transitions.map((t) => [t.rule, t.transition])).toEqual([
      ['page-1h', 'firing'],
      ['page-6h', 'firing'],
      ['ticket-1d', 'firing'],
      ['ticket-3d', 'firing'],
    ]);
    const rows = await db.orm.select().from(outbox);
    // webhook + slack get all four, PagerDuty only the two pages.
    expect(rows).toHaveLength(10);
    expect(rows.filter((row) => row.channel === 'pagerduty')).toHaveLength(2);
    expect(rows.every((row) => row.topic === 'slo.alert.firing' && row.status === 'pending')).toBe(true);
    const page = transitions[0];
    expect(rows.map((row) => row.id)).toContain(`alert:${page?.burnAlertId}:firing:0`);

    // Evaluating again (or from a second process) adds nothing while the state is unchanged.
    expect(await evaluateAlerts(db, at, options)).toEqual([]);
    expect(await db.orm.select().from(outbox)).toHaveLength(10);
    expect((await db.orm.select().from(burnAlerts)).filter((row) => row.state === 'firing')).toHaveLength(4);
  });

  it('builds PagerDuty Events v2 and Slack bodies', async () => {
    const rows = await db.orm.select().from(outbox);
    const pd = rows.find((row) => row.channel === 'pagerduty' && row.id.endsWith(':2'));
    expect(pd?.target).toBe('http://127.0.0.1:9/pd');
    expect(pd?.payload).toMatchObject({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      payload: { severity: 'critical', source: 'headroom:api', class: 'error-budget-burn' },
    });
    expect(String(pd?.payload['dedup_key'])).toMatch(/^headroom:slo:api:page-(1h|6h):/);
    const slack = rows.find((row) => row.channel === 'slack');
    expect(String(slack?.payload['text'])).toMatch(/^\[(PAGE|TICKET)\] API availability: burning error budget at/);
  });

  it('resolves a rule once its short window stops burning, with a resolve carrying the same PagerDuty dedup_key', async () => {
    // Ten minutes later nothing new arrived: the 5m window has no data, so page-1h stops; the 30m window still burns.
    const at = new Date(START + 130 * MIN);
    const transitions = await evaluateAlerts(db, at, options);
    expect(transitions.map((t) => [t.rule, t.transition])).toEqual([['page-1h', 'resolved']]);
    const resolved = (await db.orm.select().from(outbox)).filter((row) => row.topic === 'slo.alert.resolved');
    expect(resolved.map((row) => row.channel).sort()).toEqual(['pagerduty', 'slack', 'webhook']);
    const pdResolve = resolved.find((row) => row.channel === 'pagerduty');
    const pdTrigger = (await db.orm.select().from(outbox)).find(
      (row) => row.channel === 'pagerduty' && row.id === `alert:${transitions[0]?.burnAlertId}:firing:2`,
    );
    expect(pdResolve?.payload).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: pdTrigger?.payload['dedup_key'] });
    expect(await evaluateAlerts(db, at, options)).toEqual([]);
    const [alert] = (await db.orm.select().from(burnAlerts)).filter((row) => row.rule === 'page-1h');
    expect(alert?.state).toBe('resolved');
    expect(alert?.resolvedAt?.toISOString()).toBe(at.toISOString());
  });

  it('resolves alerts whose rule was removed from the SLO on the next evaluation, one notice per matching channel', async () => {
    // Only ticket-3d is kept; page-6h and ticket-1d are still firing from above.
    await syncConfig(db, configWith([{ ...apiSlo, alerts: [{ name: 'ticket-3d', severity: 'ticket', longWindow: '3d', shortWindow: '6h', burnRate: 1 }] }]), new Date(START + 131 * MIN));
    const at = new Date(START + 131 * MIN);
    const transitions = await evaluateAlerts(db, at, options);
    expect(transitions.map((t) => [t.rule, t.transition, t.reason]).sort()).toEqual([
      ['page-6h', 'resolved', 'rule_removed'],
      ['ticket-1d', 'resolved', 'rule_removed'],
    ]);
    const page = transitions.find((t) => t.rule === 'page-6h');
    const rows = (await db.orm.select().from(outbox)).filter((row) => row.id.startsWith(`alert:${page?.burnAlertId}:resolved:`));
    expect(rows.map((row) => row.channel).sort()).toEqual(['pagerduty', 'slack', 'webhook']);
    const trigger = (await db.orm.select().from(outbox)).find((row) => row.id === `alert:${page?.burnAlertId}:firing:2`);
    expect(rows.find((row) => row.channel === 'pagerduty')?.payload).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: trigger?.payload['dedup_key'] });
    const webhook = rows.find((row) => row.channel === 'webhook')?.payload;
    expect(webhook).toMatchObject({ type: 'slo.alert.resolved', reason: 'rule_removed', rule: { name: 'page-6h', longWindow: '6h', shortWindow: '30m', burnRate: 6 } });
    expect(String(webhook?.['summary'])).toBe('[RESOLVED] API availability: alert page-6h closed because its rule was removed from the SLO');
    // The rule that is kept goes on firing, and nothing is sent twice.
    expect(await evaluateAlerts(db, at, options)).toEqual([]);
    const firing = (await db.orm.select().from(burnAlerts)).filter((row) => row.state === 'firing');
    expect(firing.map((row) => row.rule)).toEqual(['ticket-3d']);
  });

  it('resolves every alert of an SLO once it is archived (removed from the config file)', async () => {
    await syncConfig(db, configWith([]), new Date(START + 132 * MIN));
    const at = new Date(START + 132 * MIN);
    const transitions = await evaluateAlerts(db, at, options);
    expect(transitions.map((t) => [t.sloId, t.rule, t.transition, t.reason])).toEqual([['api', 'ticket-3d', 'resolved', 'slo_archived']]);
    const rows = (await db.orm.select().from(outbox)).filter((row) => row.id.startsWith(`alert:${transitions[0]?.burnAlertId}:resolved:`));
    // A ticket: webhook and Slack, not PagerDuty (pages only).
    expect(rows.map((row) => row.channel).sort()).toEqual(['slack', 'webhook']);
    expect(String(rows.find((row) => row.channel === 'slack')?.payload['text'])).toBe(
      '[RESOLVED] API availability: alert ticket-3d closed because the SLO was archived',
    );
    expect(await evaluateAlerts(db, new Date(START + 133 * MIN), options)).toEqual([]);
    expect((await db.orm.select().from(burnAlerts)).every((row) => row.state === 'resolved')).toBe(true);
  });
});
