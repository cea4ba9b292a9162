import { and, desc, eq, inArray, isNull, notInArray } from 'drizzle-orm';
import { componentGroups, incidents, maintenances, postmortems } from '../../../db/schema/index.ts';
import type { AppDeps } from '../../deps.ts';
import { pageStatus } from '../../domain/statuspage.ts';
import { postmortemMarkdown } from '../../domain/statuspage-postmortem.ts';
import { loadComponentStatuses, type ComponentStatusEntry } from '../../services/component-status.ts';
import { withIncidentDetails, withMaintenanceDetails, type IncidentView, type MaintenanceView } from '../../services/incident-queries.ts';

/**
 * Statuspage's public v2 shapes (field names, nesting, enumerations), built from Headroom's data
 * so that widgets and aggregators written for Statuspage read Headroom unchanged. Drills and
 * hidden components never appear. Group ids are the config group keys; component ids the
 * component keys.
 */
const PAGE_ID = 'headroom';
const LIST_LIMIT = 50;
const RESOLVED = ['resolved', 'postmortem'] as const;

interface Snapshot {
  now: Date;
  entries: ComponentStatusEntry[];
  componentRows: Map<string, { createdAt: Date; updatedAt: Date }>;
  groups: (typeof componentGroups.$inferSelect)[];
}

