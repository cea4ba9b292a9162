import { and, eq, isNull, notInArray } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client.ts';
import { componentGroups, components, monitors, slos } from '../../db/schema/index.ts';
import { sloDefinitionFromEntry } from '../services/slo/definitions.ts';
import type { HeadroomConfig, MonitorConfig, SloConfig } from './schema.ts';

export interface SyncSummary {
  created: number;
  updated: number;
  archived: number;
  unchanged: number;
}

type Table = typeof componentGroups | typeof components | typeof monitors | typeof slos;

/** The columns a config entry owns; everything else on the row (status, history) belongs to the running system. */
type Owned = Record<string, unknown> & { id: string };

/**
 * Brings the database in line with the config file, idempotently: unchanged entries are not
 * touched (their updated_at stays), entries removed from the file are archived (history kept),
 * and entries that come back are unarchived.
 */
export async function syncConfig(database: Database, config: HeadroomConfig, now: Date): Promise<SyncSummary> {
  return database.write(async (tx) => {
    const summary: SyncSummary = { created: 0, updated: 0, archived: 0, unchanged: 0 };
    const quorumByComponent = new Map(config.components.map((component) => [component.key, component.quorum]));
    await syncTable(tx, componentGroups, config.groups.map((group, position) => ({
      id: group.key,
      name: group.name,
      description: group.description ?? null,
      position,
    })), now, summary);
    await syncTable(tx, components, config.components.map((component, position) => ({
      id: component.key,
      name: component.name,
      description: component.description ?? null,
      groupId: component.group ?? null,
      position,
      autoIncident: component.autoIncident,
      runbookUrl: component.runbook ?? null,
      public: component.public,
    })), now, summary);
    await syncTable(tx, monitors, config.monitors.map((monitor) => monitorRow(monitor, quorumByComponent)), now, summary);
    await syncTable(tx, slos, config.slos.map(sloRow), now, summary, eq(slos.origin, 'config'));
    return summary;
  });
}

function monitorRow(monitor: MonitorConfig, quorumByComponent: Map<string, number>): Owned {
  const { key, name, component, interval, timeout, regions, downAfter, upAfter, degradedLatency, kind, ...settings } = monitor;
  return {
    id: key,
    name: name ?? key,
    componentId: component ?? null,
    kind,
    intervalMs: interval,
    timeoutMs: timeout,
    regions,
    settings: { ...settings, quorum: component ? (quorumByComponent.get(component) ?? 0.5) : 0.5 },
    downAfter,
    upAfter,
    degradedLatencyMs: degradedLatency ?? null,
  };
}

/** The same mapping the SLO API uses, so a config entry and its JSON twin store identical rows. */
function sloRow(slo: SloConfig): Owned {
  return { ...sloDefinitionFromEntry(slo), origin: 'config' };
}

async function syncTable(
  tx: Tx,
  table: Table,
  wanted: Owned[],
  now: Date,
  summary: SyncSummary,
  scope?: ReturnType<typeof eq>,
): Promise<void> {
  const existing = (await tx.select().from(table)) as Record<string, unknown>[];
  const byId = new Map(existing.map((row) => [row['id'] as string, row]));
  for (const row of wanted) {
    const current = byId.get(row.id);
    if (!current) {
      await tx.insert(table).values({ ...row, createdAt: now, updatedAt: now } as never);
      summary.created += 1;
      continue;
    }
    const differs = Object.keys(row).some((column) => !sameValue(current[column], row[column]));
    if (differs || current['archivedAt'] !== null) {
      await tx
        .update(table)
        .set({ ...row, updatedAt: now, archivedAt: null } as never)
        .where(eq(table.id, row.id));
      summary.updated += 1;
    } else {
      summary.unchanged += 1;
    }
  }
  const keep = wanted.map((row) => row.id);
  const conditions = [isNull(table.archivedAt), ...(scope ? [scope] : [])];
  if (keep.length > 0) conditions.push(notInArray(table.id, keep));
  const archived = await tx
    .update(table)
    .set({ archivedAt: now, updatedAt: now } as never)
    .where(and(...conditions))
    .returning({ id: table.id });
  summary.archived += archived.length;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (typeof a === 'object' || typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

