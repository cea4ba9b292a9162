import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { components, maintenanceComponents, maintenances, maintenanceUpdates, type MaintenanceStatus } from '../../db/schema/index.ts';
import { nextOccurrence } from '../domain/maintenance.ts';
import type { NoticeTopic } from '../domain/notices.ts';
import { audit } from '../lib/audit.ts';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import type { IncidentContext } from './incidents.ts';
import { enqueueNotices, type NoticeContext } from './notices.ts';

/**
 * Maintenance writes at transaction level, shared by the routes and the maintenance worker:
 * each writes the row change, a timeline update, the audit entry and the subscriber notices
 * (none for drills) in the caller's transaction. After commit, emit `public.changed` (unless a
 * drill) and `outbox.enqueued` when `notices > 0`.
 */
export interface ScheduleMaintenanceInput {
  name: string;
  body: string;
  scheduledFor: Date;
  scheduledUntil: Date;
  componentIds: string[];
  /** Cron expression (UTC); each occurrence becomes its own row when the previous one starts. */
  recurrence?: string | null;
  notifyBeforeMs?: number;
  drill?: boolean;
  author?: string | null;
  parentId?: string | null;
}

export interface MaintenanceWriteResult {
  maintenanceId: string;
  notices: number;
  drill: boolean;
}

const DEFAULT_NOTIFY_BEFORE_MS = 24 * 60 * 60 * 1000;

async function checkComponents(tx: Tx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx
    .select({ id: components.id })
    .from(components)
    .where(and(inArray(components.id, [...new Set(ids)]), isNull(components.archivedAt)));
  const known = new Set(rows.map((row) => row.id));
  const issues = ids
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => !known.has(id))
    .map(({ id, index }) => ({ path: `components[${index}]`, message: `unknown component "${id}"`, code: 'unknown_component' }));
  if (issues.length) throw new ValidationError(issues.map((issue) => issue.message).join('; '), issues, 'unknown_component');
}

async function notify(
  tx: Tx,
  maintenance: typeof maintenances.$inferSelect,
  topic: NoticeTopic,
  status: MaintenanceStatus,
  body: string,
  ctx: NoticeContext,
): Promise<number> {
  const affected = await tx
    .select({ id: components.id, name: components.name, public: components.public })
    .from(maintenanceComponents)
    .innerJoin(components, eq(components.id, maintenanceComponents.componentId))
    .where(eq(maintenanceComponents.maintenanceId, maintenance.id));
  return enqueueNotices(
    tx,
    {
      topic,
      kind: 'maintenance',
      id: maintenance.id,
      name: maintenance.name,
      status,
      impact: 'maintenance',
      body,
      at: ctx.now,
      url: `${ctx.publicUrl.replace(/\/$/, '')}/maintenance/${maintenance.id}`,
      components: affected.filter((component) => component.public).map(({ id, name }) => ({ id, name })),
      scheduledFor: maintenance.scheduledFor,
      scheduledUntil: maintenance.scheduledUntil,
    },
    ctx,
    { drill: maintenance.drill },
  );
}

