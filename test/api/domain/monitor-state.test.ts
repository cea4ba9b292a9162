import { describe, expect, it } from 'vitest';
import { advanceStreak, INITIAL_STREAK, type StreakState, type StreakThresholds } from '../../../api/domain/monitor-state.ts';

const thresholds: StreakThresholds = { downAfter: 3, upAfter: 2, degradedLatencyMs: 500 };

/** Feeds results through the state machine and returns the status after each one. */
function run(results: { ok: boolean; latencyMs?: number }[], start: StreakState = INITIAL_STREAK, limits = thresholds): string[] {
  const statuses: string[] = [];
  let state = start;
  for (const result of results) {
    state = advanceStreak(state, { ok: result.ok, latencyMs: result.latencyMs ?? 100 }, limits);
    statuses.push(state.status);
  }
  return statuses;
}

const ok = { ok: true };
const fail = { ok: false };
const slow = { ok: true, latencyMs: 900 };

describe('advanceStreak', () => {
  it('is up after the first success and down only after 3 failures in a row', () => {
    expect(run([ok, fail, fail, fail])).toEqual(['up', 'up', 'up', 'down']);
  });

  it('suppresses flapping: alternating failures never take it down', () => {
    expect(run([ok, fail, ok, fail, fail, ok, fail, fail, ok])).toEqual(Array(9).fill('up'));
  });

  it('comes back up only after 2 successes in a row', () => {
    expect(run([ok, fail, fail, fail, ok, fail, ok, ok])).toEqual(['up', 'up', 'up', 'down', 'down', 'down', 'down', 'up']);
  });

  it('stays unknown until a first success or enough failures', () => {
    expect(run([fail, fail, fail])).toEqual(['unknown', 'unknown', 'down']);
  });

  it('is degraded after 3 slow successes in a row and up again after 2 fast ones', () => {
    expect(run([ok, slow, slow, slow, ok, slow, ok, ok])).toEqual(['up', 'up', 'up', 'degraded', 'degraded', 'degraded', 'degraded', 'up']);
  });

  it('never degrades without a latency threshold', () => {
    expect(run([slow, slow, slow, slow], INITIAL_STREAK, { ...thresholds, degradedLatencyMs: null })).toEqual(['up', 'up', 'up', 'up']);
  });

  it('honours per-monitor thresholds (down after 1, up after 3)', () => {
    expect(run([ok, fail, ok, ok, ok], INITIAL_STREAK, { downAfter: 1, upAfter: 3, degradedLatencyMs: null })).toEqual([
      'up',
      'down',
      'down',
      'down',
      'up',
    ]);
  });

  it('goes from degraded to down on failures', () => {
    expect(run([slow, slow, slow, fail, fail, fail])).toEqual(['up', 'up', 'degraded', 'degraded', 'degraded', 'down']);
  });
});
