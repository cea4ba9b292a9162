import { z } from 'zod';
import { refineSloEntry, sloSchema } from '../../config/schema.ts';
import { parseDuration } from '../../lib/duration.ts';

export const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time, e.g. 2026-11-21T10:00:00Z' });

export const atQuerySchema = z.strictObject({ at: isoTime.optional() });
export const idParamSchema = z.strictObject({ id: z.string().min(1).max(64) });

const step = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms < 60_000) {
    ctx.addIssue({ code: 'custom', message: 'expected a step of at least 1m, like 1h' });
    return z.NEVER;
  }
  return ms;
});

export const MAX_HISTORY_POINTS = 500;

export const historyQuerySchema = z
  .strictObject({ from: isoTime, to: isoTime, step: step.optional() })
  .superRefine((query, ctx) => {
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    if (to <= from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    const points = (to - from) / (query.step ?? (to - from) / 100);
    if (points > MAX_HISTORY_POINTS) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: `gives ${Math.ceil(points)} points; at most ${MAX_HISTORY_POINTS}` });
    }
  });

export const exportQuerySchema = z.strictObject({ id: z.string().min(1).max(64).optional() });

export const yamlHeaderSchema = z.looseObject({
  'content-type': z
    .string({ error: 'send the OpenSLO YAML with Content-Type: application/yaml' })
    .regex(/^(application\/(x-)?yaml|text\/(x-)?yaml|text\/plain)\b/i, 'send the OpenSLO YAML with Content-Type: application/yaml'),
});

const nullableNumber = z.number().nullable();
export const evaluationSchema = z.object({
  id: z.string(),
  name: z.string(),
  service: z.string(),
  target: z.number(),
  window: z.string(),
  budgetingMethod: z.string(),
  status: z.enum(['healthy', 'at_risk', 'exhausted', 'no_data']),
  sli: z.object({ good: z.number(), total: z.number(), ratio: nullableNumber }),
  errorBudget: z.object({ total: z.number(), bad: z.number(), consumed: nullableNumber, remaining: nullableNumber }),
  burnRates: z.record(z.string(), nullableNumber),
  alerts: z.array(
    z.object({
      name: z.string(),
      severity: z.enum(['page', 'ticket']),
      longWindow: z.string(),
      shortWindow: z.string(),
      burnRate: z.number(),
      longBurnRate: nullableNumber,
      shortBurnRate: nullableNumber,
      firing: z.boolean(),
    }),
  ),
  projection: z
    .object({
      periodStart: z.string(),
      periodEnd: z.string(),
      elapsed: z.number(),
      expectedTotal: nullableNumber,
      budgetTotal: nullableNumber,
      budgetConsumed: nullableNumber,
      budgetRemaining: nullableNumber,
    })
    .nullable()
    .describe('Calendar windows only: elapsed share of the period and the whole period’s expected budget at the traffic so far'),
});

/**
 * `POST /api/v1/slos`: one SLO as JSON, in exactly the shape of a `slos:` entry in
 * headroom.config.yaml (the same zod schema), so a definition moves between the two unchanged.
 */
export const sloCreateSchema = sloSchema;

/** `PUT /api/v1/slos/:id`: the same shape; `key` may be left out (the path names the SLO). */
export const sloReplaceSchema = z.strictObject({ ...sloSchema.shape, key: sloSchema.shape.key.optional() }).superRefine(refineSloEntry);

/** An id an SLO can be created under: a config key (lowercase letters, digits, `.`, `_`, `-`). */
export const sloKeyParamSchema = z.strictObject({ id: sloSchema.shape.key });
