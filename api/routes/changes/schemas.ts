import { z } from 'zod';

export const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time, e.g. 2026-11-21T10:00:00Z' });

export const createChangeSchema = z.strictObject({
  /** Optional client-made id: sending the same change twice (a retried pipeline step) records it once. */
  id: z.uuid({ error: 'expected a UUID' }).optional(),
  service: z.string().trim().min(1).max(100),
  kind: z.enum(['deploy', 'config']).default('deploy'),
  version: z.string().trim().min(1).max(200).optional(),
  /** When it happened; now when omitted. */
  at: isoTime.optional(),
  author: z.string().trim().min(1).max(200).optional(),
  link: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).max(2000).optional(),
  description: z.string().max(5000).optional(),
});

export const listChangesQuery = z.strictObject({
  from: isoTime.optional(),
  to: isoTime.optional(),
  service: z.string().min(1).max(100).optional(),
});

export const changeSchema = z.object({
  id: z.string(),
  service: z.string(),
  kind: z.enum(['deploy', 'config']),
  version: z.string().nullable(),
  at: z.string(),
  author: z.string().nullable(),
  link: z.string().nullable(),
  description: z.string().nullable(),
  createdAt: z.string(),
});

export const incidentIdParam = z.strictObject({ id: z.string().min(1).max(100) });
export const windowQuery = z.strictObject({ window: z.string().max(20).optional() });
