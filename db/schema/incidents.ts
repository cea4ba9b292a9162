import { index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, flag, json, timestamp, updatedAt } from './columns.ts';
import { components, type ComponentStatus } from './components.ts';

export const INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const INCIDENT_IMPACTS = ['none', 'minor', 'major', 'critical'] as const;
export type IncidentImpact = (typeof INCIDENT_IMPACTS)[number];
export const INCIDENT_SOURCES = ['manual', 'monitoring', 'alertmanager'] as const;
export type IncidentSource = (typeof INCIDENT_SOURCES)[number];

export const incidents = sqliteTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    status: text('status').$type<IncidentStatus>().notNull(),
    impact: text('impact').$type<IncidentImpact>().notNull(),
    source: text('source').$type<IncidentSource>().notNull().default('manual'),
    /** A fault-drill rehearsal: internal only, excluded from metrics and customer notices. */
    drill: flag('drill').notNull().default(false),
    startedAt: timestamp('started_at').notNull(),
    identifiedAt: timestamp('identified_at'),
    monitoringAt: timestamp('monitoring_at'),
    resolvedAt: timestamp('resolved_at'),
    commander: text('commander'),
    communicationsLead: text('communications_lead'),
    templateId: text('template_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('incidents_started_idx').on(t.startedAt), index('incidents_status_idx').on(t.status)],
);

export const incidentUpdates = sqliteTable(
  'incident_updates',
  {
    id: text('id').primaryKey(),
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id),
    status: text('status').$type<IncidentStatus>().notNull(),
    /** Markdown, rendered and sanitised on output. */
    body: text('body').notNull(),
    /** The time shown to readers (may be backdated). */
    displayAt: timestamp('display_at').notNull(),
    author: text('author'),
    /** Components whose status this update changed (Statuspage `affected_components`). */
    affectedComponents: json<{ componentId: string; oldStatus: ComponentStatus | null; newStatus: ComponentStatus }[]>(
      'affected_components',
    ),
    createdAt: createdAt(),
    editedAt: timestamp('edited_at'),
  },
  (t) => [index('incident_updates_incident_idx').on(t.incidentId, t.displayAt)],
);

/** Components an incident affects and the status it puts each in. */
export const incidentComponents = sqliteTable(
  'incident_components',
  {
    incidentId: text('incident_id')
      .notNull()
      .references(() => incidents.id),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id),
    status: text('status').$type<ComponentStatus>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.componentId] })],
);

/** Reusable incident templates so the first notice goes out in seconds. */
export const incidentTemplates = sqliteTable('incident_templates', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull(),
  impact: text('impact').$type<IncidentImpact>().notNull(),
  componentStatus: text('component_status').$type<ComponentStatus>(),
  componentIds: json<string[]>('component_ids'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
