import { and, eq, isNull } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { z } from 'zod';
import { slos } from '../../../db/schema/slos.ts';
import type { AppDeps } from '../../deps.ts';
import { OpenSloError, parseOpenSlo, toOpenSlo, type SloDefinition } from '../../domain/slo/openslo.ts';
import { audit, auditContext } from '../../lib/audit.ts';
import { hasScope, requireScope } from '../../lib/auth.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { validate } from '../../lib/validate.ts';
import { activeSlos, evaluateSlo, evaluateSlos, evaluateSlosDetailed, type SloRow } from '../../services/evaluate-slo.ts';
import { loadHorizons } from '../../services/slo/rollup-reader.ts';
import { saveApiSlo, sloDefinitionFromEntry, upsertApiSlos } from '../../services/slo/definitions.ts';
import {
  atQuerySchema,
  evaluationSchema,
  exportQuerySchema,
  historyQuerySchema,
  idParamSchema,
  sloCreateSchema,
  sloKeyParamSchema,
  sloReplaceSchema,
  yamlHeaderSchema,
} from './schemas.ts';


/** Non-public SLOs are shown only to a token with scope read. */
function seesAll(c: Context<AppEnv>): boolean {
  const actor = c.get('actor');
  return actor !== undefined && hasScope(actor.scopes, 'read');
}

async function findSlo(deps: AppDeps, c: Context<AppEnv>, id: string): Promise<SloRow> {
  const [row] = await deps.db.orm.select().from(slos).where(and(eq(slos.id, id), isNull(slos.archivedAt)));
  if (!row || (!row.public && !seesAll(c))) throw new NotFoundError(`No SLO "${id}".`, 'slo_not_found');
  return row;
}

const atOf = (deps: AppDeps, at: string | undefined): Date => (at ? new Date(at) : deps.clock.now());

const json = (schema: z.ZodType) => ({ 'application/json': { schema: resolver(schema) } });

