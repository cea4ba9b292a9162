import { z } from 'zod';
import { parseDuration } from '../lib/duration.ts';

/** A duration kept as text (parsed where used) but checked here, so a typo stops start-up. */
const duration = (fallback: string) =>
  z.string().default(fallback).refine((text) => parseDuration(text) !== null, { message: 'expected a duration like 35d' });

const severities = z.array(z.enum(['page', 'ticket'])).min(1).default(['page', 'ticket']);
/** Only these SLOs (by key); all when absent. */
const sloFilter = z.array(z.string().min(1)).min(1).optional();

/**
 * `alerting.channels`: where SLO burn-rate alerts go. Each firing and each resolution becomes
 * one outbox row per matching channel, delivered by the outbox worker.
 */
export const alertChannelSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/ }),
      /** Standard Webhooks signing secret (`whsec_...`). */
      secret: z.string().min(1).optional(),
      severities,
      slos: sloFilter,
    }),
    z.strictObject({ kind: z.literal('slack'), url: z.url({ protocol: /^https?$/ }), severities, slos: sloFilter }),
    z.strictObject({
      kind: z.literal('pagerduty'),
      routingKey: z.string().min(1),
      url: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com/v2/enqueue'),
      severities,
      slos: sloFilter,
    }),
  ],
  { error: 'expected kind to be one of webhook, slack, pagerduty' },
);
export type AlertChannel = z.infer<typeof alertChannelSchema>;

export const alertingConfigSchema = z.strictObject({ channels: z.array(alertChannelSchema).default([]) });
export type AlertingConfig = z.infer<typeof alertingConfigSchema>;

/**
 * `sloEngine`: retention of fine-grained data and how Prometheus SLIs are pulled.
 */
export const sloEngineConfigSchema = z.strictObject({
  /** Raw probe results older than this are deleted (the rollups keep their counts). */
  rawRetention: duration('14d'),
  /** Minute rollups older than this are deleted (hour and day rows hold the same counts). */
  minuteRetention: duration('35d'),
  /** Hour rollups older than this are deleted (day rows hold the same counts). */
  hourRetention: duration('400d'),
  /** How often SLO alerts are evaluated. */
  evaluateEvery: duration('1m'),
  prometheus: z
    .strictObject({
      /** Spacing of the points read with query_range (a divisor of 1m keeps minutes exact). */
      step: duration('1m'),
      /** Stay this far behind now, so late scrapes are in before a point is read. */
      lag: duration('30s'),
      /** How far back the first pull of a new SLI reaches. */
      backfill: duration('1h'),
      timeout: duration('10s'),
    })
    .prefault({}),
});
export type SloEngineConfig = z.infer<typeof sloEngineConfigSchema>;
