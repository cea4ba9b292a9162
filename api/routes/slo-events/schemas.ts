import { z } from 'zod';
import { isoTime } from '../slos/schemas.ts';

export const sloEventSchema = z
  .strictObject({
    id: z.string().min(1).max(128).describe('Client-made idempotency key (a UUID is a good choice)'),
    slo: z.string().min(1).max(64),
    at: isoTime,
    good: z.number().int().min(0),
    total: z.number().int().min(1).max(1_000_000_000),
  })
  .refine((event) => event.good <= event.total, { path: ['good'], message: 'must not be more than total' });

export const MAX_EVENTS_PER_BATCH = 5000;

/** One event, or `{ events: [...] }`. */
export const sloEventsBodySchema = z.union([
  z.strictObject({ events: z.array(sloEventSchema).min(1).max(MAX_EVENTS_PER_BATCH) }),
  sloEventSchema,
]);