export function sloRoutes(deps: AppDeps) {
  /** Writes one SLO (audited, same transaction) and answers with it evaluated as of now. */
  const saveSlo = async (c: Context<AppEnv>, definition: SloDefinition, mode: 'create' | 'replace') => {
    const now = deps.clock.now();
    const saved = await deps.db.write(async (tx) => {
      const result = await saveApiSlo(tx, definition, now, mode);
      await audit(tx, ...auditContext(c, now), {
        action: result.created ? 'slo.create' : 'slo.replace',
        targetType: 'slo',
        targetId: definition.id,
        details: { origin: 'api', public: definition.public ?? false, revived: result.before?.archivedAt != null },
      });
      return result;
    });
    if (definition.public || saved.before?.public) deps.events.emit('public.changed', { reason: `slo.${saved.created ? 'create' : 'replace'}:${definition.id}` });
    const [row] = await deps.db.orm.select().from(slos).where(eq(slos.id, definition.id));
    if (!row) throw new NotFoundError(`No SLO "${definition.id}".`, 'slo_not_found');
    c.header('Location', `/api/v1/slos/${encodeURIComponent(definition.id)}`);
    return c.json(await evaluateSlo(deps.db, row, now), saved.created ? 201 : 200);
  };

  return new Hono<AppEnv>()
    .get(
      '/api/v1/slos',
      describeRoute({
        tags: ['SLOs'],
        summary: 'Every SLO evaluated as of now (or ?at=): SLI, error budget, burn rates, alerts, status',
        responses: { 200: { description: 'SLOs', content: json(z.object({ slos: z.array(evaluationSchema) })) } },
      }),
      validate('query', atQuerySchema),
      async (c) => {
        const { at } = c.req.valid('query');
        const rows = (await activeSlos(deps.db)).filter((row) => row.public || seesAll(c));
        return c.json({ slos: await evaluateSlos(deps.db, rows, atOf(deps, at)) });
      },
    )
    .post(
      '/api/v1/slos',
      describeRoute({
        tags: ['SLOs'],
        summary: 'Create an SLO from JSON shaped like a `slos:` entry of headroom.config.yaml (origin api)',
        responses: {
          201: { description: 'Created; the SLO evaluated as of now', content: json(evaluationSchema) },
          409: { description: '`slo_exists` (use PUT) or `slo_owned_by_config`' },
          422: { description: 'Invalid body, or `unknown_reference` naming the monitor or component by path' },
        },
      }),
      requireScope('write'),
      validate('json', sloCreateSchema),
      async (c) => {
        const entry = c.req.valid('json');
        return saveSlo(c, sloDefinitionFromEntry(entry), 'create');
      },
    )
    .put(
      '/api/v1/slos/:id',
      describeRoute({
        tags: ['SLOs'],
        summary: 'Create or replace an SLO (origin api) with the same JSON as POST; `key`, if given, must match the path',
        responses: {
          200: { description: 'Replaced; the SLO evaluated as of now', content: json(evaluationSchema) },
          201: { description: 'Created', content: json(evaluationSchema) },
          409: { description: '`slo_owned_by_config`: declared in headroom.config.yaml' },
          422: { description: 'Invalid body, `key_mismatch`, or `unknown_reference`' },
        },
      }),
      requireScope('write'),
      validate('param', sloKeyParamSchema),
      validate('json', sloReplaceSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const entry = c.req.valid('json');
        if (entry.key !== undefined && entry.key !== id) {
          throw new ValidationError(`Invalid body: key: "${entry.key}" does not match the path's "${id}"`, [{ path: 'key', message: `expected "${id}" (the id in the path) or nothing` }], 'key_mismatch');
        }
        return saveSlo(c, sloDefinitionFromEntry({ ...entry, key: id }), 'replace');
      },
    )
    .get(
      '/api/v1/slos/export',
      describeRoute({ tags: ['SLOs'], summary: 'OpenSLO v1 YAML of every SLO (or ?id=)', responses: { 200: { description: 'OpenSLO YAML' } } }),
      requireScope('read'),
      validate('query', exportQuerySchema),
      async (c) => {
        const { id } = c.req.valid('query');
        const rows = id ? [await findSlo(deps, c, id)] : await activeSlos(deps.db);
        return c.body(toOpenSlo(rows), 200, { 'Content-Type': 'application/yaml; charset=utf-8' });
      },
    )
    .post(
      '/api/v1/slos/import',
      describeRoute({
        tags: ['SLOs'],
        summary: 'Create or update SLOs from OpenSLO v1 YAML (origin api); all or nothing',
        responses: { 200: { description: 'Imported', content: json(z.object({ created: z.array(z.string()), updated: z.array(z.string()) })) } },
      }),
      requireScope('write'),
      validate('header', yamlHeaderSchema),
      async (c) => {
        const text = await c.req.text();
        let definitions;
        try {
          definitions = parseOpenSlo(text);
        } catch (error) {
          if (!(error instanceof OpenSloError)) throw error;
          const first = error.issues[0];
          throw new ValidationError(
            `${error.unsupported ? 'The OpenSLO document uses something Headroom cannot represent' : 'The OpenSLO document is not valid'}: ${first?.path}: ${first?.message}`,
            error.issues,
            error.unsupported ? 'openslo_unsupported' : 'openslo_invalid',
          );
        }
        const now = deps.clock.now();
        const result = await deps.db.write(async (tx) => {
          const summary = await upsertApiSlos(tx, definitions, now);
          await audit(tx, ...auditContext(c, now), { action: 'slo.import', targetType: 'slo', details: { ...summary } });
          return summary;
        });
        return c.json(result, 200);
      },
    )
    .get(
      '/api/v1/slos/:id',
      describeRoute({ tags: ['SLOs'], summary: 'One SLO evaluated as of now (or ?at=)', responses: { 200: { description: 'SLO', content: json(evaluationSchema) } } }),
      validate('param', idParamSchema),
      validate('query', atQuerySchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const { at } = c.req.valid('query');
        return c.json(await evaluateSlo(deps.db, await findSlo(deps, c, id), atOf(deps, at)));
      },
    )
    .get(
      '/api/v1/slos/:id/history',
      describeRoute({
        tags: ['SLOs'],
        summary: 'Series for charts: SLI over the window, budget remaining (burn-down) and burn rate per step, at each step end',
      }),
      validate('param', idParamSchema),
      validate('query', historyQuerySchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const query = c.req.valid('query');
        const slo = await findSlo(deps, c, id);
        const from = Date.parse(query.from);
        const to = Date.parse(query.to);
        const step = Math.max(60_000, Math.floor((query.step ?? (to - from) / 100) / 60_000) * 60_000);
        const horizons = await loadHorizons(deps.db);
        const points = [];
        for (let at = from + step; at <= to; at += step) {
          const [detail] = await evaluateSlosDetailed(deps.db, [slo], new Date(at), { horizons, extraWindowsMs: [step] });
          if (!detail) continue;
          const { evaluation } = detail;
          const stepCounts = detail.windows.get(step);
          const stepBurn = stepCounts && stepCounts.total > 0 ? (stepCounts.total - stepCounts.good) / stepCounts.total / (1 - slo.target) : null;
          points.push({
            at: new Date(at).toISOString(),
            sli: evaluation.sli.ratio,
            good: evaluation.sli.good,
            total: evaluation.sli.total,
            budgetRemaining: evaluation.errorBudget.remaining,
            burnRate: stepBurn === null ? null : Number(stepBurn.toPrecision(12)),
            status: evaluation.status,
          });
        }
        return c.json({ id: slo.id, target: slo.target, window: slo.window, step: `${step / 60_000}m`, points });
      },
    )
    .delete(
      '/api/v1/slos/:id',
      describeRoute({ tags: ['SLOs'], summary: 'Archive an SLO created through the API (its history is kept)' }),
      requireScope('write'),
      validate('param', idParamSchema),
      async (c) => {
        const { id } = c.req.valid('param');
        const slo = await findSlo(deps, c, id);
        if (slo.origin === 'config') throw new ConflictError(`SLO "${id}" is declared in headroom.config.yaml; remove it there.`, 'slo_owned_by_config');
        const now = deps.clock.now();
        await deps.db.write(async (tx) => {
          await tx.update(slos).set({ archivedAt: now, updatedAt: now }).where(eq(slos.id, id));
          await audit(tx, ...auditContext(c, now), { action: 'slo.archive', targetType: 'slo', targetId: id });
        });
        // The static site lists public SLOs.
        if (slo.public) deps.events.emit('public.changed', { reason: `slo.archive:${id}` });
        return c.body(null, 204);
      },
    );
}
