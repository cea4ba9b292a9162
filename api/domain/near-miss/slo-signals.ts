import { MINUTE_MS } from '../rollups.ts';
import { percentile } from '../stats.ts';
import { budgetShare, burnRate, round, runsOf, WindowSums } from './budget.ts';
import type { DetectionDraft, DetectionInput, DetectorAlertRule, DetectorSlo } from './types.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const minutesOf = (ms: number) => Math.max(1, Math.round(ms / MINUTE_MS));

/** How far before `from` minute-level conditions are evaluated, to find where an ongoing one began. */
export const SLO_EVAL_LOOKBACK_MS = 12 * 60 * MINUTE_MS;

interface Evaluation {
  sums: WindowSums;
  first: number;
  last: number;
}

/** The minute indexes to evaluate: from the look-back before `from` to the last whole minute before `to`. */
function evaluationRange(input: DetectionInput, slo: DetectorSlo): Evaluation | null {
  const series = input.sloMinutes.get(slo.id);
  if (!series || series.total.length === 0) return null;
  const sums = new WindowSums(series);
  const first = Math.max(0, sums.indexOf(input.fromMs - SLO_EVAL_LOOKBACK_MS));
  const last = Math.min(sums.length - 1, sums.indexOf(input.toMs - 1));
  return last >= first ? { sums, first, last } : null;
}

function ruleBurn(sums: WindowSums, index: number, rule: DetectorAlertRule, target: number) {
  const short = sums.window(index, minutesOf(rule.shortWindowMs));
  const long = sums.window(index, minutesOf(rule.longWindowMs));
  return {
    short,
    long,
    shortBurn: burnRate(short.bad, short.total, target),
    longBurn: burnRate(long.bad, long.total, target),
  };
}

const ruleJson = (rule: DetectorAlertRule) => ({
  name: rule.name,
  severity: rule.severity,
  burnRate: rule.burnRate,
  longWindowMs: rule.longWindowMs,
  shortWindowMs: rule.shortWindowMs,
});

/** End of a run of minutes: the minute after it, or null when it reaches the last evaluated minute (ongoing). */
function runEnd(evaluation: Evaluation, lastIndex: number): number | null {
  return lastIndex >= evaluation.last ? null : evaluation.sums.minuteStart(lastIndex + 1);
}

/**
 * The fields every near miss found on an SLO shares, for a run from `startedAtMs`; the dedupe key
 * is anchored at `dedupeAtMs` (the start, unless a signal anchors its runs elsewhere).
 */
function sloRun<Signal extends 'burn_spike' | 'slow_burn' | 'costly_event' | 'latency_headroom'>(
  slo: DetectorSlo,
  signal: Signal,
  startedAtMs: number,
  endedAtMs: number | null,
  title: string,
  dedupeAtMs: number = startedAtMs,
) {
  return {
    signal,
    dedupeKey: `${signal}:${slo.id}:${dedupeAtMs}`,
    title,
    startedAtMs,
    endedAtMs,
    monitorId: null,
    sloId: slo.id,
    componentId: slo.componentId,
    region: null,
  };
}

function sloRunEvidence(slo: DetectorSlo, startedAtMs: number, endedAtMs: number | null) {
  return { sloId: slo.id, target: slo.target, window: { from: iso(startedAtMs), to: endedAtMs === null ? null : iso(endedAtMs) } };
}

/**
 * `burn_spike`: a page rule's short window over its burn rate (with at least `minBadEvents`
 * bad events, so one failed probe is never a spike) while its long window did not confirm.
 * A spike during which any page rule fired for real (both windows) escalated.
 */
