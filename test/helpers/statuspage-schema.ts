import { z } from 'zod';

/**
 * Statuspage's public v2 format (as documented at <page>.statuspage.io/api/v2 and served by
 * real pages), written strictly: unknown or missing fields fail, enumerations are closed.
 */
const isoTime = z.iso.datetime({ offset: true });
const componentStatus = z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']);

export const pageSchema = z.strictObject({
  id: z.string().min(1),
  name: z.string(),
  url: z.url(),
  time_zone: z.string(),
  updated_at: isoTime,
});

export const statusSchema = z.strictObject({
  indicator: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  description: z.string().min(1),
});

const componentBase = {
  id: z.string().min(1),
  name: z.string(),
  status: componentStatus,
  created_at: isoTime,
  updated_at: isoTime,
  position: z.number().int(),
  description: z.string().nullable(),
  showcase: z.boolean(),
  start_date: z.string().nullable(),
  group_id: z.string().nullable(),
  page_id: z.string(),
  only_show_if_degraded: z.boolean(),
};
export const componentSchema = z.union([
  z.strictObject({ ...componentBase, group: z.literal(false) }),
  z.strictObject({ ...componentBase, group: z.literal(true), components: z.array(z.string()) }),
]);

const affectedComponent = z.strictObject({
  code: z.string(),
  name: z.string(),
  old_status: componentStatus,
  new_status: componentStatus,
});

const updateBase = {
  id: z.string(),
  body: z.string(),
  incident_id: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  display_at: isoTime,
  affected_components: z.array(affectedComponent).nullable(),
  deliver_notifications: z.boolean(),
  custom_tweet: z.string().nullable(),
  tweet_id: z.string().nullable(),
};

const incidentBase = {
  id: z.string(),
  name: z.string(),
  created_at: isoTime,
  updated_at: isoTime,
  monitoring_at: isoTime.nullable(),
  resolved_at: isoTime.nullable(),
  shortlink: z.url(),
  started_at: isoTime,
  page_id: z.string(),
  components: z.array(componentSchema),
};

const incidentStatus = z.enum(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']);
/** Statuspage's postmortem fields on an incident (null / false until one is published). */
const postmortemFields = {
  postmortem_body: z.string().min(1).nullable(),
  postmortem_body_last_updated_at: isoTime.nullable(),
  postmortem_ignored: z.boolean(),
  postmortem_notified_subscribers: z.boolean(),
  postmortem_notified_twitter: z.boolean(),
  postmortem_published_at: isoTime.nullable(),
};
export const incidentSchema = z.strictObject({
  ...incidentBase,
  ...postmortemFields,
  status: incidentStatus,
  impact: z.enum(['none', 'minor', 'major', 'critical']),
  incident_updates: z.array(z.strictObject({ ...updateBase, status: incidentStatus })),
});

const maintenanceStatus = z.enum(['scheduled', 'in_progress', 'verifying', 'completed']);
export const maintenanceSchema = z.strictObject({
  ...incidentBase,
  status: maintenanceStatus,
  impact: z.enum(['none', 'maintenance', 'minor', 'major', 'critical']),
  incident_updates: z.array(z.strictObject({ ...updateBase, status: maintenanceStatus })),
  scheduled_for: isoTime,
  scheduled_until: isoTime,
});

export const v2Schemas = {
  summary: z.strictObject({
    page: pageSchema,
    components: z.array(componentSchema),
    incidents: z.array(incidentSchema),
    scheduled_maintenances: z.array(maintenanceSchema),
    status: statusSchema,
  }),
  status: z.strictObject({ page: pageSchema, status: statusSchema }),
  components: z.strictObject({ page: pageSchema, components: z.array(componentSchema) }),
  incidents: z.strictObject({ page: pageSchema, incidents: z.array(incidentSchema) }),
  'incidents/unresolved': z.strictObject({ page: pageSchema, incidents: z.array(incidentSchema) }),
  'scheduled-maintenances': z.strictObject({ page: pageSchema, scheduled_maintenances: z.array(maintenanceSchema) }),
  'scheduled-maintenances/upcoming': z.strictObject({ page: pageSchema, scheduled_maintenances: z.array(maintenanceSchema) }),
  'scheduled-maintenances/active': z.strictObject({ page: pageSchema, scheduled_maintenances: z.array(maintenanceSchema) }),
} as const;
