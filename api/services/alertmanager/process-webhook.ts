import { and, eq, inArray, ne } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { alertmanagerAlerts, alertmanagerDeliveries, type AlertmanagerAction } from '../../../db/schema/alertmanager.ts';
import { incidentComponents, incidents } from '../../../db/schema/incidents.ts';
import { nearMisses } from '../../../db/schema/near-misses.ts';
import type { AlertmanagerRouteConfig } from '../../config/alertmanager.ts';
import {
  alertTitle,
  deliveryKey,
  episodeId,
  matchRoute,
  windowsOverlap,
  type AlertStatus,
} from '../../domain/alertmanager.ts';
import type { AuditEntry } from '../../lib/audit.ts';
import { newId } from '../../lib/ids.ts';
import {
  addIncidentUpdate,
  openIncident,
  type IncidentComponentInput,
  type IncidentContext,
  type IncidentWriteResult,
} from '../incidents.ts';
import { CLOSED_INCIDENT_STATUSES, findOpenIncident, incidentComponentIds } from './open-incidents.ts';

/** Shown as the author of the incident updates the receiver posts. */
export const ALERTMANAGER_AUTHOR = 'Alertmanager';

export interface WebhookAlert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  generatorURL: string | null;
  fingerprint: string;
}

export interface WebhookDelivery {
  groupKey: string;
  receiver: string;
  externalURL: string | null;
  alerts: WebhookAlert[];
}

export type AlertOutcome =
  | 'duplicate'
  | 'unmapped'
  | 'stale'
  | 'incident.opened'
  | 'incident.joined'
  | 'incident.already_linked'
  | 'incident.updated'
  | 'incident.already_closed'
  | 'incident.not_found'
  | 'near_miss.pending'
  | 'near_miss.recorded'
  | 'near_miss.already_recorded'
  | 'near_miss.covered_by_incident';

export interface AlertResult {
  fingerprint: string;
  alertname: string | null;
  status: AlertStatus;
  outcome: AlertOutcome;
  incidentId?: string;
  nearMissId?: string;
}

export interface WebhookSummary {
  alerts: number;
  duplicates: number;
  incidentsOpened: number;
  incidentsJoined: number;
  incidentUpdates: number;
  nearMisses: number;
  unmapped: number;
  results: AlertResult[];
}

export interface ProcessContext {
  now: Date;
  routes: readonly AlertmanagerRouteConfig[];
  /** For the incidents service, which audits and enqueues subscriber notices itself. */
  incident: IncidentContext;
  audit: (tx: Tx, entry: AuditEntry) => Promise<void>;
}

/** The summary, plus the incident writes to announce once the transaction has committed. */
export interface ProcessOutput {
  summary: WebhookSummary;
  incidentWrites: IncidentWriteResult[];
}

type Outcome = Omit<AlertResult, 'fingerprint' | 'alertname' | 'status'>;

type Episode = typeof alertmanagerAlerts.$inferSelect;

/**
 * Applies one Alertmanager webhook delivery inside the caller's transaction. Each alert state
 * is claimed first by its idempotency key (group, fingerprint, startsAt, status); a state
 * already claimed is a repeat and changes nothing. Mapped alerts then open or join incidents,
 * or — for `near_miss` routes — become a near miss when they resolve without an incident on
 * their components; unmapped ones are kept so they can be listed.
 */
