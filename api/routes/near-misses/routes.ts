import { and, desc, eq, gte, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import { Hono } from 'hono';
import { describeRoute } from 'hono-openapi';
import type { Tx } from '../../../db/client.ts';
import { actionItems, changes, components, incidents, monitors, nearMisses, slos } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, ValidationError, type ProblemIssue } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { validate } from '../../lib/validate.ts';
import { actionItemJson } from '../../services/action-items.ts';
import { changesBefore } from '../../services/changes.ts';
import { MAX_SCAN_RANGE_MS, scanNearMisses } from '../../services/near-miss-scan.ts';
import { nearMissJson, TRIAGE_TRANSITIONS } from '../../services/near-misses.ts';
import { idParam, listNearMissesQuery, reportNearMissSchema, scanSchema, triageSchema } from './schemas.ts';

/** Checks that every id a report names exists; all problems at once, by path. */
async function checkReferences(
  tx: Tx,
  refs: { componentId?: string | undefined; monitorId?: string | undefined; sloId?: string | undefined; incidentIds: string[]; changeIds: string[] },
  prefix = '',
): Promise<void> {
  const issues: ProblemIssue[] = [];
  const single = async (path: string, id: string | undefined, table: typeof components | typeof monitors | typeof slos) => {
    if (id === undefined) return;
    const [row] = await tx.select({ id: table.id }).from(table).where(eq(table.id, id));
    if (!row) issues.push({ path: `${prefix}${path}`, message: `unknown id "${id}"`, code: 'unknown_reference' });
  };
  await single('componentId', refs.componentId, components);
  await single('monitorId', refs.monitorId, monitors);
  await single('sloId', refs.sloId, slos);
  const many = async (path: string, list: string[], table: typeof incidents | typeof changes) => {
    if (list.length === 0) return;
    const found = new Set((await tx.select({ id: table.id }).from(table).where(inArray(table.id, list))).map((row) => row.id));
    list.forEach((id, index) => {
      if (!found.has(id)) issues.push({ path: `${path}[${index}]`, message: `unknown id "${id}"`, code: 'unknown_reference' });
    });
  };
  await many('links.incidents', refs.incidentIds, incidents);
  await many('links.changes', refs.changeIds, changes);
  if (issues.length > 0) {
    throw new ValidationError(`Invalid body: ${issues[0]?.path}: ${issues[0]?.message}`, issues, 'unknown_reference');
  }
}

