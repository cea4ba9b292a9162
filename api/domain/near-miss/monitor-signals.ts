import { deriveComponentStatus, type RegionMonitorState } from '../component-status.ts';
import { advanceStreak, INITIAL_STREAK, type StreakState } from '../monitor-state.ts';
import { budgetShare, round } from './budget.ts';
import type { DetectionDraft, DetectionInput, DetectorMonitor, DetectorSample, DetectorSlo } from './types.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Samples of one monitor, per region, in time order. */
export function samplesByRegion(samples: readonly DetectorSample[], monitorId: string): Map<string, DetectorSample[]> {
  const byRegion = new Map<string, DetectorSample[]>();
  for (const sample of samples) {
    if (sample.monitorId !== monitorId) continue;
    const list = byRegion.get(sample.region) ?? [];
    list.push(sample);
    byRegion.set(sample.region, list);
  }
  return byRegion;
}

/** SLOs a monitor feeds. */
export const slosOf = (slos: readonly DetectorSlo[], monitorId: string) => slos.filter((slo) => slo.monitors.includes(monitorId));

/** The largest share of any fed SLO's budget that `badRatio` of the monitor's events would spend had it continued from `atMs` for `horizonMs`. */
function monitorBudgetAtRisk(slos: readonly DetectorSlo[], monitorId: string, badRatio: number, horizonMs: number, atMs: number): number | null {
  const fed = slosOf(slos, monitorId);
  if (fed.length === 0) return null;
  return round(Math.max(...fed.map((slo) => budgetShare(slo, badRatio, horizonMs, atMs))), 6);
}

interface FailureRun {
  start: number;
  end: number;
  length: number;
  /** The result that ended the run (a success), if any yet. */
  recoveredAtMs: number | null;
  times: number[];
}

function failureRuns(series: readonly DetectorSample[]): FailureRun[] {
  const runs: FailureRun[] = [];
  let current: FailureRun | null = null;
  for (const sample of series) {
    if (!sample.ok) {
      if (!current) current = { start: sample.atMs, end: sample.atMs, length: 0, recoveredAtMs: null, times: [] };
      current.end = sample.atMs;
      current.length += 1;
      current.times.push(sample.atMs);
    } else if (current) {
      current.recoveredAtMs = sample.atMs;
      runs.push(current);
      current = null;
    }
  }
  if (current) runs.push(current);
  return runs;
}

/**
 * `failure_streak`: failure runs that stayed below the monitor's down threshold. Runs closer
 * than `flapWindow` form one episode; it is a near miss when one run reached `minStreak` or
 * the episode holds `flapRuns` runs (flapping). An episode with a run that reached the down
 * threshold escalated: the monitor went down, which is an outage signal, not a near miss.
 */
export function detectFailureStreaks(input: DetectionInput, monitor: DetectorMonitor): DetectionDraft[] {
  const { minStreak, flapWindow, flapRuns } = input.config.failureStreak;
  const detections: DetectionDraft[] = [];
  for (const [region, series] of samplesByRegion(input.samples, monitor.id)) {
    const runs = failureRuns(series);
    const episodes: FailureRun[][] = [];
    for (const run of runs) {
      const last = episodes.at(-1);
      const previous = last?.at(-1);
      if (last && previous && run.start - (previous.recoveredAtMs ?? previous.end) <= flapWindow) last.push(run);
      else episodes.push([run]);
    }
    for (const episode of episodes) {
      const first = episode[0];
      const final = episode.at(-1);
      if (!first || !final) continue;
      const longest = Math.max(...episode.map((run) => run.length));
      const flapping = episode.length >= flapRuns;
      if (longest < minStreak && !flapping) continue;
      const failures = episode.reduce((sum, run) => sum + run.length, 0);
      const endedAtMs = final.recoveredAtMs;
      const inEpisode = series.filter((sample) => sample.atMs >= first.start && sample.atMs <= (endedAtMs ?? input.toMs));
      const badRatio = inEpisode.length > 0 ? failures / inEpisode.length / Math.max(1, monitor.regions.length) : 0;
      detections.push({
        signal: 'failure_streak',
        dedupeKey: `failure_streak:${monitor.id}:${region}:${first.start}`,
        title: flapping
          ? `${monitor.id} flapped in ${region}: ${episode.length} failure runs`
          : `${monitor.id} failed ${longest}× in a row in ${region} (down after ${monitor.downAfter})`,
        startedAtMs: first.start,
        endedAtMs,
        monitorId: monitor.id,
        sloId: null,
        componentId: monitor.componentId,
        region,
        evidence: {
          kind: flapping ? 'flapping' : 'streak',
          monitorId: monitor.id,
          region,
          window: { from: iso(first.start), to: iso(endedAtMs ?? final.end) },
          longestStreak: longest,
          runs: episode.length,
          failures,
          results: inEpisode.length,
          failedAt: episode.flatMap((run) => run.times).slice(0, 50).map(iso),
          thresholds: { downAfter: monitor.downAfter, minStreak, flapRuns, flapWindowMs: flapWindow },
        },
        budgetAtRisk: monitorBudgetAtRisk(input.slos, monitor.id, badRatio, input.config.riskHorizon, first.start),
        escalated: longest >= monitor.downAfter,
      });
    }
  }
  return detections;
}

