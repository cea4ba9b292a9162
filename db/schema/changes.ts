import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, timestamp } from './columns.ts';

/** Deploys and config changes, recorded for correlation with incidents and near misses. */
export const changes = sqliteTable(
  'changes',
  {
    id: text('id').primaryKey(),
    service: text('service').notNull(),
    kind: text('kind').$type<'deploy' | 'config'>().notNull().default('deploy'),
    version: text('version'),
    at: timestamp('at').notNull(),
    author: text('author'),
    link: text('link'),
    description: text('description'),
    createdAt: createdAt(),
  },
  (t) => [index('changes_at_idx').on(t.at), index('changes_service_idx').on(t.service, t.at)],
);
