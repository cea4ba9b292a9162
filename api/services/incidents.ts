import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import {
  components,
  incidentComponents,
  incidents,
  incidentUpdates,
  type ComponentStatus,
  type IncidentImpact,
  type IncidentSource,
  type IncidentStatus,
} from '../../db/schema/index.ts';
import type { NoticeEvent, NoticeTopic } from '../domain/notices.ts';
import { audit } from '../lib/audit.ts';
import { NotFoundError, ValidationError } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import type { AppEvents } from '../lib/events.ts';
import { enqueueNotices, type NoticeContext } from './notices.ts';

/**
 * Incident writes at transaction level — the one place incidents, their updates, the component
 * statuses they set, the audit entry and the subscriber notices (outbox rows) are written, all in
 * the caller's transaction. Routes, the monitoring auto-incident worker and the Alertmanager
 * receiver all call these, so every path notifies and audits the same way.
 *
 * Usage (from anywhere holding `deps`):
 *
 *   const result = await deps.db.write((tx) => openIncident(tx, input, incidentContext(deps, actor)));
 *   announceIncidentWrite(deps.events, result);   // after commit: site rebuild, cache drop, outbox wake
 *
 * Errors are typed (ValidationError `future_start`/`unknown_component`, NotFoundError
 * `incident_not_found`) and thrown before anything is written, so the transaction rolls back whole.
 */

/** Who is acting and how to build links; `actor` is e.g. `token:ci:…` or `system:monitoring`. */
export interface IncidentContext extends NoticeContext {
  actor: string;
  requestId: string | null;
}

export interface IncidentComponentInput {
  /** Component key (as in headroom.config.yaml). */
  id: string;
  /** The status this incident puts the component in. */
  status: ComponentStatus;
}

export interface OpenIncidentInput {
  name: string;
  impact: IncidentImpact;
  /** Default `investigating`. */
  status?: IncidentStatus;
  /** Markdown body of the first update (the first notice). */
  body: string;
  components?: IncidentComponentInput[];
  /** Default `manual`. */
  source?: IncidentSource;
  /** Fault-drill rehearsal: internal only, never in public reads, feeds or customer notices. */
  drill?: boolean;
  /** Default now; may be in the past (backdating), never in the future. */
  startedAt?: Date;
  /** Time shown on the first update; default `startedAt`. */
  displayAt?: Date;
  commander?: string | null;
  communicationsLead?: string | null;
  templateId?: string | null;
  /** Shown as who posted; default the actor. */
  author?: string | null;
}

export interface AddIncidentUpdateInput {
  /** Default: the incident's current status. */
  status?: IncidentStatus;
  body: string;
  /** Changes the incident's impact when given. */
  impact?: IncidentImpact;
  /** Sets (or adds) the status of these components. */
  components?: IncidentComponentInput[];
  /** Time shown to readers; default now, never in the future. */
  displayAt?: Date;
  author?: string | null;
}

export interface IncidentWriteResult {
  incidentId: string;
  updateId: string;
  /** Outbox rows written (0 for drills). */
  notices: number;
  drill: boolean;
}

/** Builds the context from an actor name; the caller supplies `now`, `publicUrl` and `pageName`. */
export function incidentContext(input: NoticeContext & { actor: string; requestId?: string | null }): IncidentContext {
  return { ...input, requestId: input.requestId ?? null };
}

/** After the transaction commits: tell the site/cache (unless a drill) and wake the outbox. */
export function announceIncidentWrite(events: AppEvents, result: IncidentWriteResult, reason = 'incident'): void {
  if (!result.drill) events.emit('public.changed', { reason });
  if (result.notices > 0) events.emit('outbox.enqueued');
}

const FUTURE_TOLERANCE_MS = 60_000;
const RESOLVED: ReadonlySet<IncidentStatus> = new Set(['resolved', 'postmortem']);

function checkNotFuture(at: Date, now: Date, field: string): void {
  if (at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new ValidationError(`${field} must not be in the future.`, [{ path: field, message: 'must not be in the future', code: 'in_future' }], 'future_start');
  }
}

async function loadComponents(tx: Tx, wanted: readonly IncidentComponentInput[]): Promise<Map<string, string>> {
  if (wanted.length === 0) return new Map();
  const ids = [...new Set(wanted.map((component) => component.id))];
  const rows = await tx
    .select({ id: components.id, name: components.name })
    .from(components)
    .where(and(inArray(components.id, ids), isNull(components.archivedAt)));
  const known = new Map(rows.map((row) => [row.id, row.name]));
  const issues = wanted
    .map((component, index) => ({ component, index }))
    .filter(({ component }) => !known.has(component.id))
    .map(({ component, index }) => ({ path: `components[${index}].id`, message: `unknown component "${component.id}"`, code: 'unknown_component' }));
  if (issues.length) throw new ValidationError(issues.map((issue) => issue.message).join('; '), issues, 'unknown_component');
  return known;
}