/**
 * `regional_failure`: a region's monitor went down (down threshold reached) while the quorum
 * rule kept the component from an outage. Replays every region's streak state in time order
 * with the same rules status derivation uses; escalated if quorum agreed at any point.
 */
export function detectRegionalFailures(input: DetectionInput, monitor: DetectorMonitor): DetectionDraft[] {
  const series = input.samples.filter((sample) => sample.monitorId === monitor.id);
  const states = new Map<string, StreakState>();
  const open = new Map<string, { start: number; quorumReached: boolean; failures: number }>();
  const detections: DetectionDraft[] = [];
  const thresholds = { downAfter: monitor.downAfter, upAfter: monitor.upAfter, degradedLatencyMs: null };
  const close = (region: string, endedAtMs: number | null) => {
    const episode = open.get(region);
    if (!episode) return;
    open.delete(region);
    const regionShare = 1 / Math.max(1, monitor.regions.length);
    detections.push({
      signal: 'regional_failure',
      dedupeKey: `regional_failure:${monitor.id}:${region}:${episode.start}`,
      title: `${monitor.id} down in ${region} while other regions kept it up`,
      startedAtMs: episode.start,
      endedAtMs,
      monitorId: monitor.id,
      sloId: null,
      componentId: monitor.componentId,
      region,
      evidence: {
        monitorId: monitor.id,
        region,
        window: { from: iso(episode.start), to: endedAtMs === null ? null : iso(endedAtMs) },
        regions: monitor.regions,
        quorum: monitor.quorum,
        failures: episode.failures,
        thresholds: { downAfter: monitor.downAfter, upAfter: monitor.upAfter, quorum: monitor.quorum },
      },
      budgetAtRisk: monitorBudgetAtRisk(input.slos, monitor.id, regionShare, input.config.riskHorizon, episode.start),
      escalated: episode.quorumReached,
    });
  };
  for (const sample of series) {
    const before = states.get(sample.region) ?? INITIAL_STREAK;
    const after = advanceStreak(before, sample, thresholds);
    states.set(sample.region, after);
    if (after.status === 'down' && before.status !== 'down') open.set(sample.region, { start: sample.atMs, quorumReached: false, failures: 0 });
    const episode = open.get(sample.region);
    if (episode && !sample.ok) episode.failures += 1;
    const votes: RegionMonitorState[] = [...states].map(([region, state]) => ({ monitorId: monitor.id, region, status: state.status }));
    const verdict = deriveComponentStatus(votes, monitor.quorum);
    if (verdict.status === 'partial_outage' || verdict.status === 'major_outage') {
      for (const downEpisode of open.values()) downEpisode.quorumReached = true;
    }
    if (before.status === 'down' && after.status !== 'down') close(sample.region, sample.atMs);
  }
  for (const region of [...open.keys()]) close(region, null);
  return detections;
}

