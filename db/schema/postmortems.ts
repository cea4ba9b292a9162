import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp, updatedAt } from './columns.ts';
import { incidents } from './incidents.ts';
import { nearMisses } from './near-misses.ts';

export const postmortems = sqliteTable('postmortems', {
  id: text('id').primaryKey(),
  incidentId: text('incident_id')
    .notNull()
    .unique()
    .references(() => incidents.id),
  status: text('status').$type<'draft' | 'published'>().notNull().default('draft'),
  visibility: text('visibility').$type<'public' | 'internal'>().notNull().default('internal'),
  summary: text('summary').notNull().default(''),
  rootCause: text('root_cause').notNull().default(''),
  contributingFactors: json<string[]>('contributing_factors'),
  whereWeGotLucky: text('where_we_got_lucky').notNull().default(''),
  lessons: text('lessons').notNull().default(''),
  author: text('author'),
  publishedAt: timestamp('published_at'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const ACTION_ITEM_PRIORITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type ActionItemPriority = (typeof ACTION_ITEM_PRIORITIES)[number];
export const ACTION_ITEM_STATUSES = ['open', 'in_progress', 'done', 'wont_do'] as const;
export type ActionItemStatus = (typeof ACTION_ITEM_STATUSES)[number];

/** Follow-ups owned by a postmortem or a near miss (exactly one of the two). */
export const actionItems = sqliteTable(
  'action_items',
  {
    id: text('id').primaryKey(),
    postmortemId: text('postmortem_id').references(() => postmortems.id),
    nearMissId: text('near_miss_id').references(() => nearMisses.id),
    title: text('title').notNull(),
    owner: text('owner'),
    priority: text('priority').$type<ActionItemPriority>().notNull(),
    status: text('status').$type<ActionItemStatus>().notNull().default('open'),
    dueAt: timestamp('due_at'),
    closedAt: timestamp('closed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('action_items_postmortem_idx').on(t.postmortemId), index('action_items_near_miss_idx').on(t.nearMissId)],
);
