import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../../db/schema/components.ts';

export const componentKeyParams = z.object({ key: z.string().min(1).max(64) });

export const overrideBodySchema = z.strictObject({
  status: z.enum(COMPONENT_STATUSES),
  reason: z.string().min(1).max(1000).optional(),
  /** When the override lapses by itself; without it, it stays until cleared. */
  expiresAt: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time, e.g. 2026-11-21T10:00:00Z' }).optional(),
});
export type OverrideBody = z.infer<typeof overrideBodySchema>;
