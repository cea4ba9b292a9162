import { z } from 'zod';
import { NEAR_MISS_SIGNALS, NEAR_MISS_SOURCES, NEAR_MISS_STATUSES } from '../../../db/schema/near-misses.ts';
import { isoTime } from '../changes/schemas.ts';

export const RECURRENCE_LIKELIHOODS = ['rare', 'unlikely', 'possible', 'likely', 'almost_certain'] as const;
export const STOPPED_BY = ['automation', 'human', 'luck'] as const;

const ids = z.array(z.string().min(1).max(100)).max(50);

/** A near miss reported by hand (API or `headroom nearmiss report`). */
export const reportNearMissSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(200),
    /** What happened, in Markdown. */
    whatHappened: z.string().trim().min(1).max(20_000),
    /** When it was discovered; now when omitted. */
    discoveredAt: isoTime.optional(),
    /** How it was discovered (an alert, a dashboard, a customer, by chance...). */
    discoveredHow: z.string().trim().min(1).max(2000),
    /** Who found it; leave out and set `anonymous: true` to report without a name. */
    reporter: z.string().trim().min(1).max(200).optional(),
    anonymous: z.boolean().default(false),
    /** When the condition began and ended, if known; `startedAt` defaults to `discoveredAt`. */
    startedAt: isoTime.optional(),
    endedAt: isoTime.optional(),
    stoppedBy: z.enum(STOPPED_BY, { error: 'expected automation, human or luck' }),
    worstOutcome: z.string().trim().min(1).max(5000),
    contributingFactors: z.array(z.string().trim().min(1).max(1000)).max(50).default([]),
    recurrenceLikelihood: z.enum(RECURRENCE_LIKELIHOODS),
    componentId: z.string().min(1).max(100).optional(),
    monitorId: z.string().min(1).max(100).optional(),
    sloId: z.string().min(1).max(100).optional(),
    /** Share (0–1) of an SLO's budget the reporter estimates was at risk. */
    budgetAtRisk: z.number().min(0).max(1).optional(),
    links: z.strictObject({ changes: ids.optional(), alerts: ids.optional(), incidents: ids.optional() }).default({}),
  })
  .superRefine((value, ctx) => {
    if (value.anonymous && value.reporter !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['reporter'], message: 'leave out the reporter of an anonymous report' });
    }
    if (!value.anonymous && value.reporter === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reporter'], message: 'name the reporter, or set anonymous: true' });
    }
    if (value.startedAt && value.endedAt && Date.parse(value.endedAt) < Date.parse(value.startedAt)) {
      ctx.addIssue({ code: 'custom', path: ['endedAt'], message: 'must not be before startedAt' });
    }
  });

export const triageSchema = z
  .strictObject({
    status: z.enum(NEAR_MISS_STATUSES).optional(),
    summary: z.string().max(20_000).optional(),
    contributingFactors: z.array(z.string().trim().min(1).max(1000)).max(50).optional(),
    recurrenceLikelihood: z.enum(RECURRENCE_LIKELIHOODS).optional(),
    incidentId: z.string().min(1).max(100).nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'change at least one field');

const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)));

export const listNearMissesQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  /** One signal or several, comma-separated; `reported` for hand-reported ones. */
  signal: csv([...NEAR_MISS_SIGNALS, 'reported'] as const).optional(),
  status: csv(NEAR_MISS_STATUSES).optional(),
  source: z.enum(NEAR_MISS_SOURCES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const scanSchema = z
  .strictObject({ from: isoTime, to: isoTime })
  .refine((value) => Date.parse(value.to) > Date.parse(value.from), { path: ['to'], message: 'must be after from' });

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
