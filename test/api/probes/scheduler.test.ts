import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../api/lib/clock.ts';
import { ProbeScheduler } from '../../../api/probes/scheduler.ts';
import type { ProbeOutcome, ProbeTarget } from '../../../api/probes/types.ts';
import type { ProbeResult } from '../../../api/services/ingest-results.ts';

const target = (key: string, intervalMs = 30_000, timeoutMs = 5000): ProbeTarget => ({
  key,
  kind: 'http',
  intervalMs,
  timeoutMs,
  regions: ['local'],
  settings: {},
});

/** A probe the test finishes by hand. */
function manualProbe() {
  const open: Array<{ key: string; finish: (outcome?: Partial<ProbeOutcome>) => void }> = [];
  const probe = (t: ProbeTarget) =>
    new Promise<ProbeOutcome>((resolve) => open.push({ key: t.key, finish: (outcome = {}) => resolve({ ok: true, latencyMs: 1, ...outcome }) }));
  return { probe, open };
}

describe('ProbeScheduler', () => {
  it('spreads first runs over one interval (jitter) and then runs every interval', async () => {
    const clock = new ManualClock('2026-11-01T12:00:00Z');
    const results: ProbeResult[] = [];
    const randoms = [0.1, 0.6, 0.5, 0.5, 0.5, 0.5];
    const scheduler = new ProbeScheduler({
      region: 'local',
      clock,
      concurrency: 10,
      probe: async () => ({ ok: true, latencyMs: 1 }),
      onResult: (result) => results.push(result),
      random: () => randoms.shift() ?? 0.5,
    });
    scheduler.setTargets([target('a'), target('b')]);
    expect(scheduler.runDue()).toBe(0);
    clock.advance(3000); // a is due at +3 s
    expect(scheduler.runDue()).toBe(1);
    clock.advance(15_000); // b is due at +18 s
    expect(scheduler.runDue()).toBe(1);
    await scheduler.idle();
    clock.set('2026-11-01T12:00:33Z'); // a again, one interval after its first run
    expect(scheduler.runDue()).toBe(1);
    await scheduler.idle();
    expect(results.map((result) => [result.monitor, result.at.toISOString()])).toEqual([
      ['a', '2026-11-01T12:00:03.000Z'],
      ['b', '2026-11-01T12:00:18.000Z'],
      ['a', '2026-11-01T12:00:33.000Z'],
    ]);
    expect(new Set(results.map((result) => result.id)).size).toBe(3);
  });

  it('never overlaps a monitor with itself: a run due while the previous one is in flight is skipped', async () => {
    const clock = new ManualClock(0);
    const { probe, open } = manualProbe();
    const scheduler = new ProbeScheduler({ region: 'local', clock, concurrency: 10, probe, onResult: () => undefined, random: () => 0 });
    scheduler.setTargets([target('a', 1000, 900)]);
    scheduler.runDue();
    expect(open).toHaveLength(1);
    clock.advance(1000);
    scheduler.runDue();
    expect(open).toHaveLength(1);
    expect(scheduler.stats.skipped).toBe(1);
    open[0]?.finish();
    await scheduler.idle();
    clock.advance(1000);
    scheduler.runDue();
    expect(open).toHaveLength(2);
  });

  it('runs at most `concurrency` probes at once and starts the rest as slots free, recording their lag', async () => {
    const clock = new ManualClock(0);
    const { probe, open } = manualProbe();
    const scheduler = new ProbeScheduler({ region: 'local', clock, concurrency: 2, probe, onResult: () => undefined, random: () => 0 });
    scheduler.setTargets([target('a'), target('b'), target('c'), target('d')]);
    scheduler.runDue();
    expect(open.map((run) => run.key)).toEqual(['a', 'b']);
    clock.advance(250);
    open[0]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(open.map((run) => run.key)).toEqual(['a', 'b', 'c']);
    open[1]?.finish();
    open[2]?.finish();
    await new Promise((resolve) => setImmediate(resolve));
    open[3]?.finish();
    await scheduler.idle();
    expect(scheduler.stats.lagsMs).toEqual([0, 0, 250, 250]);
  });

  it('cuts off a probe that ignores its own timeout', async () => {
    const clock = new ManualClock(0);
    const results: ProbeResult[] = [];
    const scheduler = new ProbeScheduler({
      region: 'local',
      clock,
      concurrency: 1,
      probe: () => new Promise<ProbeOutcome>(() => undefined),
      onResult: (result) => results.push(result),
      random: () => 0,
    });
    scheduler.setTargets([target('hang', 30_000, 50)]);
    scheduler.runDue();
    await scheduler.idle();
    expect(results[0]).toMatchObject({ ok: false, error: 'timed out after 50 ms' });
  });

  it('stops probing a monitor removed from the list', async () => {
    const clock = new ManualClock(0);
    const results: ProbeResult[] = [];
    const scheduler = new ProbeScheduler({ region: 'local', clock, concurrency: 5, probe: async () => ({ ok: true, latencyMs: 1 }), onResult: (r) => results.push(r), random: () => 0 });
    scheduler.setTargets([target('a'), target('b')]);
    scheduler.runDue();
    await scheduler.idle();
    scheduler.setTargets([target('b')]);
    clock.advance(30_000);
    scheduler.runDue();
    await scheduler.idle();
    expect(results.map((result) => result.monitor)).toEqual(['a', 'b', 'b']);
  });
});
