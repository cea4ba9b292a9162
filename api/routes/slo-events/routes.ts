import { inArray, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import { slos, sloEvents } from '../../../db/schema/slos.ts';
import type { AppDeps } from '../../deps.ts';
import { sloSeries, type Observation } from '../../domain/rollups.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ValidationError, type ProblemIssue } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { MAX_CLOCK_SKEW_MS } from '../../services/ingest-results.ts';
import { addToRollups } from '../../services/rollup-writer.ts';
import { sloEventsBodySchema } from './schemas.ts';

/**
 * Applications push good/total counts for `events` SLIs. Idempotent by id (a replay adds
 * nothing), all-or-nothing per batch; events go straight into the SLO's rollups.
 */
export function sloEventRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post(
    '/api/v1/events',
    describeRoute({ tags: ['SLOs'], summary: 'Record good/total events for an events SLI (idempotent by id)' }),
    requireScope('ingest'),
    validate('json', sloEventsBodySchema),
    async (c) => {
      const body = c.req.valid('json');
      const events = 'events' in body ? body.events : [body];
      const now = deps.clock.now();
      const known = await deps.db.orm
        .select({ id: slos.id, sliKind: slos.sliKind })
        .from(slos)
        .where(isNull(slos.archivedAt));
      const kinds = new Map(known.map((row) => [row.id, row.sliKind]));
      const issues: ProblemIssue[] = [];
      const prefix = 'events' in body ? (index: number) => `events[${index}]` : () => '(root)';
      events.forEach((event, index) => {
        const kind = kinds.get(event.slo);
        if (!kind) issues.push({ path: `${prefix(index)}.slo`, message: `unknown SLO "${event.slo}"`, code: 'unknown_slo' });
        else if (kind !== 'events') issues.push({ path: `${prefix(index)}.slo`, message: `SLO "${event.slo}" has a ${kind} SLI, not events`, code: 'not_events_sli' });
        const at = Date.parse(event.at);
        if (at > now.getTime() + MAX_CLOCK_SKEW_MS) issues.push({ path: `${prefix(index)}.at`, message: 'is more than 5 minutes in the future', code: 'in_future' });
        else if (at < now.getTime() - deps.settings.backfillHorizonMs) issues.push({ path: `${prefix(index)}.at`, message: 'is older than the backfill horizon', code: 'too_old' });
      });
      if (issues.length > 0) throw new ValidationError(`Batch rejected, nothing was written: ${issues[0]?.path}: ${issues[0]?.message}`, issues, 'invalid_events');

      const summary = await deps.db.write(async (tx) => {
        const ids = [...new Set(events.map((event) => event.id))];
        const stored = new Set<string>();
        for (let start = 0; start < ids.length; start += 500) {
          const rows = await tx.select({ id: sloEvents.id }).from(sloEvents).where(inArray(sloEvents.id, ids.slice(start, start + 500)));
          for (const row of rows) stored.add(row.id);
        }
        const fresh = events.filter((event) => {
          if (stored.has(event.id)) return false;
          stored.add(event.id);
          return true;
        });
        for (let start = 0; start < fresh.length; start += 500) {
          await tx.insert(sloEvents).values(
            fresh.slice(start, start + 500).map((event) => ({
              id: event.id,
              sloId: event.slo,
              at: new Date(event.at),
              good: event.good,
              total: event.total,
              receivedAt: now,
            })),
          );
        }
        const observations: Observation[] = fresh.map((event) => ({
          series: sloSeries(event.slo),
          atMs: Date.parse(event.at),
          good: event.good,
          total: event.total,
        }));
        await addToRollups(tx, observations);
        const counts = { accepted: fresh.length, duplicates: events.length - fresh.length };
        await audit(tx, ...auditContext(c, now), { action: 'slo.events.ingest', targetType: 'slo', details: counts });
        return counts;
      });
      return c.json(summary, 200);
    },
  );
}
