import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { archivedAt, createdAt, flag, timestamp, updatedAt } from './columns.ts';

export const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const componentGroups = sqliteTable('component_groups', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  position: integer('position').notNull().default(0),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  archivedAt: archivedAt(),
});

export const components = sqliteTable(
  'components',
  {
    /** The key from headroom.config.yaml (stable across syncs). */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    description: text('description'),
    groupId: text('group_id').references(() => componentGroups.id),
    position: integer('position').notNull().default(0),
    /** Status derived from monitors (quorum across regions); null until first derived. */
    derivedStatus: text('derived_status').$type<ComponentStatus>(),
    derivedAt: timestamp('derived_at'),
    /** Manual override by an engineer: wins over the derived status until it expires or is cleared. */
    overrideStatus: text('override_status').$type<ComponentStatus>(),
    overrideBy: text('override_by'),
    overrideReason: text('override_reason'),
    overrideExpiresAt: timestamp('override_expires_at'),
    /** Open an incident automatically on a confirmed major outage. */
    autoIncident: flag('auto_incident').notNull().default(false),
    runbookUrl: text('runbook_url'),
    /** Hidden components are monitored but not shown on the public page. */
    public: flag('public').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    archivedAt: archivedAt(),
  },
  (t) => [index('components_group_idx').on(t.groupId)],
);
