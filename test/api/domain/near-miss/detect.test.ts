import { describe, expect, it } from 'vitest';
import { defaultNearMissConfig } from '../../../../api/config/near-misses.ts';
import { detectNearMisses } from '../../../../api/domain/near-miss/detect.ts';
import type {
  DetectionInput,
  DetectorIncident,
  DetectorMonitor,
  DetectorSample,
  DetectorSlo,
  MinuteSeries,
} from '../../../../api/domain/near-miss/types.ts';
import { parseRules } from '../../../../api/domain/slo/alerts.ts';

const MIN = 60_000;
const DAY = 1440 * MIN;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (minute: number) => T0 + minute * MIN;

const RULES = parseRules(null).map(({ name, severity, longWindowMs, shortWindowMs, burnRate }) => ({
  name,
  severity,
  longWindowMs,
  shortWindowMs,
  burnRate,
}));

function monitor(overrides: Partial<DetectorMonitor> = {}): DetectorMonitor {
  return { id: 'api', componentId: 'api', intervalMs: MIN, downAfter: 3, upAfter: 2, regions: ['eu'], quorum: 0.5, ...overrides };
}

function slo(overrides: Partial<DetectorSlo> = {}): DetectorSlo {
  return {
    id: 'api-avail',
    name: 'API availability',
    service: 'api',
    componentId: 'api',
    sliKind: 'availability',
    target: 0.99,
    windowMs: 30 * DAY,
    window: { kind: 'rolling', ms: 30 * DAY },
    monitors: ['api'],
    latencyThresholdMs: null,
    alertRules: RULES,
    ...overrides,
  };
}

/** One result a minute for `minutes` minutes; `fail(i)` says which ones failed. */
function probes(
  minutes: number,
  options: { monitorId?: string; region?: string; fail?: (i: number) => boolean; latency?: (i: number) => number; tls?: number; offset?: number } = {},
): DetectorSample[] {
  return Array.from({ length: minutes }, (_, i) => ({
    monitorId: options.monitorId ?? 'api',
    region: options.region ?? 'eu',
    atMs: at(i + (options.offset ?? 0)),
    ok: !(options.fail?.(i) ?? false),
    latencyMs: options.latency?.(i) ?? 100,
    tlsExpiresAtMs: options.tls ?? null,
  }));
}

/** A minute series of `perMinute` events, `bad(i)` of them bad. */
function minutes(count: number, perMinute: number, bad: (i: number) => number): MinuteSeries {
  const total = Array.from({ length: count }, () => perMinute);
  return { startMs: T0, total, good: total.map((n, i) => n - bad(i)) };
}

function input(overrides: Partial<DetectionInput>): DetectionInput {
  return {
    fromMs: T0,
    toMs: at(180),
    monitors: [],
    slos: [],
    samples: [],
    sloMinutes: new Map(),
    changes: [],
    incidents: [],
    config: defaultNearMissConfig,
    ...overrides,
  };
}

const nearMissesOf = (data: DetectionInput, signal: string) =>
  detectNearMisses(data).filter((detection) => detection.signal === signal && !detection.escalated);

