import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { z } from 'zod';
import type { AppDeps } from '../../deps.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { NotFoundError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { activeSlos, evaluateSlos } from '../../services/evaluate-slo.ts';

const querySchema = z.strictObject({ service: z.string().min(1).max(200), at: z.iso.datetime({ offset: true }).optional() });

/**
 * The prevention lever: a deploy pipeline asks before releasing. Denied while any SLO of the
 * service has spent its error budget and its policy freezes releases; the reasons say which
 * and what the policy asks for. Always 200: the decision is in the body.
 */
export function releaseGateRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get(
    '/api/v1/release-gate',
    describeRoute({ tags: ['SLOs'], summary: 'Allow or deny a release of a service, with reasons (error-budget policy)' }),
    requireScope('read'),
    validate('query', querySchema),
    async (c) => {
      const { service, at } = c.req.valid('query');
      const rows = (await activeSlos(deps.db)).filter((row) => row.service === service);
      if (rows.length === 0) throw new NotFoundError(`No SLO covers service "${service}".`, 'unknown_service');
      const evaluations = await evaluateSlos(deps.db, rows, at ? new Date(at) : deps.clock.now());
      const reasons = evaluations
        .filter((slo) => slo.status === 'exhausted' && slo.policy?.freezeReleases)
        .map((slo) => ({
          slo: slo.id,
          name: slo.name,
          budgetRemaining: slo.errorBudget.remaining,
          policy: slo.policy?.text ?? '',
          message: `Error budget of "${slo.name}" is spent (${Math.round((slo.errorBudget.remaining ?? 0) * 1000) / 10} % remaining); its policy freezes releases.`,
        }));
      return c.json({
        service,
        decision: reasons.length > 0 ? 'deny' : 'allow',
        allow: reasons.length === 0,
        reasons,
        slos: evaluations.map((slo) => ({
          id: slo.id,
          status: slo.status,
          budgetRemaining: slo.errorBudget.remaining,
          freezeReleases: slo.policy?.freezeReleases ?? false,
        })),
        evaluatedAt: (at ? new Date(at) : deps.clock.now()).toISOString(),
      });
    },
  );
}
