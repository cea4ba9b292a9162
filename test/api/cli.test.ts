import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a real subprocess (same Node as the tests, through tsx) against the live test server. */
function cli(args: string[], env: Record<string, string | undefined> = {}, entry = 'api/cli.ts'): Promise<Run> {
  const useTsx = entry.endsWith('.ts');
  return new Promise((done) => {
    execFile(
      process.execPath,
      useTsx ? [TSX, join(ROOT, entry), ...args] : [join(ROOT, entry), ...args],
      { cwd: ROOT, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe('headroom CLI against a live server', () => {
  let server: TestServer;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    // The server's clock is real time here: the CLI backdates and schedules relative to now.
    server = await startTestServer({ now: new Date() });
    env = { HEADROOM_API_URL: server.baseUrl, HEADROOM_TOKEN: server.adminToken };
    dir = mkdtempSync(join(tmpdir(), 'headroom-cli-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens, updates, resolves and lists an incident, with tables by default and --json for scripts', async () => {
    const opened = await cli(['--json', 'incident', 'open', '--name', 'API errors', '--impact', 'major', '--body', 'Investigating.', '--component', 'api=partial_outage', '--commander', 'alice'], env);
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    const incident = JSON.parse(opened.stdout) as { id: string; status: string; components: { id: string; status: string }[]; commander: string };
    expect(incident).toMatchObject({ status: 'investigating', commander: 'alice', components: [{ id: 'api', status: 'partial_outage' }] });

    const updated = await cli(['incident', 'update', incident.id, '--status', 'identified', '--body', 'Bad deploy found.'], env);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/Updated incident .*\n.*STATUS[\s\S]*identified/);

    const resolved = await cli(['incident', 'resolve', incident.id, '--body', 'Rolled back.'], env);
    expect(resolved.code).toBe(0);

    const list = await cli(['incident', 'list'], env);
    expect(list.code).toBe(0);
    const [header, rule, row] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+IMPACT\s+STARTED\s+DRILL$/);
    expect(rule).toMatch(/^-+\s+-+/);
    expect(row).toContain('API errors');
    expect(row).toContain('resolved');
  });

  it('exits non-zero with the API problem detail on failure', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const bad = await cli(['incident', 'open', '--name', 'x', '--impact', 'minor', '--body', 'x', '--started-at', future], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('startedAt must not be in the future');
    expect(bad.stderr).toContain('(future_start)');

    const noToken = await cli(['incident', 'list'], { HEADROOM_API_URL: server.baseUrl });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('Unauthorized');

    const unreachable = await cli(['--api', 'http://127.0.0.1:9', 'incident', 'list'], { HEADROOM_TOKEN: server.adminToken });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('Cannot reach the Headroom API');
  });

  it('schedules and lists maintenance, and overrides then clears a component status', async () => {
    const start = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const end = new Date(Date.now() + 2 * 86_400_000 + 3_600_000).toISOString();
    const scheduled = await cli(['maintenance', 'schedule', '--name', 'DB upgrade', '--start', start, '--end', end, '--component', 'api', '--recurrence', '0 2 * * 0'], env);
    expect(scheduled.code).toBe(0);
    expect(scheduled.stdout).toContain('Scheduled maintenance');
    const list = await cli(['maintenance', 'list', '--state', 'upcoming'], env);
    expect(list.stdout).toContain('DB upgrade');
    expect(list.stdout).toContain('0 2 * * 0');

    const set = await cli(['--json', 'component', 'status', 'web', 'degraded_performance', '--reason', 'CDN slow'], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ key: 'web', status: 'degraded_performance', source: 'override' });
    const cleared = await cli(['component', 'status', 'web', '--clear'], env);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).not.toContain('override');
  });

  it('creates a token that works, printing the secret once', async () => {
    const created = await cli(['--json', 'token', 'create', '--name', 'ci', '--scope', 'read'], env);
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const list = await cli(['incident', 'list'], { HEADROOM_API_URL: server.baseUrl, HEADROOM_TOKEN: token });
    expect(list.code).toBe(0);
    const write = await cli(['incident', 'open', '--name', 'x', '--impact', 'minor', '--body', 'x'], { HEADROOM_API_URL: server.baseUrl, HEADROOM_TOKEN: token });
    expect(write.code).toBe(1);
    expect(write.stderr).toContain('Forbidden');
  });

  it('exports SLOs as OpenSLO YAML and imports them back (config-owned ones are refused with the API detail)', async () => {
    const exported = await cli(['slo', 'export', '--id', 'api-availability'], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('openslo/v1');
    const same = join(dir, 'same.yaml');
    writeFileSync(same, exported.stdout);
    const refused = await cli(['slo', 'import', same], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Conflict');

    const copy = join(dir, 'copy.yaml');
    writeFileSync(copy, exported.stdout.replaceAll('api-availability', 'cli-imported'));
    const imported = await cli(['--json', 'slo', 'import', copy], env);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ created: ['cli-imported'] });
  });

  it('reports a near miss and marks a change', async () => {
    const nearMiss = await cli(
      ['--json', 'nearmiss', 'report', '--title', 'Disk at 95%', '--what', 'Logs filled the disk.', '--how', 'dashboard', '--stopped-by', 'human', '--worst', 'API down', '--likelihood', 'likely', '--anonymous'],
      env,
    );
    expect(nearMiss.stderr).toBe('');
    expect(nearMiss.code).toBe(0);
    expect(JSON.parse(nearMiss.stdout)).toHaveProperty('id');
    const change = await cli(['change', 'mark', '--service', 'api', '--version', 'v1.2.3'], env);
    expect(change.code).toBe(0);
    expect(change.stdout).toContain('v1.2.3');
  });

  it('runs through the bin/headroom.mjs launcher (npx headroom)', async () => {
    const run = await cli(['incident', 'list', '--state', 'open'], env, 'bin/headroom.mjs');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