/** A deterministic pseudo-random sequence (LCG), so "noise" is the same on every run. */
function noise(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('failure_streak', () => {
  it('records one near miss for two failures in a row below a down threshold of 3', () => {
    const found = nearMissesOf(input({ monitors: [monitor()], samples: probes(60, { fail: (i) => i === 10 || i === 11 }) }), 'failure_streak');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      dedupeKey: `failure_streak:api:eu:${at(10)}`,
      startedAtMs: at(10),
      endedAtMs: at(12),
      monitorId: 'api',
      region: 'eu',
      componentId: 'api',
    });
    expect(found[0]?.evidence).toMatchObject({ kind: 'streak', longestStreak: 2, runs: 1, failures: 2, thresholds: { downAfter: 3 } });
  });

  it('ignores a single failed probe', () => {
    expect(detectNearMisses(input({ toMs: at(60), monitors: [monitor()], slos: [slo()], samples: probes(60, { fail: (i) => i === 30 }) }))).toEqual([]);
  });

  it('does not call three failures in a row (the monitor went down) a near miss', () => {
    const all = detectNearMisses(input({ monitors: [monitor()], samples: probes(60, { fail: (i) => i >= 10 && i <= 12 }) }));
    expect(all.filter((d) => d.signal === 'failure_streak').map((d) => d.escalated)).toEqual([true]);
  });

  it('records flapping (three single failures within 15 minutes) as one near miss', () => {
    const found = nearMissesOf(input({ monitors: [monitor()], samples: probes(60, { fail: (i) => [10, 14, 18].includes(i) }) }), 'failure_streak');
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ kind: 'flapping', runs: 3, failures: 3, longestStreak: 1 });
    expect([found[0]?.startedAtMs, found[0]?.endedAtMs]).toEqual([at(10), at(19)]);
  });

  it('keeps an ongoing streak open (no end) and reports budget at risk for the fed SLO', () => {
    const found = nearMissesOf(
      input({ toMs: at(60), monitors: [monitor()], slos: [slo()], samples: probes(60, { fail: (i) => i >= 58 }) }),
      'failure_streak',
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.endedAtMs).toBeNull();
    // All results of the episode failed: burn 1/0.01 = 100× for the 1 h horizon of a 30-day window.
    expect(found[0]?.budgetAtRisk).toBeCloseTo(100 / 720, 6);
  });
});

describe('regional_failure', () => {
  const three = monitor({ regions: ['eu', 'us', 'ap'] });
  it('records a region that went down while the other two kept the component up', () => {
    const samples = [
      ...probes(40, { region: 'eu', fail: (i) => i >= 10 && i <= 14 }),
      ...probes(40, { region: 'us' }),
      ...probes(40, { region: 'ap' }),
    ].sort((a, b) => a.atMs - b.atMs);
    const found = nearMissesOf(input({ monitors: [three], samples }), 'regional_failure');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ region: 'eu', startedAtMs: at(12), endedAtMs: at(16) });
    expect(found[0]?.evidence).toMatchObject({ regions: ['eu', 'us', 'ap'], quorum: 0.5, thresholds: { downAfter: 3, upAfter: 2 } });
  });

  it('does not record it when two of three regions went down (quorum agreed: an outage)', () => {
    const samples = [
      ...probes(40, { region: 'eu', fail: (i) => i >= 10 && i <= 14 }),
      ...probes(40, { region: 'us', fail: (i) => i >= 10 && i <= 14 }),
      ...probes(40, { region: 'ap' }),
    ].sort((a, b) => a.atMs - b.atMs);
    expect(nearMissesOf(input({ monitors: [three], samples }), 'regional_failure')).toEqual([]);
  });
});

describe('tls_expiry', () => {
  it('records a certificate with 30 days left, once, with its expiry as evidence', () => {
    const expires = at(30) + 30 * DAY;
    const found = nearMissesOf(input({ monitors: [monitor()], samples: probes(60, { offset: 30, tls: expires }) }), 'tls_expiry');
    expect(found).toHaveLength(1);
    expect(found[0]?.dedupeKey).toBe(`tls_expiry:api:${expires}`);
    expect(found[0]?.evidence).toMatchObject({ expiresAt: new Date(expires).toISOString(), daysLeftWhenSeen: 30 });
    expect(found[0]?.endedAtMs).toBeNull();
  });

  it('ignores a certificate with 31 days left', () => {
    const expires = at(59) + 31 * DAY;
    expect(nearMissesOf(input({ monitors: [monitor()], samples: probes(60, { tls: expires }) }), 'tls_expiry')).toEqual([]);
  });
});