/** Near misses: detected ones (read, triage), hand-reported ones, and re-scans of history. */
export function nearMissRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .post(
      '/api/v1/near-misses',
      describeRoute({ tags: ['Near misses'], summary: 'Report a near miss by hand (named or anonymous)' }),
      requireScope('write'),
      validate('json', reportNearMissSchema),
      async (c) => {
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const discoveredAt = input.discoveredAt ? new Date(input.discoveredAt) : now;
        const row = await deps.db.write(async (tx) => {
          await checkReferences(tx, {
            componentId: input.componentId,
            monitorId: input.monitorId,
            sloId: input.sloId,
            incidentIds: input.links.incidents ?? [],
            changeIds: input.links.changes ?? [],
          });
          const id = newId();
          const [inserted] = await tx
            .insert(nearMisses)
            .values({
              id,
              source: 'reported',
              signal: null,
              status: 'new',
              title: input.title,
              startedAt: input.startedAt ? new Date(input.startedAt) : discoveredAt,
              endedAt: input.endedAt ? new Date(input.endedAt) : null,
              componentId: input.componentId ?? null,
              monitorId: input.monitorId ?? null,
              sloId: input.sloId ?? null,
              budgetAtRisk: input.budgetAtRisk ?? null,
              incidentId: input.links.incidents?.[0] ?? null,
              reporter: input.anonymous ? null : (input.reporter ?? null),
              anonymous: input.anonymous,
              discoveredAt,
              discoveredHow: input.discoveredHow,
              whatHappened: input.whatHappened,
              stoppedBy: input.stoppedBy,
              worstOutcome: input.worstOutcome,
              contributingFactors: input.contributingFactors,
              recurrenceLikelihood: input.recurrenceLikelihood,
              links: input.links,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
          // An anonymous report must not be traceable through the audit log's details either.
          await audit(tx, now, input.anonymous ? 'anonymous' : auditContext(c, now)[1], c.get('requestId'), {
            action: 'near_miss.report',
            targetType: 'near_miss',
            targetId: id,
            details: { title: input.title, anonymous: input.anonymous },
          });
          if (!inserted) throw new Error('insert returned nothing');
          return inserted;
        });
        return c.json(nearMissJson(row), 201);
      },
    )
    .post(
      '/api/v1/near-misses/scan',
      describeRoute({
        tags: ['Near misses'],
        summary: 'Re-run detection over a past range (admin); idempotent, one row per ongoing condition',
      }),
      requireScope('admin'),
      validate('json', scanSchema),
      async (c) => {
        const { from, to } = c.req.valid('json');
        const now = deps.clock.now();
        const range = { from: new Date(from), to: new Date(Math.min(Date.parse(to), now.getTime())) };
        if (range.to.getTime() - range.from.getTime() > MAX_SCAN_RANGE_MS) {
          throw new ValidationError('Invalid body: to: the range may span at most 35 days', [
            { path: 'to', message: 'the range may span at most 35 days (raw results are not kept longer)' },
          ]);
        }
        if (range.to.getTime() <= range.from.getTime()) {
          throw new ValidationError('Invalid body: from: is in the future', [{ path: 'from', message: 'is in the future' }]);
        }
        const summary = await scanNearMisses(deps.db, deps.config.nearMisses, range, now, (tx, result) =>
          audit(tx, ...auditContext(c, now), {
            action: 'near_miss.scan',
            details: { from: result.from, to: result.to, created: result.created, updated: result.updated, unchanged: result.unchanged },
          }),
        );
        return c.json(summary);
      },
    )
    .get(
      '/api/v1/near-misses',
      describeRoute({ tags: ['Near misses'], summary: 'List near misses with their evidence, newest first' }),
      requireScope('read'),
      validate('query', listNearMissesQuery),
      async (c) => {
        const query = c.req.valid('query');
        const conditions: SQL[] = [];
        // Overlap with [from, to): started before `to` and not ended before `from`.
        if (query.to) conditions.push(lt(nearMisses.startedAt, new Date(query.to)));
        if (query.from) {
          const from = new Date(query.from);
          const overlap = or(isNull(nearMisses.endedAt), gte(nearMisses.endedAt, from), gte(nearMisses.startedAt, from));
          if (overlap) conditions.push(overlap);
        }
        if (query.signal && query.signal.length > 0) {
          const signals = query.signal.filter((signal) => signal !== 'reported');
          const options: SQL[] = [];
          if (signals.length > 0) options.push(inArray(nearMisses.signal, signals));
          if (query.signal.includes('reported')) options.push(eq(nearMisses.source, 'reported'));
          const either = or(...options);
          if (either) conditions.push(either);
        }
        if (query.status && query.status.length > 0) conditions.push(inArray(nearMisses.status, query.status));
        if (query.source) conditions.push(eq(nearMisses.source, query.source));
        const rows = await deps.db.orm
          .select()
          .from(nearMisses)
          .where(conditions.length > 0 ? and(...conditions) : undefined)
          .orderBy(desc(nearMisses.startedAt))
          .limit(query.limit);
        return c.json({ nearMisses: rows.map(nearMissJson) });
      },
    )
    .get(
      '/api/v1/near-misses/:id',
      describeRoute({ tags: ['Near misses'], summary: 'One near miss with its action items and the changes in the window before it' }),
      requireScope('read'),
      validate('param', idParam),
      async (c) => {
        const { id } = c.req.valid('param');
        const [row] = await deps.db.orm.select().from(nearMisses).where(eq(nearMisses.id, id));
        if (!row) throw new NotFoundError(`No near miss with id "${id}".`, 'near_miss_not_found');
        const now = deps.clock.now();
        const items = await deps.db.orm.select().from(actionItems).where(eq(actionItems.nearMissId, id));
        const window = deps.config.nearMisses.changeWindow;
        return c.json({
          ...nearMissJson(row),
          actionItems: items.map((item) => actionItemJson(item, now)),
          changesBefore: { windowMs: window, changes: await changesBefore(deps.db.orm, row.startedAt, window, row.endedAt ?? now) },
        });
      },
    )
    .patch(
      '/api/v1/near-misses/:id',
      describeRoute({
        tags: ['Near misses'],
        summary: 'Triage: new → analysing → actioned | accepted_risk (actioned needs an action item)',
      }),
      requireScope('write'),
      validate('param', idParam),
      validate('json', triageSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const now = deps.clock.now();
        const row = await deps.db.write(async (tx) => {
          const [existing] = await tx.select().from(nearMisses).where(eq(nearMisses.id, id));
          if (!existing) throw new NotFoundError(`No near miss with id "${id}".`, 'near_miss_not_found');
          if (input.status && input.status !== existing.status) {
            if (!TRIAGE_TRANSITIONS[existing.status].includes(input.status)) {
              throw new ConflictError(
                `A near miss cannot go from ${existing.status} to ${input.status}; allowed: ${TRIAGE_TRANSITIONS[existing.status].join(', ')}.`,
                'invalid_transition',
              );
            }
            if (input.status === 'actioned') {
              const [item] = await tx.select({ id: actionItems.id }).from(actionItems).where(eq(actionItems.nearMissId, id)).limit(1);
              if (!item) throw new ConflictError('Add at least one action item before marking a near miss actioned.', 'no_action_items');
            }
          }
          if (input.incidentId) await checkReferences(tx, { incidentIds: [input.incidentId], changeIds: [] });
          const patch = {
            ...(input.status !== undefined ? { status: input.status } : {}),
            ...(input.summary !== undefined ? { summary: input.summary } : {}),
            ...(input.contributingFactors !== undefined ? { contributingFactors: input.contributingFactors } : {}),
            ...(input.recurrenceLikelihood !== undefined ? { recurrenceLikelihood: input.recurrenceLikelihood } : {}),
            ...(input.incidentId !== undefined ? { incidentId: input.incidentId } : {}),
            updatedAt: now,
          };
          const [updated] = await tx.update(nearMisses).set(patch).where(eq(nearMisses.id, id)).returning();
          await audit(tx, ...auditContext(c, now), {
            action: 'near_miss.triage',
            targetType: 'near_miss',
            targetId: id,
            details: { from: existing.status, ...input },
          });
          return updated ?? existing;
        });
        return c.json(nearMissJson(row));
      },
    );
}
