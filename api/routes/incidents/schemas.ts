import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../../db/schema/components.ts';
import { INCIDENT_IMPACTS, INCIDENT_STATUSES } from '../../../db/schema/incidents.ts';

export const isoTime = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time, e.g. 2026-11-21T10:00:00Z' });
const componentKey = z.string().min(1).max(64);
const person = z.string().trim().min(1).max(100);
const markdownBody = z.string().trim().min(1, 'write something for readers').max(20_000);

export const incidentComponentSchema = z.strictObject({
  id: componentKey,
  status: z.enum(COMPONENT_STATUSES),
});

export const createIncidentSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    impact: z.enum(INCIDENT_IMPACTS).optional(),
    status: z.enum(INCIDENT_STATUSES).optional(),
    body: markdownBody.optional(),
    components: z.array(incidentComponentSchema).max(200).optional(),
    drill: z.boolean().optional(),
    /** Backdating is allowed; a future start is refused. */
    startedAt: isoTime.optional(),
    commander: person.optional(),
    communicationsLead: person.optional(),
    /** A template fills name, body, impact and components that are not given. */
    template: z.string().min(1).max(100).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.template) return;
    for (const field of ['name', 'impact', 'body'] as const) {
      if (input[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'required unless a template is given' });
    }
  });

export const addUpdateSchema = z.strictObject({
  status: z.enum(INCIDENT_STATUSES).optional(),
  body: markdownBody,
  impact: z.enum(INCIDENT_IMPACTS).optional(),
  components: z.array(incidentComponentSchema).max(200).optional(),
  displayAt: isoTime.optional(),
});

export const resolveSchema = z.strictObject({
  body: markdownBody.optional(),
  displayAt: isoTime.optional(),
});

export const editUpdateSchema = z
  .strictObject({ body: markdownBody.optional(), displayAt: isoTime.optional() })
  .refine((input) => input.body !== undefined || input.displayAt !== undefined, { message: 'give body or displayAt' });

export const patchIncidentSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    commander: person.nullable().optional(),
    communicationsLead: person.nullable().optional(),
  })
  .refine((input) => Object.keys(input).length > 0, { message: 'give at least one field' });

export const listIncidentsQuery = z.strictObject({
  state: z.enum(['open', 'resolved', 'all']).default('all'),
  drills: z.enum(['include', 'exclude', 'only']).default('include'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const idParam = z.strictObject({ id: z.string().min(1).max(100) });
export const updateParam = z.strictObject({ id: z.string().min(1).max(100), updateId: z.string().min(1).max(100) });

export const templateSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a key of lowercase letters, digits, ".", "_" or "-"'),
  name: z.string().trim().min(1).max(100),
  title: z.string().trim().min(1).max(200),
  body: markdownBody,
  impact: z.enum(INCIDENT_IMPACTS),
  componentStatus: z.enum(COMPONENT_STATUSES).optional(),
  componentIds: z.array(componentKey).max(200).optional(),
});

const updateOut = z.object({
  id: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  body: z.string(),
  bodyHtml: z.string(),
  displayAt: z.string(),
  author: z.string().nullable(),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  affectedComponents: z.array(z.object({ componentId: z.string(), oldStatus: z.string().nullable(), newStatus: z.string() })),
});

export const incidentOut = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(INCIDENT_STATUSES),
  impact: z.enum(INCIDENT_IMPACTS),
  source: z.string(),
  drill: z.boolean(),
  startedAt: z.string(),
  identifiedAt: z.string().nullable(),
  monitoringAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  commander: z.string().nullable(),
  communicationsLead: z.string().nullable(),
  templateId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  components: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), runbookUrl: z.string().nullable() })),
  updates: z.array(updateOut),
});