export function detectBurnSpikes(input: DetectionInput, slo: DetectorSlo): DetectionDraft[] {
  const evaluation = evaluationRange(input, slo);
  const rules = slo.alertRules.filter((rule) => rule.severity === 'page');
  if (!evaluation || rules.length === 0) return [];
  const { sums, first, last } = evaluation;
  const minBad = input.config.burnSpike.minBadEvents;
  const spike: boolean[] = [];
  const confirmed: boolean[] = [];
  for (let index = first; index <= last; index += 1) {
    let isSpike = false;
    let isConfirmed = false;
    for (const rule of rules) {
      const burn = ruleBurn(sums, index, rule, slo.target);
      if (burn.shortBurn >= rule.burnRate && burn.short.bad >= minBad) isSpike = true;
      if (burn.shortBurn >= rule.burnRate && burn.longBurn >= rule.burnRate) isConfirmed = true;
    }
    spike.push(isSpike);
    confirmed.push(isConfirmed);
  }
  return runsOf(spike).map(([start, end]) => {
    let peak = { rule: rules[0] as DetectorAlertRule, at: first + start, shortBurn: 0, longBurn: 0, bad: 0, total: 0 };
    for (let offset = start; offset <= end; offset += 1) {
      for (const rule of rules) {
        const burn = ruleBurn(sums, first + offset, rule, slo.target);
        if (burn.shortBurn / rule.burnRate > peak.shortBurn / peak.rule.burnRate) {
          peak = { rule, at: first + offset, shortBurn: burn.shortBurn, longBurn: burn.longBurn, bad: burn.short.bad, total: burn.short.total };
        }
      }
    }
    const startedAtMs = sums.minuteStart(first + start);
    const endedAtMs = runEnd(evaluation, first + end);
    return {
      ...sloRun(
        slo,
        'burn_spike',
        startedAtMs,
        endedAtMs,
        `${slo.name}: ${round(peak.shortBurn, 1)}× burn over ${Math.round(peak.rule.shortWindowMs / MINUTE_MS)} min, not confirmed by the ${Math.round(peak.rule.longWindowMs / MINUTE_MS)} min window`,
      ),
      evidence: {
        ...sloRunEvidence(slo, startedAtMs, endedAtMs),
        peak: {
          at: iso(sums.minuteStart(peak.at) + MINUTE_MS),
          rule: ruleJson(peak.rule),
          shortBurnRate: round(peak.shortBurn),
          longBurnRate: round(peak.longBurn),
          shortWindowBad: peak.bad,
          shortWindowTotal: peak.total,
        },
        thresholds: { rules: rules.map(ruleJson), minBadEvents: minBad },
      },
      budgetAtRisk: round(budgetShare(slo, peak.shortBurn * (1 - slo.target), peak.rule.longWindowMs, sums.minuteStart(peak.at) + MINUTE_MS), 6),
      escalated: confirmed.slice(start, end + 1).some(Boolean),
    };
  });
}

/**
 * `slow_burn`: a ticket rule firing (both its windows over the burn rate: 3× over 1 d and
 * 2 h, or 1× over 3 d and 6 h) with no page. Escalated if a page rule fired during it.
 */
export function detectSlowBurns(input: DetectionInput, slo: DetectorSlo): DetectionDraft[] {
  const evaluation = evaluationRange(input, slo);
  const tickets = slo.alertRules.filter((rule) => rule.severity === 'ticket');
  const pages = slo.alertRules.filter((rule) => rule.severity === 'page');
  if (!evaluation || tickets.length === 0) return [];
  const { sums, first, last } = evaluation;
  const firing = (index: number, rule: DetectorAlertRule) => {
    const burn = ruleBurn(sums, index, rule, slo.target);
    return burn.shortBurn >= rule.burnRate && burn.longBurn >= rule.burnRate;
  };
  const ticket: boolean[] = [];
  const paged: boolean[] = [];
  for (let index = first; index <= last; index += 1) {
    ticket.push(tickets.some((rule) => firing(index, rule)));
    paged.push(pages.some((rule) => firing(index, rule)));
  }
  return runsOf(ticket).map(([start, end]) => {
    let peak = { rule: tickets[0] as DetectorAlertRule, longBurn: 0, shortBurn: 0, at: first + start };
    for (let offset = start; offset <= end; offset += 1) {
      for (const rule of tickets) {
        const burn = ruleBurn(sums, first + offset, rule, slo.target);
        if (firing(first + offset, rule) && burn.longBurn * rule.longWindowMs > peak.longBurn * peak.rule.longWindowMs) {
          peak = { rule, longBurn: burn.longBurn, shortBurn: burn.shortBurn, at: first + offset };
        }
      }
    }
    const startedAtMs = sums.minuteStart(first + start);
    const endedAtMs = runEnd(evaluation, first + end);
    return {
      ...sloRun(
        slo,
        'slow_burn',
        startedAtMs,
        endedAtMs,
        `${slo.name}: ticket-level burn (${round(peak.longBurn, 2)}× over ${Math.round(peak.rule.longWindowMs / 3_600_000)} h) with no page`,
      ),
      evidence: {
        ...sloRunEvidence(slo, startedAtMs, endedAtMs),
        peak: {
          at: iso(sums.minuteStart(peak.at) + MINUTE_MS),
          rule: ruleJson(peak.rule),
          longBurnRate: round(peak.longBurn),
          shortBurnRate: round(peak.shortBurn),
        },
        thresholds: { rules: tickets.map(ruleJson) },
      },
      budgetAtRisk: round(budgetShare(slo, peak.longBurn * (1 - slo.target), peak.rule.longWindowMs, sums.minuteStart(peak.at) + MINUTE_MS), 6),
      escalated: paged.slice(start, end + 1).some(Boolean),
    };
  });
}

