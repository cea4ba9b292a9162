import { median, mannWhitneyGreater, twoProportionGreater } from '../stats.ts';
import { budgetShare, round } from './budget.ts';
import type { DetectionDraft, DetectionInput, DetectorChange, DetectorSample, DetectorSlo } from './types.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Monitors a change may affect: those feeding SLOs of its service, or whose id or component is the service. */
export function monitorsForService(input: Pick<DetectionInput, 'monitors' | 'slos'>, service: string): string[] {
  const ids = new Set<string>();
  for (const slo of input.slos) if (slo.service === service) for (const monitorId of slo.monitors) ids.add(monitorId);
  for (const monitor of input.monitors) if (monitor.id === service || monitor.componentId === service) ids.add(monitor.id);
  return [...ids].sort();
}

function badRatioFor(slo: DetectorSlo, samples: readonly DetectorSample[]): number {
  if (samples.length === 0) return 0;
  const bad = samples.filter(
    (sample) => !sample.ok || (slo.sliKind === 'latency' && sample.latencyMs > (slo.latencyThresholdMs ?? Number.POSITIVE_INFINITY)),
  ).length;
  return bad / samples.length;
}

/**
 * `deploy_regression`: for each recorded change and each monitor of its service, the results
 * `window` before the change against `window` after it (all regions pooled), once the after
 * window is complete. Two one-sided tests at level `alpha`, each needing `minSamples` per side:
 * - latency (successful results): Mann–Whitney U, and the median must rise by
 *   `minLatencyIncrease` — a rank test ignores a few outliers, the effect size ignores
 *   differences too small to matter;
 * - error ratio: two-proportion z-test, and the ratio must rise by `minErrorIncrease`.
 */
export function detectDeployRegressions(input: DetectionInput): DetectionDraft[] {
  const { window, minSamples, alpha, minLatencyIncrease, minErrorIncrease } = input.config.deployRegression;
  const detections: DetectionDraft[] = [];
  for (const change of input.changes) {
    if (change.atMs + window > input.toMs) continue;
    for (const monitorId of monitorsForService(input, change.service)) {
      const detection = compare(input, change, monitorId, { window, minSamples, alpha, minLatencyIncrease, minErrorIncrease });
      if (detection) detections.push(detection);
    }
  }
  return detections;
}

function compare(
  input: DetectionInput,
  change: DetectorChange,
  monitorId: string,
  settings: DetectionInput['config']['deployRegression'],
): DetectionDraft | null {
  const before = input.samples.filter(
    (sample) => sample.monitorId === monitorId && sample.atMs >= change.atMs - settings.window && sample.atMs < change.atMs,
  );
  const after = input.samples.filter(
    (sample) => sample.monitorId === monitorId && sample.atMs >= change.atMs && sample.atMs < change.atMs + settings.window,
  );
  if (before.length < settings.minSamples || after.length < settings.minSamples) return null;
  const latencyBefore = before.filter((sample) => sample.ok).map((sample) => sample.latencyMs);
  const latencyAfter = after.filter((sample) => sample.ok).map((sample) => sample.latencyMs);
  const medianBefore = median(latencyBefore);
  const medianAfter = median(latencyAfter);
  const latencyTest =
    latencyBefore.length >= settings.minSamples && latencyAfter.length >= settings.minSamples ? mannWhitneyGreater(latencyBefore, latencyAfter) : null;
  const latencyRegressed =
    latencyTest !== null &&
    medianBefore !== null &&
    medianAfter !== null &&
    latencyTest.pValue < settings.alpha &&
    medianAfter >= medianBefore * (1 + settings.minLatencyIncrease);
  const badBefore = before.filter((sample) => !sample.ok).length;
  const badAfter = after.filter((sample) => !sample.ok).length;
  const errorTest = twoProportionGreater(badBefore, before.length, badAfter, after.length);
  const errorBefore = badBefore / before.length;
  const errorAfter = badAfter / after.length;
  const errorRegressed = errorTest.pValue < settings.alpha && errorAfter - errorBefore >= settings.minErrorIncrease;
  if (!latencyRegressed && !errorRegressed) return null;
  const monitor = input.monitors.find((candidate) => candidate.id === monitorId);
  const fed = input.slos.filter((slo) => slo.monitors.includes(monitorId));
  const risks = fed.map((slo) => budgetShare(slo, badRatioFor(slo, after) - badRatioFor(slo, before), input.config.riskHorizon, change.atMs));
  const what = [latencyRegressed ? 'latency' : null, errorRegressed ? 'error ratio' : null].filter(Boolean).join(' and ');
  return {
    signal: 'deploy_regression',
    dedupeKey: `deploy_regression:${change.id}:${monitorId}`,
    title: `${monitorId}: ${what} worse after ${change.service}${change.version ? ` ${change.version}` : ''}`,
    startedAtMs: change.atMs,
    endedAtMs: change.atMs + settings.window,
    monitorId,
    sloId: null,
    componentId: monitor?.componentId ?? null,
    region: null,
    evidence: {
      changeId: change.id,
      service: change.service,
      version: change.version,
      monitorId,
      window: { from: iso(change.atMs - settings.window), change: iso(change.atMs), to: iso(change.atMs + settings.window) },
      latency: {
        test: 'Mann–Whitney U, one-sided (after > before), normal approximation with tie correction',
        regressed: latencyRegressed,
        samplesBefore: latencyBefore.length,
        samplesAfter: latencyAfter.length,
        medianBeforeMs: medianBefore,
        medianAfterMs: medianAfter,
        z: latencyTest ? round(latencyTest.z, 3) : null,
        pValue: latencyTest ? Number(latencyTest.pValue.toPrecision(3)) : null,
      },
      errors: {
        test: 'two-proportion z-test, one-sided (after > before), pooled standard error',
        regressed: errorRegressed,
        before: { bad: badBefore, total: before.length, ratio: round(errorBefore) },
        after: { bad: badAfter, total: after.length, ratio: round(errorAfter) },
        z: round(errorTest.z, 3),
        pValue: Number(errorTest.pValue.toPrecision(3)),
      },
      thresholds: settings,
    },
    budgetAtRisk: risks.length > 0 ? round(Math.max(0, ...risks), 6) : null,
    escalated: false,
  };
}
