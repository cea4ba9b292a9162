import { z } from 'zod';

export const siteComponentsQuerySchema = z.strictObject({
  /** How many UTC days the uptime bars cover (the status page shows 90). */
  days: z.coerce.number().int().min(1).max(366).default(90),
});

const uptimeDaySchema = z.object({
  date: z.string(),
  total: z.number().int(),
  good: z.number().int(),
  uptime: z.number().nullable(),
  incidents: z.number().int(),
  worstImpact: z.enum(['none', 'minor', 'major', 'critical']).nullable(),
});

const latencyPointSchema = z.object({ at: z.string(), avgMs: z.number().nullable(), p95Ms: z.number().nullable() });

export const siteComponentSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  groupId: z.string().nullable(),
  position: z.number().int(),
  public: z.boolean(),
  status: z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']).nullable(),
  dataState: z.enum(['fresh', 'stale', 'no_data']),
  lastDataAt: z.string().nullable(),
  uptime: z.object({ d7: z.number().nullable(), d30: z.number().nullable(), d90: z.number().nullable() }),
  days: z.array(uptimeDaySchema),
  latencyDaily: z.array(latencyPointSchema),
  latencyHourly: z.array(latencyPointSchema),
});

export const siteComponentsResponseSchema = z.object({
  generatedAt: z.string(),
  page: z.object({ name: z.string(), timeZone: z.string(), staleAfterMs: z.number().int() }),
  groups: z.array(z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), position: z.number().int() })),
  components: z.array(siteComponentSchema),
});
export type SiteComponentsResponse = z.infer<typeof siteComponentsResponseSchema>;

/** `<startedAt ms>.<incident id>` in base64url: where the previous page of incidents stopped. */
const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;

export const siteIncidentsQuerySchema = z
  .strictObject({
    /** Incidents that started at or after this time. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Incidents that started before this time. */
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().regex(CURSOR, 'expected the nextCursor of a previous page').optional(),
  })
  .refine((query) => !query.from || !query.to || Date.parse(query.from) < Date.parse(query.to), { message: 'from must be before to', path: ['from'] });
export type SiteIncidentsQuery = z.infer<typeof siteIncidentsQuerySchema>;
