import type { AppDeps } from '../deps.ts';
import { MINUTE_MS } from '../domain/rollups.ts';
import { audit } from '../lib/audit.ts';
import { scanNearMisses, type ScanSummary } from '../services/near-miss-scan.ts';
import { intervalWorker, type Worker } from './worker.ts';

/**
 * Each tick re-evaluates the last few minutes (the detector reads its own look-back before
 * them), so a late batch of results is still seen and an ongoing condition is updated in place.
 */
const TICK_RANGE_MS = 5 * MINUTE_MS;
/**
 * The newest results kept per monitor/region for a tick (6 h at one result every 30 s, with
 * room to spare), so a flood of results costs the detector time, never unbounded memory.
 */
export const LIVE_SAMPLES_PER_SERIES = 1000;

/** One detector tick as of `deps.clock.now()`; tests call this directly with a ManualClock. */
export async function detectNearMissesTick(deps: AppDeps): Promise<ScanSummary> {
  const now = deps.clock.now();
  return scanNearMisses(deps.db, deps.config.nearMisses, { from: new Date(now.getTime() - TICK_RANGE_MS), to: now }, now, async (tx, summary) => {
    if (summary.created + summary.updated === 0) return;
    await audit(tx, now, 'system:near-miss-detector', null, {
      action: 'near_miss.detect',
      details: { created: summary.created, updated: summary.updated, ids: summary.ids },
    });
  }, { maxSamplesPerSeries: LIVE_SAMPLES_PER_SERIES });
}

/** Evaluates every near-miss signal once a minute. */
export function nearMissDetectorWorker(deps: AppDeps): Worker {
  return intervalWorker('near-miss-detector', deps, MINUTE_MS, async () => {
    await detectNearMissesTick(deps);
  });
}
