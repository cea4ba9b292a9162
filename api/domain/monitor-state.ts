import type { MonitorStateStatus } from '../../db/schema/monitors.ts';

/** The streak counters and status of one monitor in one region (a `monitor_state` row's core). */
export interface StreakState {
  status: MonitorStateStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  /** Successes slower than the degraded threshold, in a row. */
  consecutiveSlow: number;
  /** Successes within the degraded threshold, in a row. */
  consecutiveFast: number;
}

export interface StreakThresholds {
  /** Consecutive failures before the monitor is down (N, default 3). */
  downAfter: number;
  /** Consecutive successes before a down monitor is up again (M, default 2). */
  upAfter: number;
  /** Latency above this makes a success "slow"; null disables degraded. */
  degradedLatencyMs: number | null;
}

export const INITIAL_STREAK: StreakState = {
  status: 'unknown',
  consecutiveFailures: 0,
  consecutiveSuccesses: 0,
  consecutiveSlow: 0,
  consecutiveFast: 0,
};

/**
 * Advances a monitor's state by one result, with flap suppression:
 * - down after `downAfter` failures in a row; up again after `upAfter` successes in a row;
 * - degraded after `downAfter` slow successes in a row; back to up after `upAfter` fast ones;
 * - from `unknown` (no result yet) the first success is enough to be up: there is no earlier
 *   state to protect from flapping.
 */
export function advanceStreak(
  state: StreakState,
  result: { ok: boolean; latencyMs: number },
  thresholds: StreakThresholds,
): StreakState {
  if (!result.ok) {
    const failures = state.consecutiveFailures + 1;
    return {
      status: failures >= thresholds.downAfter ? 'down' : state.status,
      consecutiveFailures: failures,
      consecutiveSuccesses: 0,
      consecutiveSlow: 0,
      consecutiveFast: 0,
    };
  }
  const slow = thresholds.degradedLatencyMs !== null && result.latencyMs > thresholds.degradedLatencyMs;
  const next: StreakState = {
    status: state.status,
    consecutiveFailures: 0,
    consecutiveSuccesses: state.consecutiveSuccesses + 1,
    consecutiveSlow: slow ? state.consecutiveSlow + 1 : 0,
    consecutiveFast: slow ? 0 : state.consecutiveFast + 1,
  };
  if (next.status === 'unknown') next.status = 'up';
  if (next.status === 'down') {
    if (next.consecutiveSuccesses < thresholds.upAfter) return next;
    next.status = 'up';
  }
  if (next.status === 'up' && next.consecutiveSlow >= thresholds.downAfter) next.status = 'degraded';
  else if (next.status === 'degraded' && next.consecutiveFast >= thresholds.upAfter) next.status = 'up';
  return next;
}
