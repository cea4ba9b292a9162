import { eq, inArray, isNull } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { components } from '../../../db/schema/components.ts';
import { monitors } from '../../../db/schema/monitors.ts';
import { slos } from '../../../db/schema/slos.ts';
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
