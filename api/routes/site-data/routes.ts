import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import type { AppDeps } from '../../deps.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { validate } from '../../lib/validate.ts';
import { loadSiteIncidents } from './incidents.ts';
import { loadSiteComponents } from './query.ts';
import { siteComponentsQuerySchema, siteComponentsResponseSchema, siteIncidentsQuerySchema } from './schemas.ts';

const ok = { 200: { description: 'Component data for the status site', content: { 'application/json': { schema: resolver(siteComponentsResponseSchema) } } } };

/**
 * Data the static site needs beyond the Statuspage-compatible API: uptime bars, 7/30/90-day
 * uptime, response-time series and data freshness per component. The public route lists public
 * components only; the internal one (scope `read`) lists hidden ones too.
 */
export function siteDataRoutes(deps: AppDeps) {
  const page = () => ({
    name: deps.config.page.name,
    timeZone: deps.config.page.timeZone,
    staleAfterMs: deps.config.page.staleAfter,
  });
  return new Hono<AppEnv>()
    .get(
      '/api/v1/site/components',
      describeRoute({ tags: ['Site'], summary: 'Public components with status freshness, daily uptime and response times', responses: ok }),
      validate('query', siteComponentsQuerySchema),
      async (c) => {
        const { days } = c.req.valid('query');
        const data = await loadSiteComponents(deps.db, { now: deps.clock.now(), days, includeHidden: false, page: page() });
        return c.json(data);
      },
    )
    .get(
      '/api/v1/site/internal/components',
      describeRoute({ tags: ['Site'], summary: 'All components, hidden ones included (scope read)', responses: ok }),
      requireScope('read'),
      validate('query', siteComponentsQuerySchema),
      async (c) => {
        const { days } = c.req.valid('query');
        const data = await loadSiteComponents(deps.db, { now: deps.clock.now(), days, includeHidden: true, page: page() });
        return c.json(data);
      },
    )
    .get(
      '/api/v1/site/incidents',
      describeRoute({
        tags: ['Site'],
        summary: 'Every public incident (drills excluded), newest first, in Statuspage\'s shape; ?from&to by start time, paged with limit and nextCursor',
      }),
      validate('query', siteIncidentsQuerySchema),
      async (c) => c.json(await loadSiteIncidents(deps, c.req.valid('query'))),
    );
}
