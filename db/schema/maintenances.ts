import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, flag, timestamp, updatedAt } from './columns.ts';
import { components } from './components.ts';

export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const maintenances = sqliteTable(
  'maintenances',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    status: text('status').$type<MaintenanceStatus>().notNull(),
    /** Markdown description, rendered and sanitised on output. */
    body: text('body').notNull().default(''),
    scheduledFor: timestamp('scheduled_for').notNull(),
    scheduledUntil: timestamp('scheduled_until').notNull(),
    startedAt: timestamp('started_at'),
    completedAt: timestamp('completed_at'),
    /** Optional recurrence (cron expression); each occurrence is materialised as its own row. */
    recurrence: text('recurrence'),
    parentId: text('parent_id'),
    notifyBeforeMs: integer('notify_before_ms').notNull().default(24 * 60 * 60 * 1000),
    notifiedAheadAt: timestamp('notified_ahead_at'),
    drill: flag('drill').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('maintenances_window_idx').on(t.scheduledFor, t.scheduledUntil)],
);

export const maintenanceComponents = sqliteTable(
  'maintenance_components',
  {
    maintenanceId: text('maintenance_id')
      .notNull()
      .references(() => maintenances.id),
    componentId: text('component_id')
      .notNull()
      .references(() => components.id),
  },
  (t) => [primaryKey({ columns: [t.maintenanceId, t.componentId] })],
);

export const maintenanceUpdates = sqliteTable(
  'maintenance_updates',
  {
    id: text('id').primaryKey(),
    maintenanceId: text('maintenance_id')
      .notNull()
      .references(() => maintenances.id),
    status: text('status').$type<MaintenanceStatus>().notNull(),
    body: text('body').notNull(),
    displayAt: timestamp('display_at').notNull(),
    author: text('author'),
    createdAt: createdAt(),
  },
  (t) => [index('maintenance_updates_idx').on(t.maintenanceId, t.displayAt)],
);