/** Sets the timestamps a status reaches for the first time (and clears `resolvedAt` on reopening). */
function statusTimestamps(
  status: IncidentStatus,
  at: Date,
  current: { identifiedAt: Date | null; monitoringAt: Date | null; resolvedAt: Date | null },
) {
  return {
    identifiedAt: status === 'identified' ? (current.identifiedAt ?? at) : current.identifiedAt,
    monitoringAt: status === 'monitoring' ? (current.monitoringAt ?? at) : current.monitoringAt,
    resolvedAt: RESOLVED.has(status) ? (current.resolvedAt ?? at) : null,
  };
}

async function setComponentStatuses(
  tx: Tx,
  incidentId: string,
  wanted: readonly IncidentComponentInput[],
  resolving: boolean,
): Promise<{ componentId: string; oldStatus: ComponentStatus | null; newStatus: ComponentStatus }[]> {
  const existing = await tx.select().from(incidentComponents).where(eq(incidentComponents.incidentId, incidentId));
  const before = new Map(existing.map((row) => [row.componentId, row.status]));
  const next = new Map<string, ComponentStatus>();
  // Resolving puts every affected component back to operational unless told otherwise (as Statuspage does).
  if (resolving) for (const row of existing) next.set(row.componentId, 'operational');
  for (const component of wanted) next.set(component.id, component.status);
  const changes: { componentId: string; oldStatus: ComponentStatus | null; newStatus: ComponentStatus }[] = [];
  for (const [componentId, status] of next) {
    const old = before.get(componentId) ?? null;
    if (old === status) continue;
    changes.push({ componentId, oldStatus: old, newStatus: status });
    if (old === null) await tx.insert(incidentComponents).values({ incidentId, componentId, status });
    else {
      await tx
        .update(incidentComponents)
        .set({ status })
        .where(and(eq(incidentComponents.incidentId, incidentId), eq(incidentComponents.componentId, componentId)));
    }
  }
  return changes;
}

async function noticeEvent(
  tx: Tx,
  incidentId: string,
  topic: NoticeTopic,
  fields: { name: string; status: IncidentStatus; impact: IncidentImpact; body: string; at: Date },
  ctx: NoticeContext,
): Promise<NoticeEvent> {
  const affected = await tx
    .select({ id: components.id, name: components.name, public: components.public })
    .from(incidentComponents)
    .innerJoin(components, eq(components.id, incidentComponents.componentId))
    .where(eq(incidentComponents.incidentId, incidentId));
  return {
    topic,
    kind: 'incident',
    id: incidentId,
    name: fields.name,
    status: fields.status,
    impact: fields.impact,
    body: fields.body,
    at: fields.at,
    url: `${ctx.publicUrl.replace(/\/$/, '')}/incidents/${incidentId}`,
    // Hidden components are not named to customers.
    components: affected.filter((component) => component.public).map(({ id, name }) => ({ id, name })),
  };
}

/** One timeline entry; who posted it defaults to the actor. */
async function insertUpdate(
  tx: Tx,
  incidentId: string,
  entry: {
    status: IncidentStatus;
    body: string;
    displayAt: Date;
    author: string | null | undefined;
    affected: Awaited<ReturnType<typeof setComponentStatuses>>;
  },
  ctx: IncidentContext,
): Promise<string> {
  const id = newId();
  await tx.insert(incidentUpdates).values({
    id,
    incidentId,
    status: entry.status,
    body: entry.body,
    displayAt: entry.displayAt,
    author: entry.author ?? ctx.actor,
    affectedComponents: entry.affected,
    createdAt: ctx.now,
  });
  return id;
}

/**
 * Opens an incident with its first update, the component statuses it sets, an audit entry and
 * one outbox notice per interested subscriber — all in `tx`. Returns the new ids.
 */