export async function processWebhook(tx: Tx, delivery: WebhookDelivery, ctx: ProcessContext): Promise<ProcessOutput> {
  const results: AlertResult[] = [];
  const incidentWrites: IncidentWriteResult[] = [];
  for (const alert of delivery.alerts) {
    const key = deliveryKey(delivery.groupKey, alert.fingerprint, alert.startsAt, alert.status);
    const claimed = await tx
      .insert(alertmanagerDeliveries)
      .values({
        key,
        groupKey: delivery.groupKey,
        fingerprint: alert.fingerprint,
        startsAt: alert.startsAt,
        status: alert.status,
        outcome: 'pending',
        receivedAt: ctx.now,
      })
      .onConflictDoNothing()
      .returning({ key: alertmanagerDeliveries.key });
    const base = { fingerprint: alert.fingerprint, alertname: alert.labels['alertname'] ?? null, status: alert.status };
    if (claimed.length === 0) {
      results.push({ ...base, outcome: 'duplicate' });
      continue;
    }
    const result: AlertResult = { ...base, ...(await processAlert(tx, delivery, alert, { ...ctx, incidentWrites })) };
    await tx.update(alertmanagerDeliveries).set({ outcome: result.outcome }).where(eq(alertmanagerDeliveries.key, key));
    results.push(result);
  }
  const count = (...outcomes: AlertOutcome[]) => results.filter((result) => outcomes.includes(result.outcome)).length;
  const counts = {
    alerts: results.length,
    duplicates: count('duplicate'),
    incidentsOpened: count('incident.opened'),
    incidentsJoined: count('incident.joined'),
    incidentUpdates: count('incident.updated'),
    nearMisses: count('near_miss.recorded'),
    unmapped: count('unmapped'),
  };
  await ctx.audit(tx, {
    action: 'alertmanager.webhook',
    targetType: 'alertmanager_group',
    targetId: delivery.groupKey,
    details: { receiver: delivery.receiver, ...counts },
  });
  return { summary: { ...counts, results }, incidentWrites };
}

type AlertContext = ProcessContext & { incidentWrites: IncidentWriteResult[] };

async function processAlert(
  tx: Tx,
  delivery: WebhookDelivery,
  alert: WebhookAlert,
  ctx: AlertContext,
): Promise<Outcome> {
  const episode = await upsertEpisode(tx, alert, ctx);
  if (episode.status === 'resolved' && alert.status === 'firing') {
    // A late firing delivery for an episode that already resolved: never reopen anything.
    return { outcome: 'stale' };
  }
  if (episode.action === null || episode.routeIndex === null) {
    await markEpisode(tx, episode, alert, ctx.now, {});
    return { outcome: 'unmapped' };
  }
  const route = ctx.routes[episode.routeIndex];
  const components: IncidentComponentInput[] = episode.componentIds.map((id) => ({
    id,
    status: route?.componentStatus ?? 'partial_outage',
  }));
  if (episode.action === 'incident') {
    return alert.status === 'firing'
      ? fireIncident(tx, episode, alert, route, components, ctx)
      : resolveIncident(tx, episode, alert, ctx);
  }
  if (alert.status === 'firing') {
    await markEpisode(tx, episode, alert, ctx.now, {});
    return { outcome: 'near_miss.pending' };
  }
  return resolveNearMiss(tx, delivery, episode, alert, route, ctx);
}

