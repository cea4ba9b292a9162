import { and, desc, eq, gte, lt, or, type SQL } from 'drizzle-orm';
import { incidents } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { ValidationError } from '../../lib/errors.ts';
import { withIncidentDetails } from '../../services/incident-queries.ts';
import { incidentsJson } from '../statuspage/build.ts';
import type { SiteIncidentsQuery } from './schemas.ts';

interface Cursor {
  startedAtMs: number;
  id: string;
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(`${cursor.startedAtMs}.${cursor.id}`, 'utf8').toString('base64url');

function decodeCursor(text: string): Cursor {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const dot = decoded.indexOf('.');
  const startedAtMs = Number(decoded.slice(0, dot));
  const id = decoded.slice(dot + 1);
  if (dot <= 0 || !Number.isSafeInteger(startedAtMs) || id === '') {
    throw new ValidationError('Invalid query: cursor: expected the nextCursor of a previous page', [
      { path: 'cursor', message: 'expected the nextCursor of a previous page' },
    ]);
  }
  return { startedAtMs, id };
}

/**
 * Every non-drill incident, newest first (by start, then id), in Statuspage's incident shape with
 * postmortems, a page at a time. `/api/v2/incidents.json` stops at 50 as Statuspage's does; the
 * site's history needs them all, so it follows `nextCursor` until it is null. Keyset paging, so
 * an incident opened between two pages neither repeats nor shifts the rest.
 */
export async function loadSiteIncidents(deps: AppDeps, query: SiteIncidentsQuery) {
  const conditions: SQL[] = [eq(incidents.drill, false)];
  if (query.from) conditions.push(gte(incidents.startedAt, new Date(query.from)));
  if (query.to) conditions.push(lt(incidents.startedAt, new Date(query.to)));
  if (query.cursor) {
    const cursor = decodeCursor(query.cursor);
    const at = new Date(cursor.startedAtMs);
    const after = or(lt(incidents.startedAt, at), and(eq(incidents.startedAt, at), lt(incidents.id, cursor.id)));
    if (after) conditions.push(after);
  }
  const rows = await deps.db.orm
    .select()
    .from(incidents)
    .where(and(...conditions))
    .orderBy(desc(incidents.startedAt), desc(incidents.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  const views = await withIncidentDetails(deps.db.orm, page);
  return {
    generatedAt: deps.clock.now().toISOString(),
    incidents: await incidentsJson(deps, views),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ startedAtMs: last.startedAt.getTime(), id: last.id }) : null,
  };
}