/** Schedules a window. Within its notify-ahead period already, the scheduling notice counts as the ahead one. */
export async function scheduleMaintenance(tx: Tx, input: ScheduleMaintenanceInput, ctx: IncidentContext): Promise<MaintenanceWriteResult> {
  if (input.scheduledUntil.getTime() <= input.scheduledFor.getTime()) {
    throw new ValidationError('scheduledUntil must be after scheduledFor.', [{ path: 'scheduledUntil', message: 'must be after scheduledFor' }], 'invalid_window');
  }
  if (input.scheduledUntil.getTime() <= ctx.now.getTime()) {
    throw new ValidationError('The window has already ended.', [{ path: 'scheduledUntil', message: 'must be in the future' }], 'invalid_window');
  }
  await checkComponents(tx, input.componentIds);
  const id = newId();
  const notifyBeforeMs = input.notifyBeforeMs ?? DEFAULT_NOTIFY_BEFORE_MS;
  const insideNotice = ctx.now.getTime() >= input.scheduledFor.getTime() - notifyBeforeMs;
  const [row] = await tx
    .insert(maintenances)
    .values({
      id,
      name: input.name,
      status: 'scheduled',
      body: input.body,
      scheduledFor: input.scheduledFor,
      scheduledUntil: input.scheduledUntil,
      recurrence: input.recurrence ?? null,
      parentId: input.parentId ?? null,
      notifyBeforeMs,
      notifiedAheadAt: insideNotice ? ctx.now : null,
      drill: input.drill ?? false,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .returning();
  if (!row) throw new Error('maintenance insert returned nothing');
  for (const componentId of new Set(input.componentIds)) await tx.insert(maintenanceComponents).values({ maintenanceId: id, componentId });
  await tx.insert(maintenanceUpdates).values({
    id: newId(),
    maintenanceId: id,
    status: 'scheduled',
    body: input.body,
    displayAt: ctx.now,
    author: input.author ?? ctx.actor,
    createdAt: ctx.now,
  });
  await audit(tx, ctx.now, ctx.actor, ctx.requestId, {
    action: 'maintenance.schedule',
    targetType: 'maintenance',
    targetId: id,
    details: {
      name: input.name,
      scheduledFor: input.scheduledFor.toISOString(),
      scheduledUntil: input.scheduledUntil.toISOString(),
      components: input.componentIds,
      recurrence: input.recurrence ?? null,
      drill: input.drill ?? false,
    },
  });
  const notices = await notify(tx, row, 'maintenance.scheduled', 'scheduled', input.body, ctx);
  return { maintenanceId: id, notices, drill: row.drill };
}

const TOPIC: Record<MaintenanceStatus, NoticeTopic> = {
  scheduled: 'maintenance.scheduled',
  in_progress: 'maintenance.started',
  verifying: 'maintenance.started',
  completed: 'maintenance.completed',
};

const DEFAULT_BODY: Record<MaintenanceStatus, string> = {
  scheduled: 'This maintenance is scheduled.',
  in_progress: 'Scheduled maintenance is now in progress.',
  verifying: 'The work is done; we are verifying that everything works as expected.',
  completed: 'The scheduled maintenance has been completed.',
};

/**
 * Moves a window to `status` with a timeline update and a notice (verifying sends none: it is
 * an internal step readers see on the page). Starting a recurring window materialises the next
 * occurrence, so there is always one upcoming.
 */
export async function transitionMaintenance(
  tx: Tx,
  id: string,
  status: MaintenanceStatus,
  body: string | undefined,
  ctx: IncidentContext,
): Promise<MaintenanceWriteResult> {
  const [row] = await tx.select().from(maintenances).where(eq(maintenances.id, id));
  if (!row) throw new NotFoundError(`No maintenance with id "${id}".`, 'maintenance_not_found');
  if (row.status === 'completed') throw new ConflictError(`Maintenance "${id}" is already completed.`, 'maintenance_completed');
  const text = body ?? DEFAULT_BODY[status];
  await tx
    .update(maintenances)
    .set({
      status,
      ...(status === 'in_progress' && !row.startedAt ? { startedAt: ctx.now } : {}),
      ...(status === 'completed' ? { completedAt: ctx.now } : {}),
      updatedAt: ctx.now,
    })
    .where(eq(maintenances.id, id));
  await tx.insert(maintenanceUpdates).values({ id: newId(), maintenanceId: id, status, body: text, displayAt: ctx.now, author: ctx.actor, createdAt: ctx.now });
  await audit(tx, ctx.now, ctx.actor, ctx.requestId, {
    action: `maintenance.${status}`,
    targetType: 'maintenance',
    targetId: id,
    details: { from: row.status, to: status },
  });
  let notices = status === 'verifying' || status === 'scheduled' ? 0 : await notify(tx, row, TOPIC[status], status, text, ctx);
  if (status === 'in_progress' && row.recurrence) notices += await scheduleNextOccurrence(tx, row, ctx);
  return { maintenanceId: id, notices, drill: row.drill };
}

async function scheduleNextOccurrence(tx: Tx, row: typeof maintenances.$inferSelect, ctx: IncidentContext): Promise<number> {
  if (!row.recurrence) return 0;
  const rootId = row.parentId ?? row.id;
  const nextFor = nextOccurrence(row.recurrence, row.scheduledFor);
  const existing = await tx
    .select({ id: maintenances.id })
    .from(maintenances)
    .where(and(eq(maintenances.parentId, rootId), eq(maintenances.scheduledFor, nextFor)));
  if (existing.length) return 0;
  const linked = await tx.select().from(maintenanceComponents).where(eq(maintenanceComponents.maintenanceId, row.id));
  const result = await scheduleMaintenance(
    tx,
    {
      name: row.name,
      body: row.body,
      scheduledFor: nextFor,
      scheduledUntil: new Date(nextFor.getTime() + (row.scheduledUntil.getTime() - row.scheduledFor.getTime())),
      componentIds: linked.map((link) => link.componentId),
      recurrence: row.recurrence,
      notifyBeforeMs: row.notifyBeforeMs,
      drill: row.drill,
      parentId: rootId,
    },
    ctx,
  );
  return result.notices;
}

/** Sends the "coming up" notice once. */
export async function notifyMaintenanceAhead(tx: Tx, id: string, ctx: IncidentContext): Promise<MaintenanceWriteResult> {
  const [row] = await tx.select().from(maintenances).where(eq(maintenances.id, id));
  if (!row) throw new NotFoundError(`No maintenance with id "${id}".`, 'maintenance_not_found');
  if (row.notifiedAheadAt) return { maintenanceId: id, notices: 0, drill: row.drill };
  await tx.update(maintenances).set({ notifiedAheadAt: ctx.now }).where(eq(maintenances.id, id));
  await audit(tx, ctx.now, ctx.actor, ctx.requestId, { action: 'maintenance.notify_ahead', targetType: 'maintenance', targetId: id });
  const notices = await notify(tx, row, 'maintenance.ahead', 'scheduled', row.body, ctx);
  return { maintenanceId: id, notices, drill: row.drill };
}
