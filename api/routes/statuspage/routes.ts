import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { AppDeps } from '../../deps.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { buildV2, type V2Document } from './build.ts';

const DOCUMENTS: readonly V2Document[] = [
  'summary',
  'status',
  'components',
  'incidents',
  'incidents/unresolved',
  'scheduled-maintenances',
  'scheduled-maintenances/upcoming',
  'scheduled-maintenances/active',
];

/** How long a built document is served from memory when nothing announced a change (staleness moves with time). */
const CACHE_TTL_MS = 15_000;

/**
 * Statuspage-compatible public reads (`/api/v2/*.json`), no token needed. Bodies are cached in
 * memory and dropped on `public.changed`, so a write is visible on the next read; a short TTL
 * covers what changes with time alone (data going stale). ETags let pollers get 304s.
 */
export function statuspageRoutes(deps: AppDeps) {
  const cache = new Map<V2Document, { body: string; etag: string; builtAt: number }>();
  deps.events.on('public.changed', () => cache.clear());

  const app = new Hono<AppEnv>();
  for (const document of DOCUMENTS) {
    app.get(
      `/api/v2/${document}.json`,
      describeRoute({ tags: ['Statuspage v2 (public)'], summary: `Statuspage-compatible ${document}.json`, hide: true }),
      async (c) => {
        const now = deps.clock.now().getTime();
        let entry = cache.get(document);
        if (!entry || now - entry.builtAt > CACHE_TTL_MS || now < entry.builtAt) {
          const body = JSON.stringify(await buildV2(deps, document));
          entry = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, builtAt: now };
          cache.set(document, entry);
        }
        c.header('Cache-Control', 'public, max-age=10');
        c.header('ETag', entry.etag);
        c.header('Access-Control-Allow-Origin', '*');
        if (c.req.header('if-none-match') === entry.etag) return c.body(null, 304);
        return c.body(entry.body, 200, { 'Content-Type': 'application/json; charset=utf-8' });
      },
    );
  }
  return app;
}
