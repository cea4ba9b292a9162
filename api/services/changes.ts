import { and, asc, desc, eq, gte, lt, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { changes } from '../../db/schema/index.ts';

export type ChangeRow = typeof changes.$inferSelect;

export const changeJson = (row: ChangeRow) => ({
  id: row.id,
  service: row.service,
  kind: row.kind,
  version: row.version,
  at: row.at.toISOString(),
  author: row.author,
  link: row.link,
  description: row.description,
  createdAt: row.createdAt.toISOString(),
});
export type ChangeJson = ReturnType<typeof changeJson>;

/**
 * The changes recorded in the window before an event (and up to its end), newest first: the
 * first suspects when something went wrong, shown on incidents, near misses and postmortems.
 */
export async function changesBefore(orm: Db, at: Date, windowMs: number, until: Date = at): Promise<ChangeJson[]> {
  const rows = await orm
    .select()
    .from(changes)
    .where(and(gte(changes.at, new Date(at.getTime() - windowMs)), lte(changes.at, until)))
    .orderBy(desc(changes.at));
  return rows.map(changeJson);
}

export async function listChanges(orm: Db, filter: { from?: Date | undefined; to?: Date | undefined; service?: string | undefined }): Promise<ChangeJson[]> {
  const conditions = [
    ...(filter.from ? [gte(changes.at, filter.from)] : []),
    ...(filter.to ? [lt(changes.at, filter.to)] : []),
    ...(filter.service ? [eq(changes.service, filter.service)] : []),
  ];
  const rows = await orm
    .select()
    .from(changes)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(asc(changes.at))
    .limit(1000);
  return rows.map(changeJson);
}