async function snapshot(deps: AppDeps): Promise<Snapshot> {
  const now = deps.clock.now();
  const entries = (await loadComponentStatuses(deps.db, now, deps.config.page.staleAfter)).filter((entry) => entry.public);
  const componentRows = new Map(
    (await deps.db.orm.query.components.findMany({ columns: { id: true, createdAt: true, updatedAt: true } })).map((row) => [row.id, row]),
  );
  const groups = await deps.db.orm.select().from(componentGroups).where(isNull(componentGroups.archivedAt));
  return { now, entries, componentRows, groups };
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

function pageJson(deps: AppDeps, updatedAt: Date) {
  return {
    id: PAGE_ID,
    name: deps.config.page.name,
    url: deps.config.page.url ?? deps.settings.publicUrl,
    time_zone: deps.config.page.timeZone,
    updated_at: updatedAt.toISOString(),
  };
}

function componentsJson(snap: Snapshot) {
  const out: Record<string, unknown>[] = [];
  const byGroup = new Map<string, ComponentStatusEntry[]>();
  for (const entry of snap.entries) {
    if (entry.groupId) byGroup.set(entry.groupId, [...(byGroup.get(entry.groupId) ?? []), entry]);
  }
  const groupsShown = new Set<string>();
  const worst = (list: ComponentStatusEntry[]) =>
    list.reduce<ComponentStatusEntry['status']>((acc, entry) => {
      const order = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'];
      return order.indexOf(entry.status) > order.indexOf(acc) ? entry.status : acc;
    }, 'operational');
  for (const entry of snap.entries) {
    const row = snap.componentRows.get(entry.id);
    if (entry.groupId && !groupsShown.has(entry.groupId)) {
      const group = snap.groups.find((candidate) => candidate.id === entry.groupId);
      const members = byGroup.get(entry.groupId) ?? [];
      if (group) {
        groupsShown.add(group.id);
        out.push({
          id: group.id,
          name: group.name,
          status: worst(members),
          created_at: group.createdAt.toISOString(),
          updated_at: group.updatedAt.toISOString(),
          position: out.length + 1,
          description: group.description,
          showcase: false,
          start_date: null,
          group_id: null,
          page_id: PAGE_ID,
          group: true,
          only_show_if_degraded: false,
          components: members.map((member) => member.id),
        });
      }
    }
    out.push({
      id: entry.id,
      name: entry.name,
      status: entry.status,
      created_at: iso(row?.createdAt) ?? snap.now.toISOString(),
      updated_at: iso(row?.updatedAt) ?? snap.now.toISOString(),
      position: out.length + 1,
      description: entry.description,
      showcase: true,
      start_date: null,
      group_id: entry.groupId && groupsShown.has(entry.groupId) ? entry.groupId : null,
      page_id: PAGE_ID,
      group: false,
      only_show_if_degraded: false,
    });
  }
  return out;
}

function updateComponentsJson(snap: Snapshot, list: { componentId: string; oldStatus: string | null; newStatus: string }[] | null) {
  const names = new Map(snap.entries.map((entry) => [entry.id, entry.name]));
  const shown = (list ?? []).filter((item) => names.has(item.componentId));
  if (shown.length === 0) return null;
  return shown.map((item) => ({
    code: item.componentId,
    name: names.get(item.componentId) ?? item.componentId,
    old_status: item.oldStatus ?? 'operational',
    new_status: item.newStatus,
  }));
}

function linkedComponentsJson(snap: Snapshot, linked: { id: string }[]) {
  const all = componentsJson(snap);
  const ids = new Set(linked.map((component) => component.id));
  return all.filter((component) => component['group'] === false && ids.has(String(component['id'])));
}

/** A published, public postmortem as Statuspage carries it on the incident. */
interface PublishedPostmortem {
  body: string;
  publishedAt: Date;
  updatedAt: Date;
}

/**
 * Published public postmortems of these incidents, by incident id. Drafts and internal ones
 * never leave the API through the public documents.
 */
async function publishedPostmortems(deps: AppDeps, incidentIds: readonly string[]): Promise<Map<string, PublishedPostmortem>> {
  if (incidentIds.length === 0) return new Map();
  const rows = await deps.db.orm
    .select()
    .from(postmortems)
    .where(and(inArray(postmortems.incidentId, [...incidentIds]), eq(postmortems.status, 'published'), eq(postmortems.visibility, 'public')));
  const out = new Map<string, PublishedPostmortem>();
  for (const row of rows) {
    const body = postmortemMarkdown(row);
    if (body !== null) out.set(row.incidentId, { body, publishedAt: row.publishedAt ?? row.updatedAt, updatedAt: row.updatedAt });
  }
  return out;
}

function incidentJson(deps: AppDeps, snap: Snapshot, view: IncidentView, postmortem: PublishedPostmortem | undefined) {
  const resolved = view.status === 'resolved' || view.status === 'postmortem';
  return {
    id: view.id,
    name: view.name,
    // Statuspage moves a resolved incident to "postmortem" once its postmortem is published.
    status: postmortem && resolved ? 'postmortem' : view.status,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
    monitoring_at: iso(view.monitoringAt),
    resolved_at: iso(view.resolvedAt),
    impact: view.impact,
    shortlink: `${deps.settings.publicUrl.replace(/\/$/, '')}/incidents/${view.id}`,
    started_at: view.startedAt.toISOString(),
    page_id: PAGE_ID,
    incident_updates: view.updates.map((update) => ({
      id: update.id,
      status: update.status,
      body: update.body,
      incident_id: view.id,
      created_at: update.createdAt.toISOString(),
      updated_at: (update.editedAt ?? update.createdAt).toISOString(),
      display_at: update.displayAt.toISOString(),
      affected_components: updateComponentsJson(snap, update.affectedComponents),
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: linkedComponentsJson(snap, view.components.filter((component) => component.public)),
    // Statuspage's postmortem fields; null / false when there is no published public postmortem.
    postmortem_body: postmortem?.body ?? null,
    postmortem_body_last_updated_at: postmortem ? postmortem.updatedAt.toISOString() : null,
    postmortem_ignored: false,
    postmortem_notified_subscribers: false,
    postmortem_notified_twitter: false,
    postmortem_published_at: postmortem ? postmortem.publishedAt.toISOString() : null,
  };
}

/** Statuspage incident objects for these incidents (postmortems attached), in the given order. */
export async function incidentsJson(deps: AppDeps, views: readonly IncidentView[]): Promise<ReturnType<typeof incidentJson>[]> {
  const snap = await snapshot(deps);
  return incidentList(deps, snap, views);
}

async function incidentList(deps: AppDeps, snap: Snapshot, views: readonly IncidentView[]) {
  const published = await publishedPostmortems(deps, views.map((view) => view.id));
  return views.map((view) => incidentJson(deps, snap, view, published.get(view.id)));
}

function maintenanceJson(deps: AppDeps, snap: Snapshot, view: MaintenanceView) {
  return {
    id: view.id,
    name: view.name,
    status: view.status,
    created_at: view.createdAt.toISOString(),
    updated_at: view.updatedAt.toISOString(),
    monitoring_at: null,
    resolved_at: iso(view.completedAt),
    impact: 'maintenance',
    shortlink: `${deps.settings.publicUrl.replace(/\/$/, '')}/maintenance/${view.id}`,
    started_at: (view.startedAt ?? view.scheduledFor).toISOString(),
    page_id: PAGE_ID,
    incident_updates: view.updates.map((update) => ({
      id: update.id,
      status: update.status,
      body: update.body,
      incident_id: view.id,
      created_at: update.createdAt.toISOString(),
      updated_at: update.createdAt.toISOString(),
      display_at: update.displayAt.toISOString(),
      affected_components: null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: linkedComponentsJson(snap, view.components.filter((component) => component.public)),
    scheduled_for: view.scheduledFor.toISOString(),
    scheduled_until: view.scheduledUntil.toISOString(),
  };
}

async function loadIncidents(deps: AppDeps, which: 'all' | 'unresolved') {
  const where =
    which === 'unresolved' ? and(eq(incidents.drill, false), notInArray(incidents.status, [...RESOLVED])) : eq(incidents.drill, false);
  const rows = await deps.db.orm.select().from(incidents).where(where).orderBy(desc(incidents.startedAt)).limit(LIST_LIMIT);
  return withIncidentDetails(deps.db.orm, rows);
}

async function loadMaintenances(deps: AppDeps, which: 'all' | 'upcoming' | 'active' | 'open') {
  const statuses =
    which === 'upcoming' ? ['scheduled'] : which === 'active' ? ['in_progress', 'verifying'] : which === 'open' ? ['scheduled', 'in_progress', 'verifying'] : null;
  const where = statuses
    ? and(eq(maintenances.drill, false), inArray(maintenances.status, statuses as ('scheduled' | 'in_progress' | 'verifying')[]))
    : eq(maintenances.drill, false);
  const rows = await deps.db.orm.select().from(maintenances).where(where).orderBy(desc(maintenances.scheduledFor)).limit(LIST_LIMIT);
  return withMaintenanceDetails(deps.db.orm, rows);
}

function latest(snap: Snapshot, ...dates: (Date | undefined)[]): Date {
  let max = 0;
  for (const row of snap.componentRows.values()) max = Math.max(max, row.updatedAt.getTime());
  for (const entry of snap.entries) if (entry.lastDataAt) max = Math.max(max, Math.min(entry.lastDataAt.getTime(), snap.now.getTime()));
  for (const date of dates) if (date) max = Math.max(max, date.getTime());
  return new Date(max || snap.now.getTime());
}

function statusJson(snap: Snapshot, open: IncidentView[]) {
  return pageStatus({
    components: snap.entries.map((entry) => ({ status: entry.status, hasRecentData: entry.monitorCount === 0 || entry.dataState === 'fresh' })),
    openIncidentImpacts: open.map((incident) => incident.impact),
  });
}

export type V2Document =
  | 'summary'
  | 'status'
  | 'components'
  | 'incidents'
  | 'incidents/unresolved'
  | 'scheduled-maintenances'
  | 'scheduled-maintenances/upcoming'
  | 'scheduled-maintenances/active';

/** Builds one `/api/v2/<document>.json` body. */
export async function buildV2(deps: AppDeps, document: V2Document): Promise<Record<string, unknown>> {
  const snap = await snapshot(deps);
  const open = await loadIncidents(deps, 'unresolved');
  const page = (...more: (Date | undefined)[]) =>
    pageJson(deps, latest(snap, ...open.map((incident) => incident.updatedAt), ...more));
  switch (document) {
    case 'summary': {
      const scheduled = await loadMaintenances(deps, 'open');
      return {
        page: page(...scheduled.map((m) => m.updatedAt)),
        components: componentsJson(snap),
        incidents: await incidentList(deps, snap, open),
        scheduled_maintenances: scheduled.map((view) => maintenanceJson(deps, snap, view)),
        status: statusJson(snap, open),
      };
    }
    case 'status':
      return { page: page(), status: statusJson(snap, open) };
    case 'components':
      return { page: page(), components: componentsJson(snap) };
    case 'incidents': {
      const all = await loadIncidents(deps, 'all');
      return { page: page(...all.map((i) => i.updatedAt)), incidents: await incidentList(deps, snap, all) };
    }
    case 'incidents/unresolved':
      return { page: page(), incidents: await incidentList(deps, snap, open) };
    case 'scheduled-maintenances':
    case 'scheduled-maintenances/upcoming':
    case 'scheduled-maintenances/active': {
      const which = document === 'scheduled-maintenances' ? 'all' : document === 'scheduled-maintenances/upcoming' ? 'upcoming' : 'active';
      const list = await loadMaintenances(deps, which);
      if (which === 'upcoming') list.sort((a, b) => a.scheduledFor.getTime() - b.scheduledFor.getTime());
      return { page: page(...list.map((m) => m.updatedAt)), scheduled_maintenances: list.map((view) => maintenanceJson(deps, snap, view)) };
    }
  }
}
