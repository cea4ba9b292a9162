import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time, e.g. 2026-11-21T10:00:00Z' });

export const probeResultSchema = z.strictObject({
  id: z.uuid({ error: 'expected a UUID made by the client (the idempotency key)' }),
  monitor: z.string().min(1).max(64),
  region: z.string().min(1).max(64),
  at: isoTime,
  ok: z.boolean(),
  latencyMs: z.number().finite().min(0, 'must not be negative').max(3_600_000),
  statusCode: z.number().int().min(100).max(599).optional(),
  error: z.string().max(2000).optional(),
  tlsExpiresAt: isoTime.optional(),
});
export type ProbeResultInput = z.infer<typeof probeResultSchema>;

export const MAX_RESULTS_PER_BATCH = 5000;

export const resultsBatchSchema = z.strictObject({
  results: z
    .array(probeResultSchema)
    .min(1, 'send at least one result')
    .max(MAX_RESULTS_PER_BATCH, `send at most ${MAX_RESULTS_PER_BATCH} results per batch`),
});

export const ingestResponseSchema = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
});