export async function openIncident(tx: Tx, input: OpenIncidentInput, ctx: IncidentContext): Promise<IncidentWriteResult> {
  const startedAt = input.startedAt ?? ctx.now;
  checkNotFuture(startedAt, ctx.now, 'startedAt');
  const displayAt = input.displayAt ?? startedAt;
  checkNotFuture(displayAt, ctx.now, 'displayAt');
  const wanted = input.components ?? [];
  await loadComponents(tx, wanted);
  const status = input.status ?? 'investigating';
  const drill = input.drill ?? false;
  const incidentId = newId();
  await tx.insert(incidents).values({
    id: incidentId,
    name: input.name,
    status,
    impact: input.impact,
    source: input.source ?? 'manual',
    drill,
    startedAt,
    ...statusTimestamps(status, displayAt, { identifiedAt: null, monitoringAt: null, resolvedAt: null }),
    commander: input.commander ?? null,
    communicationsLead: input.communicationsLead ?? null,
    templateId: input.templateId ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  });
  const affected = await setComponentStatuses(tx, incidentId, wanted, false);
  const updateId = await insertUpdate(tx, incidentId, { status, body: input.body, displayAt, author: input.author, affected }, ctx);
  await audit(tx, ctx.now, ctx.actor, ctx.requestId, {
    action: 'incident.open',
    targetType: 'incident',
    targetId: incidentId,
    details: { name: input.name, impact: input.impact, status, drill, source: input.source ?? 'manual', components: wanted },
  });
  const event = await noticeEvent(tx, incidentId, 'incident.created', { name: input.name, status, impact: input.impact, body: input.body, at: displayAt }, ctx);
  const notices = await enqueueNotices(tx, event, ctx, { drill });
  return { incidentId, updateId, notices, drill };
}

/**
 * Adds an update to an incident (a status change, new information, resolution), moving its
 * timestamps and component statuses, auditing and notifying subscribers — all in `tx`.
 */
export async function addIncidentUpdate(
  tx: Tx,
  incidentId: string,
  input: AddIncidentUpdateInput,
  ctx: IncidentContext,
): Promise<IncidentWriteResult> {
  const [incident] = await tx.select().from(incidents).where(eq(incidents.id, incidentId));
  if (!incident) throw new NotFoundError(`No incident with id "${incidentId}".`, 'incident_not_found');
  const displayAt = input.displayAt ?? ctx.now;
  checkNotFuture(displayAt, ctx.now, 'displayAt');
  const wanted = input.components ?? [];
  await loadComponents(tx, wanted);
  const status = input.status ?? incident.status;
  const impact = input.impact ?? incident.impact;
  const resolving = RESOLVED.has(status) && !RESOLVED.has(incident.status);
  await tx
    .update(incidents)
    .set({ status, impact, ...statusTimestamps(status, displayAt, incident), updatedAt: ctx.now })
    .where(eq(incidents.id, incidentId));
  const affected = await setComponentStatuses(tx, incidentId, wanted, resolving);
  const updateId = await insertUpdate(tx, incidentId, { status, body: input.body, displayAt, author: input.author, affected }, ctx);
  await audit(tx, ctx.now, ctx.actor, ctx.requestId, {
    action: 'incident.update',
    targetType: 'incident',
    targetId: incidentId,
    details: { updateId, from: incident.status, status, impact, components: wanted },
  });
  const topic: NoticeTopic = resolving ? 'incident.resolved' : 'incident.updated';
  const event = await noticeEvent(tx, incidentId, topic, { name: incident.name, status, impact, body: input.body, at: displayAt }, ctx);
  const notices = await enqueueNotices(tx, event, ctx, { drill: incident.drill });
  return { incidentId, updateId, notices, drill: incident.drill };
}

/**
 * Edits an update's text or shown time. No new notice goes out (an edit is a correction, not
 * news); the previous and new values are kept in the audit log.
 */
export async function editIncidentUpdate(
  tx: Tx,
  incidentId: string,
  updateId: string,
  input: { body?: string; displayAt?: Date },
  ctx: IncidentContext,
): Promise<{ drill: boolean }> {
  const [row] = await tx
    .select({ update: incidentUpdates, drill: incidents.drill })
    .from(incidentUpdates)
    .innerJoin(incidents, eq(incidents.id, incidentUpdates.incidentId))
    .where(and(eq(incidentUpdates.id, updateId), eq(incidentUpdates.incidentId, incidentId)));
  if (!row) throw new NotFoundError(`No update "${updateId}" on incident "${incidentId}".`, 'incident_update_not_found');
  if (input.displayAt) checkNotFuture(input.displayAt, ctx.now, 'displayAt');
  await tx
    .update(incidentUpdates)
    .set({ ...(input.body !== undefined ? { body: input.body } : {}), ...(input.displayAt ? { displayAt: input.displayAt } : {}), editedAt: ctx.now })
    .where(eq(incidentUpdates.id, updateId));
  await tx.update(incidents).set({ updatedAt: ctx.now }).where(eq(incidents.id, incidentId));
  await audit(tx, ctx.now, ctx.actor, ctx.requestId, {
    action: 'incident.update.edit',
    targetType: 'incident_update',
    targetId: updateId,
    details: {
      incidentId,
      before: { body: row.update.body, displayAt: row.update.displayAt.toISOString() },
      after: { body: input.body ?? row.update.body, displayAt: (input.displayAt ?? row.update.displayAt).toISOString() },
    },
  });
  return { drill: row.drill };
}
