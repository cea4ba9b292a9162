import type { ComponentStatus, Impact, Incident, Maintenance, SiteComponent, UptimeDay } from './data.ts';
import type { Section } from './api.ts';

export const statusLabel: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

/** What a reader is told about one component; "unknown" whenever the data does not support a claim. */
export interface ShownStatus {
  key: ComponentStatus | 'unknown' | 'stale';
  label: string;
}

export function shownStatus(component: SiteComponent): ShownStatus {
  if (component.dataState === 'no_data' && component.status === null) return { key: 'unknown', label: 'No data' };
  if (component.status === null) return { key: 'unknown', label: 'Status unknown' };
  if (component.dataState !== 'fresh' && component.status === 'operational') {
    // Never a false green: an old "operational" is shown as old, not as operational.
    return { key: 'stale', label: component.dataState === 'stale' ? 'Data stale' : 'No recent data' };
  }
  return { key: component.status, label: statusLabel[component.status] };
}

export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance' | 'unknown';

export interface Banner {
  indicator: Indicator;
  description: string;
  notes: string[];
}

const RANK: Record<Indicator, number> = { none: 0, unknown: 1, maintenance: 2, minor: 3, major: 4, critical: 5 };
const fromStatus: Record<ComponentStatus, Indicator> = {
  operational: 'none',
  under_maintenance: 'maintenance',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};
const fromImpact: Record<Impact, Indicator> = { none: 'none', minor: 'minor', major: 'major', critical: 'critical' };
const DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  unknown: 'Status Unknown',
  maintenance: 'Service Under Maintenance',
  minor: 'Partially Degraded Service',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

export const isOpen = (incident: Incident): boolean => incident.status !== 'resolved' && incident.status !== 'postmortem';

/**
 * The overall banner, in Statuspage's indicator wording. "All Systems Operational" only when
 * every component has fresh data saying so and the incident list was actually read and is
 * quiet; anything missing makes it "Status Unknown" with a note saying what is missing.
 */
export function banner(components: readonly SiteComponent[], incidents: Section<Incident[]>, maintenances: Section<Maintenance[]>): Banner {
  let indicator: Indicator = 'none';
  const notes: string[] = [];
  const raise = (next: Indicator) => {
    if (RANK[next] > RANK[indicator]) indicator = next;
  };
  let unknown = 0;
  for (const component of components) {
    const shown = shownStatus(component);
    if (shown.key === 'unknown' || shown.key === 'stale') unknown += 1;
    else raise(fromStatus[shown.key]);
  }
  if (components.length === 0) {
    raise('unknown');
    notes.push('No components are published yet.');
  }
  if (unknown > 0) {
    raise('unknown');
    notes.push(`${unknown} of ${components.length} components have no recent monitoring data; their status is unknown.`);
  }
  if (incidents.ok) {
    for (const incident of incidents.data.filter(isOpen)) raise(fromImpact[incident.impact]);
  } else {
    raise('unknown');
    notes.push('Incident information is unavailable at the moment.');
  }
  if (maintenances.ok && maintenances.data.some((entry) => entry.status === 'in_progress' || entry.status === 'verifying')) {
    raise('maintenance');
  }
  return { indicator, description: DESCRIPTION[indicator], notes };
}

/** Uptime-bar cell class: n (no data), g, y, o, r, by uptime and the worst incident that day. */
export function dayClass(day: UptimeDay): string {
  if (day.uptime === null && day.incidents === 0) return 'n';
  const byUptime = day.uptime === null ? 0 : day.uptime >= 0.999 ? 0 : day.uptime >= 0.99 ? 1 : day.uptime >= 0.95 ? 2 : 3;
  const byImpact = day.worstImpact === 'critical' ? 3 : day.worstImpact === 'major' ? 2 : day.worstImpact === 'minor' ? 1 : 0;
  return ['g', 'y', 'o', 'r'][Math.max(byUptime, byImpact)] ?? 'n';
}

export function percent(value: number | null, digits = 2): string {
  if (value === null) return 'no data';
  return `${(Math.floor(value * 10 ** (digits + 2)) / 10 ** digits).toFixed(digits)} %`;
}

export function dayText(day: UptimeDay): string {
  const incidents = day.incidents === 0 ? 'no incidents' : day.incidents === 1 ? '1 incident' : `${day.incidents} incidents`;
  return `${day.date}: ${day.uptime === null ? 'no data' : `${percent(day.uptime)} uptime`}, ${incidents}`;
}

const utcFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
export const formatUtc = (iso: string): string => `${utcFormat.format(new Date(iso))} UTC`;
export const monthOf = (iso: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: 'long' }).format(new Date(iso));

export const incidentStatusLabel = (status: string): string => status.charAt(0).toUpperCase() + status.slice(1).replace(/_/g, ' ');

/** Newest first by display time. */
export const sortedUpdates = <T extends { display_at?: string | null | undefined; created_at: string }>(updates: readonly T[]): T[] =>
  [...updates].sort((a, b) => Date.parse(b.display_at ?? b.created_at) - Date.parse(a.display_at ?? a.created_at));

/**
 * Moves rendered Markdown headings down `by` levels (h2 → h3), so a document embedded under a
 * page's own h2 keeps the outline in order; h6 is the floor.
 */
export const demoteHeadings = (html: string, by = 1): string =>
  html.replace(/<(\/?)h([1-6])(?=[\s>])/gi, (_match, slash: string, level: string) => `<${slash}h${Math.min(6, Number(level) + by)}`);