/** Finds or creates the episode row; the route is decided when it is first seen (or still unmapped). */
async function upsertEpisode(tx: Tx, alert: WebhookAlert, ctx: ProcessContext): Promise<Episode> {
  const id = episodeId(alert.fingerprint, alert.startsAt);
  const [existing] = await tx.select().from(alertmanagerAlerts).where(eq(alertmanagerAlerts.id, id));
  if (existing && existing.routeIndex !== null) return existing;
  // Unmapped so far: try again, the config may have gained a route since.
  const match = matchRoute(ctx.routes, alert.labels);
  const mapping = {
    routeIndex: match?.index ?? null,
    action: (match?.route.action ?? null) satisfies AlertmanagerAction | null,
    componentIds: match?.route.components ?? [],
  };
  if (existing) {
    const [updated] = await tx.update(alertmanagerAlerts).set(mapping).where(eq(alertmanagerAlerts.id, id)).returning();
    return updated ?? existing;
  }
  const [created] = await tx
    .insert(alertmanagerAlerts)
    .values({
      id,
      fingerprint: alert.fingerprint,
      alertname: alert.labels['alertname'] ?? null,
      status: alert.status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      endsAt: alert.status === 'resolved' ? (alert.endsAt ?? ctx.now) : null,
      generatorUrl: alert.generatorURL,
      ...mapping,
      // Counted by markEpisode below, like every later delivery.
      deliveries: 0,
      firstSeenAt: ctx.now,
      lastSeenAt: ctx.now,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .returning();
  if (!created) throw new Error(`alertmanager episode ${id} was not written`);
  return created;
}

/** Records one more (non-repeat) delivery of the episode and what it led to. */
async function markEpisode(
  tx: Tx,
  episode: Episode,
  alert: WebhookAlert,
  now: Date,
  links: { incidentId?: string; nearMissId?: string },
): Promise<void> {
  await tx
    .update(alertmanagerAlerts)
    .set({
      status: alert.status,
      endsAt: alert.status === 'resolved' ? (alert.endsAt ?? now) : null,
      // Annotations may be templated from the current value; keep the latest.
      annotations: alert.annotations,
      deliveries: episode.deliveries + 1,
      lastSeenAt: now,
      updatedAt: now,
      ...links,
    })
    .where(eq(alertmanagerAlerts.id, episode.id));
}

async function fireIncident(
  tx: Tx,
  episode: Episode,
  alert: WebhookAlert,
  route: AlertmanagerRouteConfig | undefined,
  components: IncidentComponentInput[],
  ctx: AlertContext,
): Promise<Outcome> {
  if (episode.incidentId) {
    await markEpisode(tx, episode, alert, ctx.now, {});
    return { outcome: 'incident.already_linked', incidentId: episode.incidentId };
  }
  const title = alertTitle(alert.labels, alert.annotations);
  const open = await findOpenIncident(tx, episode.componentIds);
  if (open) {
    // Joining names the components the incident did not list yet (customers see them added);
    // an alert about components already in the incident only links, so it posts nothing.
    const listed = await incidentComponentIds(tx, open.id);
    const added = components.filter((component) => !listed.has(component.id));
    if (added.length > 0) {
      ctx.incidentWrites.push(
        await addIncidentUpdate(
          tx,
          open.id,
          { body: `We are also seeing: ${firingBody(alert)}`, components: added, author: ALERTMANAGER_AUTHOR },
          ctx.incident,
        ),
      );
    }
    await markEpisode(tx, episode, alert, ctx.now, { incidentId: open.id });
    return { outcome: 'incident.joined', incidentId: open.id };
  }
  const written = await openIncident(
    tx,
    {
      name: title,
      impact: route?.impact ?? 'major',
      status: 'investigating',
      source: 'alertmanager',
      // Alertmanager's clock may run slightly ahead of ours; never start in the future.
      startedAt: alert.startsAt.getTime() > ctx.now.getTime() ? ctx.now : alert.startsAt,
      body: firingBody(alert),
      components,
      author: ALERTMANAGER_AUTHOR,
    },
    ctx.incident,
  );
  ctx.incidentWrites.push(written);
  await markEpisode(tx, episode, alert, ctx.now, { incidentId: written.incidentId });
  return { outcome: 'incident.opened', incidentId: written.incidentId };
}

async function resolveIncident(tx: Tx, episode: Episode, alert: WebhookAlert, ctx: AlertContext): Promise<Outcome> {
  await markEpisode(tx, episode, alert, ctx.now, {});
  if (!episode.incidentId) return { outcome: 'incident.not_found' };
  const incidentId = episode.incidentId;
  const [incident] = await tx.select({ id: incidents.id, status: incidents.status }).from(incidents).where(eq(incidents.id, incidentId));
  if (!incident) return { outcome: 'incident.not_found' };
  if (CLOSED_INCIDENT_STATUSES.includes(incident.status)) return { outcome: 'incident.already_closed', incidentId };
  const stillFiring = await tx
    .select({ id: alertmanagerAlerts.id })
    .from(alertmanagerAlerts)
    .where(and(eq(alertmanagerAlerts.incidentId, incidentId), eq(alertmanagerAlerts.status, 'firing'), ne(alertmanagerAlerts.id, episode.id)));
  const name = alertTitle(alert.labels, alert.annotations);
  const clearedAt = (alert.endsAt ?? ctx.now).toISOString();
  // Headroom proposes resolution (monitoring) but leaves the final "resolved" to a person.
  const allClear = stillFiring.length === 0;
  const body = allClear
    ? `The alert behind this incident (${name}) cleared at ${clearedAt}. We are monitoring the recovery; this incident can be resolved once it is confirmed.`
    : `The alert ${name} cleared at ${clearedAt}; ${stillFiring.length} related alert${stillFiring.length === 1 ? ' is' : 's are'} still firing.`;
  ctx.incidentWrites.push(
    await addIncidentUpdate(
      tx,
      incidentId,
      { status: allClear ? 'monitoring' : incident.status, body, author: ALERTMANAGER_AUTHOR },
      ctx.incident,
    ),
  );
  return { outcome: 'incident.updated', incidentId };
}

async function resolveNearMiss(
  tx: Tx,
  delivery: WebhookDelivery,
  episode: Episode,
  alert: WebhookAlert,
  route: AlertmanagerRouteConfig | undefined,
  ctx: ProcessContext,
): Promise<Outcome> {
  const endsAt = alert.endsAt ?? ctx.now;
  const covering = await coveringIncident(tx, episode.componentIds, alert.startsAt, endsAt);
  if (covering) {
    await markEpisode(tx, episode, alert, ctx.now, { incidentId: covering });
    return { outcome: 'near_miss.covered_by_incident', incidentId: covering };
  }
  const id = newId();
  const inserted = await tx
    .insert(nearMisses)
    .values({
      id,
      source: 'alertmanager',
      status: 'new',
      title: alertTitle(alert.labels, alert.annotations),
      summary: alert.annotations['description'] ?? null,
      startedAt: alert.startsAt,
      endedAt: endsAt,
      dedupeKey: `alertmanager:${episode.id}`,
      componentId: episode.componentIds[0] ?? null,
      evidence: {
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        durationMs: endsAt.getTime() - alert.startsAt.getTime(),
        fingerprint: alert.fingerprint,
        generatorURL: alert.generatorURL,
        groupKey: delivery.groupKey,
        receiver: delivery.receiver,
        externalURL: delivery.externalURL,
        route: route?.name ?? episode.routeIndex,
        components: episode.componentIds,
      },
      links: alert.generatorURL ? { alerts: [alert.generatorURL] } : null,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    })
    .onConflictDoNothing()
    .returning({ id: nearMisses.id });
  const nearMissId = inserted[0]?.id;
  if (!nearMissId) {
    // Already recorded under another group key: the same episode is one near miss.
    await markEpisode(tx, episode, alert, ctx.now, {});
    return { outcome: 'near_miss.already_recorded', ...(episode.nearMissId ? { nearMissId: episode.nearMissId } : {}) };
  }
  await markEpisode(tx, episode, alert, ctx.now, { nearMissId });
  await ctx.audit(tx, {
    action: 'near_miss.record',
    targetType: 'near_miss',
    targetId: nearMissId,
    details: { source: 'alertmanager', fingerprint: alert.fingerprint, components: episode.componentIds },
  });
  return { outcome: 'near_miss.recorded', nearMissId };
}

/** An incident (not a drill) on any of the components that was open at some point in the window. */
async function coveringIncident(tx: Tx, componentIds: readonly string[], start: Date, end: Date): Promise<string | null> {
  if (componentIds.length === 0) return null;
  const rows = await tx
    .selectDistinct({ id: incidents.id, startedAt: incidents.startedAt, resolvedAt: incidents.resolvedAt })
    .from(incidents)
    .innerJoin(incidentComponents, eq(incidentComponents.incidentId, incidents.id))
    .where(and(inArray(incidentComponents.componentId, [...componentIds]), eq(incidents.drill, false)));
  const hit = rows.find((row) => windowsOverlap(start, end, row.startedAt, row.resolvedAt));
  return hit?.id ?? null;
}

function firingBody(alert: WebhookAlert): string {
  const description = alert.annotations['description']?.trim();
  const summary = alert.annotations['summary']?.trim();
  return description || summary || `We are investigating: alert ${alert.labels['alertname'] ?? alert.fingerprint} is firing.`;
}
