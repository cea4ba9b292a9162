import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../api/config/load.ts';

/**
 * A broken config must say exactly where it is broken. Each case breaks one thing in an
 * otherwise valid file and names the path the error has to point at.
 */
const VALID = `
groups:
  - { key: core, name: Core }
components:
  - { key: api, name: API, group: core }
  - { key: web, name: Website }
monitors:
  - { key: api-health, component: api, kind: http, url: "http://127.0.0.1:9/health", interval: 30s, timeout: 5s, regions: [eu, us] }
  - { key: db-port, component: api, kind: tcp, host: 127.0.0.1, port: 5432 }
slos:
  - key: api-availability
    name: API availability
    service: api
    sli: { kind: availability, monitors: [api-health] }
    target: 0.999
    window: 30d
`;

function issuesOf(text: string): Array<{ path: string; message: string }> {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  return [];
}

const CASES: ReadonlyArray<{ mistake: string; from: string; to: string; path: string | RegExp }> = [
  { mistake: 'a duration that is not one', from: 'interval: 30s', to: 'interval: soon', path: 'monitors[0].interval' },
  { mistake: 'a negative duration', from: 'timeout: 5s', to: 'timeout: -5s', path: 'monitors[0].timeout' },
  { mistake: 'a monitor on an unknown component', from: 'component: api, kind: http', to: 'component: nope, kind: http', path: 'monitors[0].component' },
  { mistake: 'an unknown monitor kind', from: 'kind: tcp', to: 'kind: ftp', path: 'monitors[1].kind' },
  { mistake: 'a URL that is not one', from: 'url: "http://127.0.0.1:9/health"', to: 'url: "not a url"', path: 'monitors[0].url' },
  { mistake: 'a port out of range', from: 'port: 5432', to: 'port: 70000', path: 'monitors[1].port' },
  { mistake: 'a port of the wrong type', from: 'port: 5432', to: 'port: [5432]', path: 'monitors[1].port' },
  { mistake: 'a region with capitals', from: 'regions: [eu, us]', to: 'regions: [eu, US-East]', path: 'monitors[0].regions[1]' },
  { mistake: 'a component in an unknown group', from: 'group: core }', to: 'group: edge }', path: 'components[0].group' },
  { mistake: 'a duplicate component key', from: '{ key: web, name: Website }', to: '{ key: api, name: Website }', path: /^components\[1\]/ },
  { mistake: 'a component without a name', from: '{ key: web, name: Website }', to: '{ key: web }', path: 'components[1].name' },
  { mistake: 'components as a map instead of a list', from: 'components:\n  - { key: api, name: API, group: core }\n  - { key: web, name: Website }', to: 'components:\n  api: { name: API }', path: 'components' },
  { mistake: 'an SLO target above 1', from: 'target: 0.999', to: 'target: 1.5', path: 'slos[0].target' },
  { mistake: 'an SLO target as text', from: 'target: 0.999', to: 'target: "high"', path: 'slos[0].target' },
  { mistake: 'an SLO window that is no window', from: 'window: 30d', to: 'window: forever', path: 'slos[0].window' },
  { mistake: 'an SLO on an unknown monitor', from: 'monitors: [api-health] }', to: 'monitors: [api-healthz] }', path: 'slos[0].sli.monitors[0]' },
  { mistake: 'an SLO with an unknown SLI kind', from: 'sli: { kind: availability', to: 'sli: { kind: happiness', path: /^slos\[0\]\.sli/ },
  { mistake: 'a typo in a field name', from: 'interval: 30s', to: 'intervall: 30s', path: /^monitors\[0\]/ },
];

describe('config files with mistakes', () => {
  it('accepts the unbroken file', () => {
    expect(issuesOf(VALID)).toEqual([]);
  });

  it.each(CASES)('points at the exact path for $mistake', ({ from, to, path }) => {
    expect(VALID).toContain(from);
    const issues = issuesOf(VALID.replace(from, to));
    expect(issues.length).toBeGreaterThan(0);
    const paths = issues.map((issue) => issue.path);
    if (typeof path === 'string') expect(paths).toContain(path);
    else expect(paths.some((candidate) => path.test(candidate)), paths.join(', ')).toBe(true);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(3);
  });

  it('points at the line and column of a YAML syntax error', () => {
    const issues = issuesOf(VALID.replace('target: 0.999', 'target: [0.999'));
    expect(issues[0]?.path).toMatch(/^line \d+, column \d+$/);
  });

  it('lists every mistake at once, not just the first', () => {
    const broken = VALID.replace('interval: 30s', 'interval: soon').replace('target: 0.999', 'target: 1.5').replace('port: 5432', 'port: 70000');
    const paths = issuesOf(broken).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['monitors[0].interval', 'slos[0].target', 'monitors[1].port']));
  });
});
