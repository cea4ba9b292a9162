import { z } from 'zod';

const text = (max: number) => z.string().max(max);

export const createPostmortemSchema = z.strictObject({
  incidentId: z.string().min(1).max(100),
  visibility: z.enum(['public', 'internal']).default('internal'),
  summary: text(20_000).optional(),
  rootCause: text(20_000).optional(),
  contributingFactors: z.array(z.string().trim().min(1).max(1000)).max(50).optional(),
  whereWeGotLucky: text(20_000).optional(),
  lessons: text(20_000).optional(),
  author: z.string().trim().min(1).max(200).optional(),
});

export const updatePostmortemSchema = z
  .strictObject({
    status: z.enum(['draft', 'published']).optional(),
    visibility: z.enum(['public', 'internal']).optional(),
    summary: text(20_000).optional(),
    rootCause: text(20_000).optional(),
    contributingFactors: z.array(z.string().trim().min(1).max(1000)).max(50).optional(),
    whereWeGotLucky: text(20_000).optional(),
    lessons: text(20_000).optional(),
    author: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .refine((value) => Object.keys(value).length > 0, 'change at least one field');

export const listPostmortemsQuery = z.strictObject({
  incidentId: z.string().min(1).max(100).optional(),
  status: z.enum(['draft', 'published']).optional(),
});

export const requiredQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