/**
 * `costly_event`: one contiguous bad stretch (minutes with bad events, through minutes with
 * no events, until a minute with only good ones) whose bad events exceed `budgetShare` of the
 * SLO's budget. The budget in events is (1 − target) × the series' average events per minute
 * × the window's minutes. Whether it became an incident is decided by the caller (linking).
 */
export function detectCostlyEvents(input: DetectionInput, slo: DetectorSlo): DetectionDraft[] {
  const evaluation = evaluationRange(input, slo);
  if (!evaluation) return [];
  const { sums, first, last } = evaluation;
  const all = sums.window(sums.length - 1, sums.length);
  let firstData = 0;
  while (firstData < sums.length && sums.minute(firstData).total === 0) firstData += 1;
  const minutesWithHistory = Math.max(1, sums.length - firstData);
  const budgetEvents = (1 - slo.target) * (all.total / minutesWithHistory) * minutesOf(slo.windowMs);
  if (budgetEvents <= 0) return [];
  const detections: DetectionDraft[] = [];
  let stretch: { start: number; end: number; bad: number; total: number } | null = null;
  const finish = (endedAtMs: number | null) => {
    if (!stretch) return;
    const cost = stretch.bad / budgetEvents;
    if (cost > input.config.costlyEvent.budgetShare) {
      const startedAtMs = sums.minuteStart(stretch.start);
      detections.push({
        ...sloRun(slo, 'costly_event', startedAtMs, endedAtMs, `${slo.name}: one bad stretch cost ${round(cost * 100, 1)} % of the error budget`),
        evidence: {
          ...sloRunEvidence(slo, startedAtMs, endedAtMs),
          badEvents: stretch.bad,
          events: stretch.total,
          budgetEvents: round(budgetEvents, 2),
          budgetConsumed: round(cost, 6),
          thresholds: { budgetShare: input.config.costlyEvent.budgetShare },
        },
        budgetAtRisk: round(Math.min(1, cost), 6),
        escalated: false,
      });
    }
    stretch = null;
  };
  for (let index = first; index <= last; index += 1) {
    const minute = sums.minute(index);
    if (minute.bad > 0) {
      stretch ??= { start: index, end: index, bad: 0, total: 0 };
      stretch.end = index;
      stretch.bad += minute.bad;
      stretch.total += minute.total;
    } else if (minute.total > 0) {
      if (stretch) stretch.total += minute.total;
      finish(sums.minuteStart(index));
    }
  }
  finish(null);
  return detections;
}

/**
 * `latency_headroom`: every 5 minutes, the p95 of the SLO's monitors' successful latencies
 * over `latencyHeadroom.window` (exact, from raw results: the rollup histogram's buckets are
 * too coarse to tell 80 % of a threshold from 100 %) is at or above `ratio` × the threshold
 * while the SLO is met over the same window. Escalated when the SLO is then missed.
 */
