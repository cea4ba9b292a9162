import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createdAt, json, timestamp } from './columns.ts';

export const TOKEN_SCOPES = ['read', 'ingest', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** API tokens, stored only as SHA-256 hashes; `prefix` lets people tell them apart. */
export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  prefix: text('prefix').notNull(),
  hash: text('hash').notNull().unique(),
  scopes: json<TokenScope[]>('scopes').notNull(),
  createdBy: text('created_by'),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at'),
  revokedAt: timestamp('revoked_at'),
});

/** Every write: who, what, when. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: timestamp('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id'),
    details: json<Record<string, unknown>>('details'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.targetType, t.targetId)],
);

/** Small key/value facts about this installation (e.g. when demo history was backfilled). */
export const appMeta = sqliteTable('app_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
});