describe('no_data', () => {
  it('records a 10-minute silence of a 1-minute monitor (allowed: 3 intervals) and when it ended', () => {
    const samples = probes(60).filter((sample) => sample.atMs < at(20) || sample.atMs >= at(30));
    const found = nearMissesOf(input({ toMs: at(60), monitors: [monitor()], samples }), 'no_data');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ startedAtMs: at(19) + 3 * MIN, endedAtMs: at(30) });
    expect(found[0]?.evidence).toMatchObject({ silentForMs: 11 * MIN, thresholds: { intervalMs: MIN, allowedMs: 3 * MIN } });
  });

  it('ignores a gap of two intervals', () => {
    const samples = probes(60).filter((sample) => sample.atMs !== at(20));
    expect(nearMissesOf(input({ toMs: at(60), monitors: [monitor()], samples }), 'no_data')).toEqual([]);
  });
});

describe('deploy_regression', () => {
  const change = { id: 'c1', service: 'api', atMs: at(60), version: 'v2' };
  const around = (before: () => number, after: () => number, fail: (i: number) => boolean = () => false) =>
    [0, 1].flatMap((r) =>
      Array.from({ length: 120 }, (_, i) => ({
        monitorId: 'api',
        region: r === 0 ? 'eu' : 'us',
        atMs: at(i),
        ok: !fail(i),
        latencyMs: i < 60 ? before() : after(),
        tlsExpiresAtMs: null,
      })),
    ).sort((a, b) => a.atMs - b.atMs);

  it('flags a latency regression after a deploy with a Mann–Whitney U test', () => {
    const random = noise(7);
    const samples = around(() => 100 + random() * 40, () => 160 + random() * 40);
    const found = nearMissesOf(input({ toMs: at(120), monitors: [monitor({ regions: ['eu', 'us'] })], slos: [slo()], changes: [change], samples }), 'deploy_regression');
    expect(found).toHaveLength(1);
    expect(found[0]?.dedupeKey).toBe('deploy_regression:c1:api');
    const latency = found[0]?.evidence['latency'] as Record<string, unknown>;
    expect(latency).toMatchObject({ regressed: true, samplesBefore: 60, samplesAfter: 60 });
    expect(latency['test']).toContain('Mann–Whitney U');
    expect(latency['pValue'] as number).toBeLessThan(0.001);
  });

  it('flags an error-ratio regression with a two-proportion z-test', () => {
    const samples = around(() => 100, () => 100, (i) => i >= 60 && i % 5 === 0);
    const found = nearMissesOf(input({ toMs: at(120), monitors: [monitor({ regions: ['eu', 'us'] })], slos: [slo()], changes: [change], samples }), 'deploy_regression');
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence['errors']).toMatchObject({ regressed: true, before: { bad: 0, total: 60 }, after: { bad: 12, total: 60 } });
  });

  it('does not flag noise around a deploy (same distribution before and after)', () => {
    const random = noise(11);
    const samples = around(() => 80 + random() * 80, () => 80 + random() * 80, (i) => i % 37 === 3);
    expect(nearMissesOf(input({ toMs: at(120), monitors: [monitor({ regions: ['eu', 'us'] })], slos: [slo()], changes: [change], samples }), 'deploy_regression')).toEqual([]);
  });

  it('waits until the 30-minute after window is complete', () => {
    const samples = around(() => 100, () => 300);
    expect(nearMissesOf(input({ toMs: at(80), monitors: [monitor({ regions: ['eu', 'us'] })], changes: [change], samples }), 'deploy_regression')).toEqual([]);
  });
});

