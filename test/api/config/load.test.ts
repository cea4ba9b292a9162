import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../../api/config/load.ts';

function issuesOf(text: string): string[] {
  try {
    parseConfig(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const VALID = `
groups:
  - { key: core, name: Core }
components:
  - { key: api, name: API, group: core }
monitors:
  - key: api-health
    component: api
    kind: http
    url: http://127.0.0.1:9/health
    interval: 30s
slos:
  - key: api-availability
    name: API availability
    service: api
    sli: { kind: availability, monitors: [api-health] }
    target: 0.999
    window: 30d
`;

describe('config validation', () => {
  it('parses a valid file, turning durations into milliseconds and filling defaults', () => {
    const config = parseConfig(VALID);
    const monitor = config.monitors[0];
    expect(monitor?.interval).toBe(30_000);
    expect(monitor?.timeout).toBe(10_000);
    expect(monitor?.regions).toEqual(['local']);
    expect(monitor?.downAfter).toBe(3);
    expect(monitor?.upAfter).toBe(2);
    expect(config.slos[0]?.window).toEqual({ rollingMs: 30 * 86_400_000 });
    expect(config.slos[0]?.budgetingMethod).toBe('Occurrences');
  });

  it('names the exact path of a bad duration', () => {
    const text = VALID.replace('interval: 30s', 'interval: soon');
    expect(issuesOf(text)).toEqual(['monitors[0].interval: expected a duration like 30s, got "soon"']);
  });

  it('lists every problem at once, each by its path', () => {
    const text = `
components:
  - { key: api, name: API, group: nowhere }
  - { key: api, name: Again }
monitors:
  - { key: m1, kind: http, url: "ftp://x", component: api }
  - { key: m2, kind: tcp, host: localhost, port: 70000 }
  - { key: m3, kind: carrier-pigeon }
  - { key: m4, kind: dns, hostname: example.com, recordType: SRV }
slos:
  - key: s1
    name: S
    service: api
    sli: { kind: availability, monitors: [ghost] }
    target: 1.5
    window: fortnight
  - key: s2
    name: T
    service: api
    sli: { kind: events }
    target: 0.99
    window: month
    budgetingMethod: Timeslices
`;
    const issues = issuesOf(text);
    expect(issues).toEqual(
      expect.arrayContaining([
        'monitors[0].url: expected an http:// or https:// URL',
        expect.stringMatching(/^monitors\[1\]\.port: /),
        'monitors[2].kind: expected kind to be one of http, tcp, dns, tls, heartbeat',
        expect.stringMatching(/^monitors\[3\]\.recordType: /),
        'slos[0].target: expected a target between 0 and 1, e.g. 0.999',
        'slos[0].window: expected a rolling window like 30d, or month or quarter',
        'slos[1].timeSliceWindow: required for Timeslices',
        'slos[1].timeSliceTarget: required for Timeslices',
      ]),
    );
  });

  it('checks cross-references and duplicate keys', () => {
    const text = `
components:
  - { key: api, name: API, group: nowhere }
  - { key: api, name: Again }
monitors:
  - { key: m1, kind: tcp, host: localhost, port: 80, component: ghost }
slos:
  - key: s1
    name: S
    service: api
    sli: { kind: availability, monitors: [m1, ghost] }
    target: 0.99
    window: 7d
`;
    expect(issuesOf(text)).toEqual([
      'components[1].key: duplicate key "api"',
      'components[0].group: unknown group "nowhere"',
      'monitors[0].component: unknown component "ghost"',
      'slos[0].sli.monitors[1]: unknown monitor "ghost"',
    ]);
  });

  it('reports broken references together with broken fields, not one round after another', () => {
    const text = VALID.replace('interval: 30s', 'interval: often').replace('monitors: [api-health]', 'monitors: [ghost]');
    expect(issuesOf(text)).toEqual([
      'monitors[0].interval: expected a duration like 30s, got "often"',
      'slos[0].sli.monitors[0]: unknown monitor "ghost"',
    ]);
  });

  it('rejects unknown fields instead of ignoring a typo', () => {
    const text = VALID.replace('interval: 30s', 'interval: 30s\n    intervall: 60s');
    expect(issuesOf(text)[0]).toMatch(/^monitors\[0\]: .*intervall/);
  });

  it('rejects a timeout longer than the interval', () => {
    const text = VALID.replace('interval: 30s', 'interval: 30s\n    timeout: 1m');
    expect(issuesOf(text)).toEqual(['monitors[0].timeout: must not be longer than the interval']);
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('components:\n  - key: api\n    name: [unclosed\n');
    expect(issues[0]).toMatch(/^line \d+, column \d+: /);
  });

  it('accepts the shipped demo config', () => {
    const config = loadConfigFile('api/demo/headroom.config.yaml');
    expect(config.components.length).toBeGreaterThan(2);
    expect(config.monitors.every((monitor) => monitor.regions.length > 0)).toBe(true);
  });
});