export function detectLatencyHeadroom(input: DetectionInput, slo: DetectorSlo): DetectionDraft[] {
  const threshold = slo.latencyThresholdMs;
  if (slo.sliKind !== 'latency' || threshold === null) return [];
  const { ratio, window, minSamples } = input.config.latencyHeadroom;
  const stepMs = 5 * MINUTE_MS;
  const series = input.sloMinutes.get(slo.id);
  const sums = series ? new WindowSums(series) : null;
  const latencies = input.samples.filter((sample) => sample.ok && slo.monitors.includes(sample.monitorId));
  const firstStep = Math.ceil((input.fromMs - SLO_EVAL_LOOKBACK_MS) / stepMs) * stepMs;
  interface Step {
    at: number;
    flagged: boolean;
    missed: boolean;
    p95: number | null;
    samples: number;
    attainment: number | null;
    nearShare: number;
  }
  const steps: Step[] = [];
  let lo = 0;
  let hi = 0;
  for (let at = firstStep; at <= input.toMs; at += stepMs) {
    while (hi < latencies.length && (latencies[hi]?.atMs ?? 0) <= at) hi += 1;
    while (lo < hi && (latencies[lo]?.atMs ?? 0) <= at - window) lo += 1;
    const values = latencies.slice(lo, hi).map((sample) => sample.latencyMs);
    const p95 = percentile(values, 95);
    const slice = sums ? sums.window(sums.indexOf(at - 1), minutesOf(window)) : { good: 0, total: 0, bad: 0 };
    const attainment = slice.total > 0 ? slice.good / slice.total : null;
    const met = attainment === null || attainment >= slo.target;
    const enough = values.length >= minSamples;
    const nearShare = values.length > 0 ? values.filter((value) => value >= ratio * threshold && value <= threshold).length / values.length : 0;
    steps.push({
      at,
      flagged: enough && p95 !== null && p95 >= ratio * threshold && met,
      missed: enough && !met,
      p95,
      samples: values.length,
      attainment,
      nearShare,
    });
  }
  return runsOf(steps.map((step) => step.flagged)).map(([start, end]) => {
    const run = steps.slice(start, end + 1);
    const peak = run.reduce((best, step) => ((step.p95 ?? 0) > (best.p95 ?? 0) ? step : best));
    const startedAtMs = (run[0]?.at ?? 0) - window;
    const next = steps[end + 1];
    const endedAtMs = next ? next.at : null;
    return {
      ...sloRun(
        slo,
        'latency_headroom',
        startedAtMs,
        endedAtMs,
        `${slo.name}: p95 ${Math.round(peak.p95 ?? 0)} ms is ${Math.round(((peak.p95 ?? 0) / threshold) * 100)} % of the ${threshold} ms threshold`,
        run[0]?.at ?? 0,
      ),
      evidence: {
        ...sloRunEvidence(slo, startedAtMs, endedAtMs),
        peak: {
          at: iso(peak.at),
          p95Ms: peak.p95,
          samples: peak.samples,
          attainment: peak.attainment === null ? null : round(peak.attainment, 6),
          shareWithin20PercentOfThreshold: round(peak.nearShare, 4),
        },
        thresholds: { latencyThresholdMs: threshold, ratio, windowMs: window, minSamples },
      },
      budgetAtRisk: round(budgetShare(slo, peak.nearShare, input.config.riskHorizon, peak.at), 6),
      escalated: next?.missed ?? false,
    };
  });
}

/** `no_data` for SLOs fed by pushed events: no events for longer than `noData.sloAfter`. */
export function detectSloNoData(input: DetectionInput, slo: DetectorSlo): DetectionDraft[] {
  if (slo.sliKind !== 'events' && slo.sliKind !== 'prometheus') return [];
  const evaluation = evaluationRange(input, slo);
  if (!evaluation) return [];
  const { sums, first, last } = evaluation;
  const allowed = minutesOf(input.config.noData.sloAfter);
  let seenData = false;
  for (let index = 0; index < first; index += 1) if (sums.minute(index).total > 0) seenData = true;
  const empty: boolean[] = [];
  for (let index = first; index <= last; index += 1) {
    const hasData = sums.minute(index).total > 0;
    empty.push(seenData && !hasData);
    if (hasData) seenData = true;
  }
  return runsOf(empty)
    .filter(([start, end]) => end - start + 1 > allowed)
    .map(([start, end]) => {
      const silentFrom = sums.minuteStart(first + start);
      const endedAtMs = runEnd(evaluation, first + end);
      return {
        signal: 'no_data' as const,
        dedupeKey: `no_data:slo:${slo.id}:${silentFrom}`,
        title: `${slo.name}: no events for more than ${allowed} min`,
        startedAtMs: silentFrom + allowed * MINUTE_MS,
        endedAtMs,
        monitorId: null,
        sloId: slo.id,
        componentId: slo.componentId,
        region: null,
        evidence: {
          sloId: slo.id,
          silentFrom: iso(silentFrom),
          resumedAt: endedAtMs === null ? null : iso(endedAtMs),
          thresholds: { allowedMs: input.config.noData.sloAfter },
        },
        budgetAtRisk: null,
        escalated: false,
      };
    });
}
