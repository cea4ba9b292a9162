import { z } from 'zod';
import { parseDuration } from '../lib/duration.ts';

/**
 * The `nearMisses:` section of headroom.config.yaml: thresholds of the near-miss detector.
 * Every field has a default, so the section can be left out. Durations come out as ms.
 */
const duration = (fallback: string) =>
  z
    .string({ error: 'expected a duration like 30m' })
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 30m, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

const share = (fallback: number) => z.number().gt(0).lt(1).default(fallback);
const count = (fallback: number) => z.number().int().min(1).max(10_000).default(fallback);

export const nearMissConfigSchema = z.strictObject({
  /** How long a signal would have had to continue to spend the budget "at risk" (monitor signals). */
  riskHorizon: duration('1h'),
  /** "Changes in the window before" an incident or near miss. */
  changeWindow: duration('24h'),
  failureStreak: z
    .strictObject({
      /** Consecutive failures (below the monitor's down threshold) that make a streak worth recording. */
      minStreak: count(2),
      /** Failure runs closer together than this form one flapping episode. */
      flapWindow: duration('15m'),
      /** Separate failure runs within one episode that count as flapping. */
      flapRuns: count(3),
    })
    .prefault({}),
  burnSpike: z
    .strictObject({
      /** Bad events the short window must hold, so one failed probe is never a spike. */
      minBadEvents: count(3),
    })
    .prefault({}),
  costlyEvent: z.strictObject({ budgetShare: share(0.05) }).prefault({}),
  latencyHeadroom: z
    .strictObject({
      /** p95 at or above this share of the SLO's threshold is a near miss. */
      ratio: share(0.8),
      window: duration('1h'),
      minSamples: count(20),
    })
    .prefault({}),
  tlsExpiry: z.strictObject({ within: duration('30d') }).prefault({}),
  deployRegression: z
    .strictObject({
      /** Samples compared: this long before the change against this long after it. */
      window: duration('30m'),
      minSamples: count(20),
      /** One-sided significance level of the Mann–Whitney U and two-proportion z tests. */
      alpha: z.number().gt(0).lt(0.5).default(0.01),
      /** Smallest relative rise of the median latency worth flagging (0.2 = 20 %). */
      minLatencyIncrease: z.number().min(0).default(0.2),
      /** Smallest absolute rise of the error ratio worth flagging (0.01 = 1 point). */
      minErrorIncrease: z.number().min(0).lt(1).default(0.01),
    })
    .prefault({}),
  noData: z
    .strictObject({
      /** A monitor is silent when no result came for this many intervals. */
      intervals: z.number().min(1).max(1000).default(3),
      /** An events SLO is silent after this long without events. */
      sloAfter: duration('1h'),
    })
    .prefault({}),
});

export type NearMissConfig = z.infer<typeof nearMissConfigSchema>;

/** The defaults, for callers (tests, benches) that build a detector without a config file. */
export const defaultNearMissConfig: NearMissConfig = nearMissConfigSchema.parse({});
