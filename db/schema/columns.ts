import { integer, text } from 'drizzle-orm/sqlite-core';

/** Shared column builders so every table stores time the same way: epoch milliseconds, UTC. */
export const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });
export const flag = (name: string) => integer(name, { mode: 'boolean' });
/** JSON stored as text; the type parameter documents (and types) what the column holds. */
export const json = <T>(name: string) => text(name, { mode: 'json' }).$type<T>();

export const createdAt = () => timestamp('created_at').notNull();
export const updatedAt = () => timestamp('updated_at').notNull();
/** Config-declared entities are archived, never deleted, so their history stays. */
export const archivedAt = () => timestamp('archived_at');
