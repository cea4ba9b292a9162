import { z } from 'zod';

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Objects are not strict: Alertmanager may add fields in later releases and that must not
 * break delivery. Times are Go RFC 3339 with up to nanoseconds; `0001-01-01T00:00:00Z` means unknown.
 */
const goTime = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 time' });
const labelSet = z.record(z.string().max(256), z.string().max(8192));
const alertStatus = z.enum(['firing', 'resolved'], { error: 'expected firing or resolved' });

export const MAX_ALERTS_PER_DELIVERY = 1000;

export const webhookAlertSchema = z.object({
  status: alertStatus,
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: goTime,
  endsAt: goTime.optional(),
  generatorURL: z.string().max(4096).optional(),
  fingerprint: z.string().min(1).max(128),
});

export const webhookPayloadSchema = z.object({
  version: z.literal('4', { error: 'expected webhook payload version "4"' }),
  groupKey: z.string().min(1).max(8192),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: alertStatus,
  receiver: z.string().max(512),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().max(4096).optional(),
  alerts: z
    .array(webhookAlertSchema)
    .min(1, 'expected at least one alert')
    .max(MAX_ALERTS_PER_DELIVERY, `expected at most ${MAX_ALERTS_PER_DELIVERY} alerts (set max_alerts in the receiver)`),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

const alertResultSchema = z.object({
  fingerprint: z.string(),
  alertname: z.string().nullable(),
  status: alertStatus,
  outcome: z.string(),
  incidentId: z.string().optional(),
  nearMissId: z.string().optional(),
});

export const webhookResponseSchema = z.object({
  alerts: z.number().int(),
  duplicates: z.number().int(),
  incidentsOpened: z.number().int(),
  incidentsJoined: z.number().int(),
  incidentUpdates: z.number().int(),
  nearMisses: z.number().int(),
  unmapped: z.number().int(),
  truncatedAlerts: z.number().int(),
  results: z.array(alertResultSchema),
});

export const unmappedQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const unmappedResponseSchema = z.object({
  /** Distinct unmapped alert episodes ever received. */
  total: z.number().int(),
  byAlertname: z.array(z.object({ alertname: z.string().nullable(), episodes: z.number().int(), deliveries: z.number().int() })),
  alerts: z.array(
    z.object({
      fingerprint: z.string(),
      alertname: z.string().nullable(),
      status: alertStatus,
      labels: z.record(z.string(), z.string()),
      annotations: z.record(z.string(), z.string()),
      startsAt: z.string(),
      endsAt: z.string().nullable(),
      deliveries: z.number().int(),
      firstSeenAt: z.string(),
      lastSeenAt: z.string(),
    }),
  ),
});
