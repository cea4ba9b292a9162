import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { components } from '../../../db/schema/components.ts';
import { monitors } from '../../../db/schema/monitors.ts';
import { slos, type BurnAlertRule, type SliDefinition } from '../../../db/schema/slos.ts';
import type { SloConfig } from '../../config/schema.ts';
import { formatWindow } from '../../domain/slo/alerts.ts';
import type { SloDefinition } from '../../domain/slo/openslo.ts';
import { ConflictError, ValidationError, type ProblemIssue } from '../../lib/errors.ts';

/**
 * Creates or updates SLOs defined through the API (origin `api`). An SLO the config file owns
 * is refused: the file would overwrite it on the next start. Monitors and components must exist.
 */
export async function upsertApiSlos(tx: Tx, definitions: readonly SloDefinition[], now: Date): Promise<{ created: string[]; updated: string[] }> {
  const issues: ProblemIssue[] = [];
  const knownMonitors = new Set(
    (await tx.select({ id: monitors.id }).from(monitors).where(isNull(monitors.archivedAt))).map((row) => row.id),
  );
  const knownComponents = new Set(
    (await tx.select({ id: components.id }).from(components).where(isNull(components.archivedAt))).map((row) => row.id),
  );
  definitions.forEach((definition, index) => {
    for (const monitor of definition.sli.monitors ?? []) {
      if (!knownMonitors.has(monitor)) issues.push({ path: `slos[${index}].sli.monitors`, message: `unknown monitor "${monitor}"`, code: 'unknown_monitor' });
    }
    if (definition.componentId && !knownComponents.has(definition.componentId)) {
      issues.push({ path: `slos[${index}].component`, message: `unknown component "${definition.componentId}"`, code: 'unknown_component' });
    }
  });
  const ids = definitions.map((definition) => definition.id);
  if (new Set(ids).size !== ids.length) issues.push({ path: 'slos', message: 'the same SLO name appears twice', code: 'duplicate' });
  if (issues.length > 0) throw new ValidationError(`Nothing was imported: ${issues[0]?.path}: ${issues[0]?.message}`, issues, 'invalid_slo');

  const existing = ids.length > 0 ? await tx.select().from(slos).where(inArray(slos.id, ids)) : [];
  const byId = new Map(existing.map((row) => [row.id, row]));
  const owned = existing.filter((row) => row.origin === 'config' && row.archivedAt === null);
  if (owned.length > 0) {
    throw new ConflictError(
      `SLO ${owned.map((row) => `"${row.id}"`).join(', ')} is declared in headroom.config.yaml; change it there.`,
      'slo_owned_by_config',
    );
  }
  const created: string[] = [];
  const updated: string[] = [];
  for (const definition of definitions) {
    const values = { ...definition, origin: 'api' as const, updatedAt: now, archivedAt: null };
    if (byId.has(definition.id)) {
      await tx.update(slos).set(values).where(eq(slos.id, definition.id));
      updated.push(definition.id);
    } else {
      await tx.insert(slos).values({ ...values, createdAt: now });
      created.push(definition.id);
    }
  }
  return { created, updated };
}

/**
 * The row an SLO entry maps to, whether it comes from headroom.config.yaml (origin config) or
 * as the same JSON through `POST/PUT /api/v1/slos` (origin api). Durations are stored in their
 * largest whole unit (`30d`, `12h`), which `parseSloWindow` and `parseRules` read back.
 */
export function sloDefinitionFromEntry(slo: SloConfig): SloDefinition {
  const sli: SliDefinition = {};
  if (slo.sli.kind === 'availability' || slo.sli.kind === 'latency') sli.monitors = slo.sli.monitors;
  if (slo.sli.kind === 'latency') sli.latencyThresholdMs = slo.sli.threshold;
  if (slo.sli.kind === 'prometheus') {
    sli.prometheus = {
      url: slo.sli.url,
      total: slo.sli.total,
      ...(slo.sli.good ? { good: slo.sli.good } : {}),
      ...(slo.sli.bad ? { bad: slo.sli.bad } : {}),
    };
  }
  const alertRules: BurnAlertRule[] | null =
    slo.alerts?.map((rule) => ({
      name: rule.name,
      severity: rule.severity,
      longWindow: `${rule.longWindow}ms`,
      shortWindow: `${rule.shortWindow}ms`,
      burnRate: rule.burnRate,
    })) ?? null;
  return {
    id: slo.key,
    name: slo.name,
    description: slo.description ?? null,
    service: slo.service,
    componentId: slo.component ?? null,
    sliKind: slo.sli.kind,
    sli,
    target: slo.target,
    window: typeof slo.window === 'string' ? slo.window : formatWindow(slo.window.rollingMs),
    timeZone: slo.timeZone,
    budgetingMethod: slo.budgetingMethod,
    timeSliceTarget: slo.timeSliceTarget ?? null,
    timeSliceWindowMs: slo.timeSliceWindow ?? null,
    excludeMaintenance: slo.excludeMaintenance,
    alertRules,
    policy: slo.policy ?? null,
    public: slo.public,
  };
}

export interface SavedSlo {
  created: boolean;
  /** The row as it was before (archived or not), if there was one. */
  before: typeof slos.$inferSelect | undefined;
}

/**
 * Creates (`create`) or creates-or-replaces (`replace`) one SLO sent as JSON, with origin `api`.
 * Monitors and the component must exist (422 naming the body path); an SLO the config file owns
 * is refused (409 `slo_owned_by_config`); `create` refuses an id in use (409 `slo_exists`). An
 * archived SLO with the same id comes back with the new definition and its history.
 */
export async function saveApiSlo(tx: Tx, definition: SloDefinition, now: Date, mode: 'create' | 'replace'): Promise<SavedSlo> {
  const issues: ProblemIssue[] = [];
  const monitorIds = definition.sli.monitors ?? [];
  if (monitorIds.length > 0) {
    const known = new Set(
      (await tx.select({ id: monitors.id }).from(monitors).where(and(inArray(monitors.id, monitorIds), isNull(monitors.archivedAt)))).map((row) => row.id),
    );
    monitorIds.forEach((monitor, index) => {
      if (!known.has(monitor)) issues.push({ path: `sli.monitors[${index}]`, message: `unknown monitor "${monitor}"`, code: 'unknown_monitor' });
    });
  }
  if (definition.componentId) {
    const [component] = await tx
      .select({ id: components.id })
      .from(components)
      .where(and(eq(components.id, definition.componentId), isNull(components.archivedAt)));
    if (!component) issues.push({ path: 'component', message: `unknown component "${definition.componentId}"`, code: 'unknown_component' });
  }
  if (issues.length > 0) throw new ValidationError(`Invalid body: ${issues[0]?.path}: ${issues[0]?.message}`, issues, 'unknown_reference');

  const [before] = await tx.select().from(slos).where(eq(slos.id, definition.id));
  if (before && before.archivedAt === null) {
    if (before.origin === 'config') {
      throw new ConflictError(`SLO "${definition.id}" is declared in headroom.config.yaml; change it there.`, 'slo_owned_by_config');
    }
    if (mode === 'create') throw new ConflictError(`SLO "${definition.id}" already exists; PUT /api/v1/slos/${definition.id} replaces it.`, 'slo_exists');
  }
  const values = { ...definition, origin: 'api' as const, updatedAt: now, archivedAt: null };
  if (before) await tx.update(slos).set(values).where(eq(slos.id, definition.id));
  else await tx.insert(slos).values({ ...values, createdAt: now });
  return { created: !before || before.archivedAt !== null, before };
}
