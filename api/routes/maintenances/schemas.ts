import { z } from 'zod';
import { MAINTENANCE_STATUSES } from '../../../db/schema/maintenances.ts';
import { isValidRecurrence } from '../../domain/maintenance.ts';
import { parseDuration } from '../../lib/duration.ts';
import { isoTime } from '../incidents/schemas.ts';

export const scheduleMaintenanceSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  body: z.string().trim().max(20_000).default(''),
  scheduledFor: isoTime,
  scheduledUntil: isoTime,
  components: z.array(z.string().min(1).max(64)).max(200).default([]),
  /** Cron expression in UTC, e.g. `0 2 * * 0` for Sundays 02:00. */
  recurrence: z.string().max(100).refine(isValidRecurrence, 'expected a cron expression like "0 2 * * 0"').optional(),
  /** How long before the start the "coming up" notice goes out: `24h` (default), `0s` for none. */
  notifyBefore: z
    .string()
    .max(20)
    .refine((text) => text.trim() === '0s' || parseDuration(text) !== null, 'expected a duration like 24h')
    .optional(),
  drill: z.boolean().optional(),
});

export const maintenanceUpdateSchema = z.strictObject({
  status: z.enum(MAINTENANCE_STATUSES.filter((status) => status !== 'scheduled') as ['in_progress', 'verifying', 'completed']),
  body: z.string().trim().min(1).max(20_000).optional(),
});

export const listMaintenancesQuery = z.strictObject({
  state: z.enum(['upcoming', 'active', 'completed', 'all']).default('all'),
  drills: z.enum(['include', 'exclude', 'only']).default('include'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const maintenanceOut = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(MAINTENANCE_STATUSES),
  body: z.string(),
  bodyHtml: z.string(),
  scheduledFor: z.string(),
  scheduledUntil: z.string(),
  startedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  recurrence: z.string().nullable(),
  parentId: z.string().nullable(),
  notifyBeforeMs: z.number(),
  drill: z.boolean(),
  components: z.array(z.object({ id: z.string(), name: z.string() })),
  updates: z.array(z.object({ id: z.string(), status: z.enum(MAINTENANCE_STATUSES), body: z.string(), bodyHtml: z.string(), displayAt: z.string() })),
});
