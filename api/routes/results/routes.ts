import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { validate } from '../../lib/validate.ts';
import { ingestProbeResults } from '../../services/probe-ingest.ts';
import { ingestResponseSchema, resultsBatchSchema } from './schemas.ts';

export function resultsRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post(
    '/api/v1/results',
    describeRoute({
      tags: ['Ingest'],
      summary: 'Record probe results (idempotent by result id, all-or-nothing per batch)',
      responses: { 200: { description: 'Stored', content: { 'application/json': { schema: resolver(ingestResponseSchema) } } } },
    }),
    requireScope('ingest'),
    validate('json', resultsBatchSchema),
    async (c) => {
      const { results } = c.req.valid('json');
      const now = deps.clock.now();
      // Through the probe-ingest service so that monitor state and component status advance too.
      const { accepted, duplicates } = await ingestProbeResults(
        deps,
        results.map((result) => ({
          ...result,
          at: new Date(result.at),
          tlsExpiresAt: result.tlsExpiresAt ? new Date(result.tlsExpiresAt) : undefined,
        })),
        {
          now,
          audit: (tx, counts) => audit(tx, ...auditContext(c, now), { action: 'results.ingest', details: { ...counts } }),
        },
      );
      return c.json({ accepted, duplicates }, 200);
    },
  );
}