describe('burn_spike', () => {
  const range = { fromMs: at(0), toMs: at(240) };
  it('records a 5-minute spike over 14.4× that the 1-hour window did not confirm', () => {
    const sloMinutes = new Map([['api-avail', minutes(240, 10, (i) => (i >= 100 && i <= 102 ? 5 : 0))]]);
    const found = nearMissesOf(input({ ...range, slos: [slo()], sloMinutes }), 'burn_spike');
    expect(found).toHaveLength(1);
    // Minute 100 alone is 10× over 5 min; with minute 101 it is 20×, over the 14.4× threshold.
    expect(found[0]?.startedAtMs).toBe(at(101));
    expect(found[0]?.evidence['peak']).toMatchObject({ rule: { name: 'page-1h', burnRate: 14.4 }, shortBurnRate: 30, longBurnRate: 2.5, shortWindowBad: 15 });
    // 30× over the 1 h long window of a 30-day SLO: 30 / 720 of the budget.
    expect(found[0]?.budgetAtRisk).toBeCloseTo(30 / 720, 6);
  });

  it('caps budget at risk at the time left in a calendar month: 17 minutes before October ends', () => {
    // The same spike, starting at 22:00 UTC on 31 October: the peak is measured at 23:43.
    const start = Date.parse('2026-10-31T22:00:00Z');
    const sloMinutes = new Map([['api-avail', { ...minutes(240, 10, (i) => (i >= 100 && i <= 102 ? 5 : 0)), startMs: start }]]);
    const month = (timeZone: string) => slo({ window: { kind: 'calendar', unit: 'month', timeZone } });
    const spikeIn = (timeZone: string) =>
      nearMissesOf(input({ fromMs: start, toMs: start + 240 * MIN, slos: [month(timeZone)], sloMinutes }), 'burn_spike')[0];
    // UTC: 30× for the 17 minutes left of October's 31 days (not the rule's 1 h): 510 / 44,640.
    expect(spikeIn('UTC')?.budgetAtRisk).toBeCloseTo(30 * 17 / (31 * 1440), 6);
    // Europe/Berlin: 23:43 UTC is 00:43 on 1 November, a 30-day month with all of the hour ahead: 30 / 720.
    expect(spikeIn('Europe/Berlin')?.budgetAtRisk).toBeCloseTo(30 / 720, 6);
  });

  it('ignores a single failed probe', () => {
    const sloMinutes = new Map([['api-avail', minutes(240, 10, (i) => (i === 100 ? 1 : 0))]]);
    expect(detectNearMisses(input({ ...range, slos: [slo()], sloMinutes }))).toEqual([]);
  });

  it('does not record a spike the long window confirmed (it became a real incident) and links the incident', () => {
    const sloMinutes = new Map([['api-avail', minutes(240, 10, (i) => (i >= 100 && i < 160 ? 5 : 0))]]);
    const incident: DetectorIncident = { id: 'inc-1', startedAtMs: at(105), resolvedAtMs: at(165), componentIds: ['api'] };
    const all = detectNearMisses(input({ ...range, slos: [slo()], sloMinutes, incidents: [incident] }));
    expect(all.filter((d) => !d.escalated)).toEqual([]);
    const spike = all.find((d) => d.signal === 'burn_spike');
    expect(spike).toMatchObject({ escalated: true, incidentId: 'inc-1' });
  });
});

describe('slow_burn', () => {
  it('records ticket-level burn (4× over a day) that never paged', () => {
    const sloMinutes = new Map([['api-avail', minutes(2 * 1440, 10, (i) => (i % 5 === 0 ? 2 : 0))]]);
    const found = nearMissesOf(input({ fromMs: at(1440), toMs: at(2 * 1440), slos: [slo()], sloMinutes }), 'slow_burn');
    expect(found).toHaveLength(1);
    expect(found[0]?.endedAtMs).toBeNull();
    expect(found[0]?.evidence['peak']).toMatchObject({ rule: { name: 'ticket-3d' } });
    expect((found[0]?.evidence['peak'] as { longBurnRate: number }).longBurnRate).toBeCloseTo(4, 1);
    // 4× for the 3 d long window of a 30-day SLO: 40 % of the budget.
    expect(found[0]?.budgetAtRisk).toBeCloseTo(0.4, 2);
    expect(nearMissesOf(input({ fromMs: at(1440), toMs: at(2 * 1440), slos: [slo()], sloMinutes }), 'burn_spike')).toEqual([]);
  });

  it('ignores background noise (one bad event in 200 minutes)', () => {
    const sloMinutes = new Map([['api-avail', minutes(2 * 1440, 10, (i) => (i % 200 === 7 ? 1 : 0))]]);
    expect(detectNearMisses(input({ fromMs: at(1440), toMs: at(2 * 1440), slos: [slo()], sloMinutes }))).toEqual([]);
  });
});

