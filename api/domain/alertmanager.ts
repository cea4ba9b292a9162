import { createHash } from 'node:crypto';
import type { AlertmanagerRouteConfig, LabelMatcherConfig } from '../config/alertmanager.ts';

/** Pure helpers for the Alertmanager webhook: routing by labels, idempotency keys, wording. */

export type AlertStatus = 'firing' | 'resolved';

export interface RouteMatch {
  route: AlertmanagerRouteConfig;
  index: number;
}

const compiled = new Map<string, RegExp>();

/** Anchored like Alertmanager's `=~`: the whole value must match. Compiled once per source. */
function anchored(source: string): RegExp {
  let regex = compiled.get(source);
  if (!regex) {
    regex = new RegExp(`^(?:${source})$`, 'u');
    compiled.set(source, regex);
  }
  return regex;
}

export function labelMatches(matcher: LabelMatcherConfig, value: string | undefined): boolean {
  // A missing label reads as the empty string, as in Prometheus: `{ team: "" }` matches "no team".
  const actual = value ?? '';
  return typeof matcher === 'string' ? actual === matcher : anchored(matcher.regex).test(actual);
}

/** The first route whose matchers all hold for these labels, or null (the alert is unmapped). */
export function matchRoute(routes: readonly AlertmanagerRouteConfig[], labels: Readonly<Record<string, string>>): RouteMatch | null {
  for (const [index, route] of routes.entries()) {
    const matches = Object.entries(route.match).every(([name, matcher]) => labelMatches(matcher, labels[name]));
    if (matches) return { route, index };
  }
  return null;
}

/**
 * The idempotency key of one alert state in one group's delivery. Alertmanager re-sends the
 * whole group whenever anything in it changes, so an alert already handled in this state is
 * recognised by this key and skipped.
 */
export function deliveryKey(groupKey: string, fingerprint: string, startsAt: Date, status: AlertStatus): string {
  return createHash('sha256')
    .update(JSON.stringify([groupKey, fingerprint, startsAt.toISOString(), status]))
    .digest('hex');
}

/** One firing episode of one alert: the same fingerprint firing again later is a new episode. */
export function episodeId(fingerprint: string, startsAt: Date): string {
  return `${fingerprint}@${startsAt.toISOString()}`;
}

/** Go's zero time (`0001-01-01T00:00:00Z`) means "unknown" in Alertmanager payloads. */
export function knownTime(at: Date | undefined): Date | null {
  if (!at || Number.isNaN(at.getTime()) || at.getUTCFullYear() <= 1) return null;
  return at;
}

/** What to call the incident or near miss: the alert's summary annotation, else its name. */
export function alertTitle(labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>>): string {
  const summary = annotations['summary']?.trim() || annotations['title']?.trim();
  const name = labels['alertname']?.trim() || 'Alert';
  return (summary || name).slice(0, 200);
}

/** True when [startA, endA] and [startB, endB) overlap; an open end is "still going". */
export function windowsOverlap(startA: Date, endA: Date, startB: Date, endB: Date | null): boolean {
  return startB.getTime() <= endA.getTime() && (endB === null || endB.getTime() >= startA.getTime());
}
