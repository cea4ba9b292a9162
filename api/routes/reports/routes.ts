import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import type { AppDeps } from '../../deps.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { validate } from '../../lib/validate.ts';
import { parsePeriod, PERIOD_PATTERN } from '../../domain/reports/period.ts';
import { buildErrorBudgetReport, reportCsv } from '../../services/error-budget-report.ts';

const reportQuery = z.strictObject({
  period: z.string().regex(PERIOD_PATTERN, 'expected a month like 2026-10 or a quarter like 2026-Q4'),
  format: z.enum(['json', 'csv']).default('json'),
});

/** Reports for leadership. */
export function reportRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get(
    '/api/v1/reports/error-budget',
    describeRoute({
      tags: ['Reports'],
      summary: 'Error-budget report for a month (2026-10) or quarter (2026-Q4), each SLO in its own time zone; JSON or ?format=csv. Drills excluded.',
    }),
    requireScope('read'),
    validate('query', reportQuery),
    async (c) => {
      const query = c.req.valid('query');
      const period = parsePeriod(query.period);
      if (!period) throw new Error('period passed validation but did not parse');
      const report = await buildErrorBudgetReport(deps.db, period, deps.clock.now());
      if (query.format === 'csv') {
        return c.body(reportCsv(report), 200, {
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Disposition': `attachment; filename="error-budget-${period.label}.csv"`,
        });
      }
      return c.json(report);
    },
  );
}