describe('costly_event', () => {
  const range = { fromMs: at(0), toMs: at(600) };
  // Budget in events: 1 % × 10 a minute × 43,200 minutes = 4,320 bad events.
  it('records one stretch costing 6.9 % of the budget without an incident', () => {
    const sloMinutes = new Map([['api-avail', minutes(600, 10, (i) => (i >= 100 && i < 130 ? 10 : 0))]]);
    const found = nearMissesOf(input({ ...range, slos: [slo()], sloMinutes }), 'costly_event');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ startedAtMs: at(100), endedAtMs: at(130) });
    expect(found[0]?.evidence).toMatchObject({ badEvents: 300, budgetEvents: 4320 });
    expect(found[0]?.budgetAtRisk).toBeCloseTo(300 / 4320, 6);
  });

  it('ignores a stretch costing 4.6 % (under 5 %)', () => {
    const sloMinutes = new Map([['api-avail', minutes(600, 10, (i) => (i >= 100 && i < 120 ? 10 : 0))]]);
    expect(nearMissesOf(input({ ...range, slos: [slo()], sloMinutes }), 'costly_event')).toEqual([]);
  });

  it('does not call a costly stretch that became an incident a near miss', () => {
    const sloMinutes = new Map([['api-avail', minutes(600, 10, (i) => (i >= 100 && i < 130 ? 10 : 0))]]);
    const incidents: DetectorIncident[] = [{ id: 'inc', startedAtMs: at(110), resolvedAtMs: at(140), componentIds: ['api'] }];
    const costly = detectNearMisses(input({ ...range, slos: [slo()], sloMinutes, incidents })).filter((d) => d.signal === 'costly_event');
    expect(costly.map((d) => [d.escalated, d.incidentId])).toEqual([[true, 'inc']]);
  });
});

describe('latency_headroom', () => {
  const latencySlo = slo({ id: 'web-lat', sliKind: 'latency', target: 0.95, latencyThresholdMs: 300, monitors: ['web'], componentId: 'web' });
  const webMonitor = monitor({ id: 'web', componentId: 'web' });
  const ok = new Map([['web-lat', minutes(180, 1, () => 0)]]);
  it('records p95 at 83 % of a 300 ms threshold while the SLO is met', () => {
    const samples = probes(180, { monitorId: 'web', latency: (i) => (i >= 60 && i < 120 ? 250 : 100) });
    const found = nearMissesOf(input({ monitors: [webMonitor], slos: [latencySlo], sloMinutes: ok, samples }), 'latency_headroom');
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ peak: { p95Ms: 250, attainment: 1 }, thresholds: { latencyThresholdMs: 300, ratio: 0.8 } });
  });

  it('ignores p95 at 67 % of the threshold', () => {
    const samples = probes(180, { monitorId: 'web', latency: () => 200 });
    expect(nearMissesOf(input({ monitors: [webMonitor], slos: [latencySlo], sloMinutes: ok, samples }), 'latency_headroom')).toEqual([]);
  });
});

describe('detectNearMisses', () => {
  it('keeps only conditions that overlap [from, to] and gives the same keys when run again', () => {
    const data = input({ fromMs: at(30), toMs: at(60), monitors: [monitor()], samples: probes(60, { fail: (i) => [5, 6, 40, 41].includes(i) }) });
    const first = detectNearMisses(data);
    expect(first.map((d) => d.startedAtMs)).toEqual([at(40)]);
    expect(detectNearMisses(data)).toEqual(first);
  });
});