/**
 * `tls_expiry`: a certificate seen expiring within `tlsExpiry.within`. One near miss per
 * certificate (monitor + expiry time); it ends when a later result shows a renewed one.
 */
export function detectTlsExpiry(input: DetectionInput, monitor: DetectorMonitor): DetectionDraft[] {
  const within = input.config.tlsExpiry.within;
  const series = input.samples.filter((sample) => sample.monitorId === monitor.id && sample.tlsExpiresAtMs !== null);
  const certificates = new Map<number, { firstWithin: number | null; lastSeen: number; regions: Set<string> }>();
  for (const sample of series) {
    const expires = sample.tlsExpiresAtMs ?? 0;
    const certificate = certificates.get(expires) ?? { firstWithin: null, lastSeen: sample.atMs, regions: new Set<string>() };
    certificate.lastSeen = sample.atMs;
    certificate.regions.add(sample.region);
    if (certificate.firstWithin === null && expires - sample.atMs <= within) certificate.firstWithin = sample.atMs;
    certificates.set(expires, certificate);
  }
  const detections: DetectionDraft[] = [];
  for (const [expires, certificate] of certificates) {
    const firstWithin = certificate.firstWithin;
    if (firstWithin === null) continue;
    const renewal = series.find((sample) => sample.atMs > firstWithin && (sample.tlsExpiresAtMs ?? 0) > expires);
    const daysLeft = (expires - firstWithin) / 86_400_000;
    detections.push({
      signal: 'tls_expiry',
      dedupeKey: `tls_expiry:${monitor.id}:${expires}`,
      title: `${monitor.id}: certificate expires ${iso(expires).slice(0, 10)} (${Math.floor(daysLeft)} days left when seen)`,
      startedAtMs: firstWithin,
      endedAtMs: renewal ? renewal.atMs : expires <= input.toMs ? expires : null,
      monitorId: monitor.id,
      sloId: null,
      componentId: monitor.componentId,
      region: null,
      evidence: {
        monitorId: monitor.id,
        expiresAt: iso(expires),
        firstSeenWithinThresholdAt: iso(firstWithin),
        daysLeftWhenSeen: round(daysLeft, 2),
        regions: [...certificate.regions].sort(),
        renewedAt: renewal ? iso(renewal.atMs) : null,
        thresholds: { withinMs: within },
      },
      budgetAtRisk: monitorBudgetAtRisk(input.slos, monitor.id, 1, input.config.riskHorizon, expires),
      escalated: false,
    });
  }
  return detections;
}

/** `no_data`: a monitor region silent for longer than `noData.intervals` × its interval. */
export function detectMonitorNoData(input: DetectionInput, monitor: DetectorMonitor): DetectionDraft[] {
  const allowedMs = monitor.intervalMs * input.config.noData.intervals;
  const detections: DetectionDraft[] = [];
  for (const [region, series] of samplesByRegion(input.samples, monitor.id)) {
    const gaps: Array<[number, number | null]> = [];
    series.forEach((sample, index) => {
      const next = series[index + 1];
      if (next && next.atMs - sample.atMs > allowedMs) gaps.push([sample.atMs, next.atMs]);
      if (!next && input.toMs - sample.atMs > allowedMs) gaps.push([sample.atMs, null]);
    });
    for (const [lastAt, resumedAt] of gaps) {
      detections.push({
        signal: 'no_data',
        dedupeKey: `no_data:monitor:${monitor.id}:${region}:${lastAt}`,
        title: `${monitor.id}: no results from ${region} for more than ${Math.round(allowedMs / 60_000)} min`,
        startedAtMs: lastAt + allowedMs,
        endedAtMs: resumedAt,
        monitorId: monitor.id,
        sloId: null,
        componentId: monitor.componentId,
        region,
        evidence: {
          monitorId: monitor.id,
          region,
          lastResultAt: iso(lastAt),
          resumedAt: resumedAt === null ? null : iso(resumedAt),
          silentForMs: (resumedAt ?? input.toMs) - lastAt,
          thresholds: { intervalMs: monitor.intervalMs, allowedMs },
        },
        budgetAtRisk: null,
        escalated: false,
      });
    }
  }
  return detections;
}
