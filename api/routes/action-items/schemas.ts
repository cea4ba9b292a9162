import { z } from 'zod';
import { ACTION_ITEM_PRIORITIES, ACTION_ITEM_STATUSES } from '../../../db/schema/postmortems.ts';
import { isoTime } from '../changes/schemas.ts';

export const createActionItemSchema = z
  .strictObject({
    /** Exactly one of the two: the postmortem or the near miss the item follows up. */
    postmortemId: z.string().min(1).max(100).optional(),
    nearMissId: z.string().min(1).max(100).optional(),
    title: z.string().trim().min(1).max(500),
    owner: z.string().trim().min(1).max(200).optional(),
    priority: z.enum(ACTION_ITEM_PRIORITIES, { error: 'expected P0, P1, P2 or P3' }),
    dueAt: isoTime.optional(),
  })
  .refine((value) => (value.postmortemId === undefined) !== (value.nearMissId === undefined), {
    path: ['postmortemId'],
    message: 'give exactly one of postmortemId or nearMissId',
  });

export const updateActionItemSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(500).optional(),
    owner: z.string().trim().min(1).max(200).nullable().optional(),
    priority: z.enum(ACTION_ITEM_PRIORITIES).optional(),
    status: z.enum(ACTION_ITEM_STATUSES).optional(),
    dueAt: isoTime.nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'change at least one field');

export const listActionItemsQuery = z.strictObject({
  status: z.enum(ACTION_ITEM_STATUSES).optional(),
  overdue: z.enum(['true', 'false']).optional(),
  owner: z.string().min(1).max(200).optional(),
  postmortemId: z.string().min(1).max(100).optional(),
  nearMissId: z.string().min(1).max(100).optional(),
});

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
