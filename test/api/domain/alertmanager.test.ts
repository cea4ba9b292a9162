import { describe, expect, it } from 'vitest';
import type { AlertmanagerRouteConfig } from '../../../api/config/alertmanager.ts';
import { validateConfig } from '../../../api/config/load.ts';
import { alertTitle, deliveryKey, episodeId, knownTime, matchRoute, windowsOverlap } from '../../../api/domain/alertmanager.ts';
import { alertmanagerTestConfig } from '../../helpers/alertmanager.ts';

const routes: AlertmanagerRouteConfig[] = alertmanagerTestConfig().alertmanager.routes;

describe('matchRoute', () => {
  it('picks the first route whose matchers all hold', () => {
    expect(matchRoute(routes, { alertname: 'ApiDown', service: 'api', severity: 'page' })?.route.name).toBe('api-down');
    // Same service but not paging: falls through to the regex route.
    expect(matchRoute(routes, { alertname: 'ApiErrors', service: 'api', severity: 'ticket' })?.route.name).toBe('api-errors');
    expect(matchRoute(routes, { alertname: 'WebLatencyP99', service: 'web' })?.index).toBe(2);
  });

  it('anchors regexes at both ends like Alertmanager does', () => {
    expect(matchRoute(routes, { alertname: 'ApiErrorsTotal' })).toBeNull();
    expect(matchRoute(routes, { alertname: 'XApiErrors' })).toBeNull();
    expect(matchRoute(routes, { alertname: 'ApiSaturation' })?.route.name).toBe('api-errors');
  });

  it('returns null when a required label is missing', () => {
    expect(matchRoute(routes, { service: 'api' })).toBeNull();
    expect(matchRoute(routes, {})).toBeNull();
  });
});

describe('deliveryKey and episodeId', () => {
  const startsAt = new Date('2026-11-01T11:55:00Z');
  it('differ by group, status and start, and are stable for the same input', () => {
    const key = deliveryKey('g', 'fp', startsAt, 'firing');
    expect(deliveryKey('g', 'fp', new Date(startsAt), 'firing')).toBe(key);
    expect(deliveryKey('g', 'fp', startsAt, 'resolved')).not.toBe(key);
    expect(deliveryKey('h', 'fp', startsAt, 'firing')).not.toBe(key);
    expect(deliveryKey('g', 'fp', new Date('2026-11-01T12:55:00Z'), 'firing')).not.toBe(key);
    expect(episodeId('fp', startsAt)).toBe('fp@2026-11-01T11:55:00.000Z');
  });
});

describe('knownTime, alertTitle, windowsOverlap', () => {
  it("treats Go's zero time as unknown", () => {
    expect(knownTime(new Date('0001-01-01T00:00:00Z'))).toBeNull();
    expect(knownTime(undefined)).toBeNull();
    expect(knownTime(new Date('2026-11-01T12:00:00Z'))?.toISOString()).toBe('2026-11-01T12:00:00.000Z');
  });

  it('titles by summary, then alert name', () => {
    expect(alertTitle({ alertname: 'ApiDown' }, { summary: ' API down ' })).toBe('API down');
    expect(alertTitle({ alertname: 'ApiDown' }, {})).toBe('ApiDown');
    expect(alertTitle({}, {})).toBe('Alert');
  });

  it('overlaps when the incident was open at any point in the window', () => {
    const at = (time: string) => new Date(`2026-11-01T${time}:00Z`);
    expect(windowsOverlap(at('10:00'), at('10:30'), at('10:20'), null)).toBe(true);
    expect(windowsOverlap(at('10:00'), at('10:30'), at('09:00'), at('10:05'))).toBe(true);
    expect(windowsOverlap(at('10:00'), at('10:30'), at('09:00'), at('09:59'))).toBe(false);
    expect(windowsOverlap(at('10:00'), at('10:30'), at('10:31'), null)).toBe(false);
  });
});

describe('alertmanager config section', () => {
  it('reports bad regexes, empty matchers and unknown actions by path', () => {
    expect(() =>
      validateConfig({
        components: [{ key: 'api', name: 'API' }],
        alertmanager: {
          routes: [
            { match: { alertname: { regex: '(' } }, components: ['api'], action: 'near_miss' },
            { match: {}, components: ['api'], action: 'page' },
          ],
        },
      }),
    ).toThrow(
      /alertmanager\.routes\[0\]\.match\.alertname\.regex: expected a valid regular expression[\s\S]*alertmanager\.routes\[1\]\.match: give at least one label matcher[\s\S]*alertmanager\.routes\[1\]\.action/,
    );
  });

  it('reports a route naming an undeclared component by path', () => {
    expect(() =>
      validateConfig({
        components: [{ key: 'api', name: 'API' }],
        alertmanager: { routes: [{ match: { alertname: 'X' }, components: ['api', 'nope'], action: 'incident' }] },
      }),
    ).toThrow('alertmanager.routes[0].components[1]: unknown component "nope"');
  });

  it('defaults to no routes, so every alert is listed as unmapped', () => {
    expect(validateConfig({}).alertmanager).toEqual({ routes: [] });
  });
});
