import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';

/**
 * `headroom` — the engineers' CLI over the HTTP API (`npx headroom …`, `npm run headroom -- …`).
 * The API URL and token come from `--api`/`--token` or HEADROOM_API_URL/HEADROOM_TOKEN. Output
 * is a readable table by default and the API's JSON with `--json`; any failure exits non-zero
 * with the API's problem detail, so playbooks and CI steps can rely on the exit code.
 */

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

interface GlobalOptions {
  api: string;
  token?: string;
  json?: boolean;
}

type Json = Record<string, unknown>;

const program = new Command();
program
  .name('headroom')
  .description('Incidents, maintenance, components, tokens, SLOs, near misses and changes from the command line.')
  .addOption(new Option('--api <url>', 'Headroom API base URL').env('HEADROOM_API_URL').default('http://127.0.0.1:3000'))
  .addOption(new Option('--token <token>', 'API token (Bearer)').env('HEADROOM_TOKEN'))
  .option('--json', 'print the API response as JSON instead of a table')
  .showHelpAfterError()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

function describeProblem(status: number, text: string): string {
  try {
    const problem = JSON.parse(text) as { title?: string; detail?: string; code?: string; issues?: { path: string; message: string }[] };
    const lines = [`${problem.title ?? `HTTP ${status}`}${problem.detail ? `: ${problem.detail}` : ''}${problem.code ? ` (${problem.code})` : ''}`];
    for (const issue of problem.issues ?? []) lines.push(`  ${issue.path}: ${issue.message}`);
    return lines.join('\n');
  } catch {
    return `HTTP ${status}${text ? `: ${text.slice(0, 500)}` : ''}`;
  }
}

async function call(method: string, path: string, options: { json?: unknown; body?: string; contentType?: string } = {}): Promise<Response> {
  const { api, token } = globals();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers['content-type'] = options.contentType ?? 'text/plain';
    body = options.body;
  }
  let response: Response;
  try {
    response = await fetch(`${api.replace(/\/$/, '')}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  } catch (error) {
    throw new CliError(`Cannot reach the Headroom API at ${api}: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`, 2);
  }
  if (!response.ok) throw new CliError(describeProblem(response.status, await response.text()));
  return response;
}

async function callJson(method: string, path: string, json?: unknown): Promise<Json> {
  const response = await call(method, path, json === undefined ? {} : { json });
  return (await response.json()) as Json;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Left-aligned columns, header underlined; long cells are cut so a row stays on one line. */
export function table(rows: readonly Json[], columns: readonly [key: string, label: string][]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map(([key]) => cell(row[key]).replace(/\s+/g, ' ').slice(0, 60)));
  const widths = columns.map(([, label], index) => Math.max(label.length, ...cells.map((line) => line[index]?.length ?? 0)));
  const render = (line: readonly string[]) => line.map((text, index) => text.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [render(columns.map(([, label]) => label)), render(widths.map((width) => '-'.repeat(width))), ...cells.map(render)].join('\n');
}

function print(data: unknown, human: () => string): void {
  process.stdout.write(`${globals().json ? JSON.stringify(data, null, 2) : human()}\n`);
}

/** `api=partial_outage` → `{ id: 'api', status: 'partial_outage' }` (status defaults to major_outage). */
function componentPair(value: string, previous: { id: string; status: string }[] = []): { id: string; status: string }[] {
  const [id, status] = value.split('=', 2);
  if (!id) throw new CliError(`Expected --component <id>[=<status>], got "${value}".`);
  return [...previous, { id, status: status || 'major_outage' }];
}
const collect = (value: string, previous: string[] = []) => [...previous, value];
const bodyText = (options: { body?: string; bodyFile?: string }): string | undefined =>
  options.bodyFile ? readFileSync(options.bodyFile === '-' ? 0 : options.bodyFile, 'utf8') : options.body;

const incidentColumns: [string, string][] = [
  ['id', 'ID'],
  ['name', 'NAME'],
  ['status', 'STATUS'],
  ['impact', 'IMPACT'],
  ['startedAt', 'STARTED'],
  ['drill', 'DRILL'],
];
const incidentSummary = (incident: Json) => table([incident], incidentColumns);

// ---- incident ---------------------------------------------------------------------------
const incident = program.command('incident').description('open, update, resolve and list incidents');

incident
  .command('open')
  .description('open an incident (notifies subscribers unless --drill)')
  .option('--name <name>', 'title readers see')
  .addOption(new Option('--impact <impact>', 'impact').choices(['none', 'minor', 'major', 'critical']))
  .option('--body <markdown>', 'first update (Markdown)')
  .option('--body-file <path>', 'read the first update from a file (- for stdin)')
  .addOption(new Option('--status <status>', 'initial status').choices(['investigating', 'identified', 'monitoring']))
  .option('--component <id=status>', 'affected component and the status it is in (repeatable)', componentPair)
  .option('--template <id>', 'fill name, body, impact and components from a template')
  .option('--started-at <iso>', 'backdate the start (never in the future)')
  .option('--commander <name>', 'incident commander')
  .option('--comms <name>', 'communications lead')
  .option('--drill', 'a fault-drill rehearsal: internal only, no customer notices')
  .action(async (options: Record<string, unknown> & { body?: string; bodyFile?: string }) => {
    const body = bodyText(options);
    const created = await callJson('POST', '/api/v1/incidents', {
      ...(options['name'] ? { name: options['name'] } : {}),
      ...(options['impact'] ? { impact: options['impact'] } : {}),
      ...(body ? { body } : {}),
      ...(options['status'] ? { status: options['status'] } : {}),
      ...(options['component'] ? { components: options['component'] } : {}),
      ...(options['template'] ? { template: options['template'] } : {}),
      ...(options['startedAt'] ? { startedAt: options['startedAt'] } : {}),
      ...(options['commander'] ? { commander: options['commander'] } : {}),
      ...(options['comms'] ? { communicationsLead: options['comms'] } : {}),
      ...(options['drill'] ? { drill: true } : {}),
    });
    print(created, () => `Opened incident ${cell(created['id'])}\n${incidentSummary(created)}`);
  });

incident
  .command('update')
  .description('post an update to an incident')
  .argument('<id>', 'incident id')
  .option('--body <markdown>', 'the update (Markdown)')
  .option('--body-file <path>', 'read the update from a file (- for stdin)')
  .addOption(new Option('--status <status>', 'new status').choices(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']))
  .addOption(new Option('--impact <impact>', 'new impact').choices(['none', 'minor', 'major', 'critical']))
  .option('--component <id=status>', 'set a component status (repeatable)', componentPair)
  .action(async (id: string, options: Record<string, unknown> & { body?: string; bodyFile?: string }) => {
    const body = bodyText(options);
    if (!body) throw new CliError('Give --body or --body-file.');
    const updated = await callJson('POST', `/api/v1/incidents/${encodeURIComponent(id)}/updates`, {
      body,
      ...(options['status'] ? { status: options['status'] } : {}),
      ...(options['impact'] ? { impact: options['impact'] } : {}),
      ...(options['component'] ? { components: options['component'] } : {}),
    });
    print(updated, () => `Updated incident ${id}\n${incidentSummary(updated)}`);
  });

incident
  .command('resolve')
  .description('resolve an incident; affected components go back to operational')
  .argument('<id>', 'incident id')
  .option('--body <markdown>', 'closing update (Markdown)')
  .action(async (id: string, options: { body?: string }) => {
    const resolved = await callJson('POST', `/api/v1/incidents/${encodeURIComponent(id)}/resolve`, options.body ? { body: options.body } : {});
    print(resolved, () => `Resolved incident ${id}\n${incidentSummary(resolved)}`);
  });

incident
  .command('list')
  .description('list incidents, newest first')
  .addOption(new Option('--state <state>', 'which incidents').choices(['open', 'resolved', 'all']).default('all'))
  .addOption(new Option('--drills <which>', 'drills').choices(['include', 'exclude', 'only']).default('include'))
  .option('--limit <n>', 'how many', '50')
  .action(async (options: { state: string; drills: string; limit: string }) => {
    const query = new URLSearchParams({ state: options.state, drills: options.drills, limit: options.limit });
    const list = await callJson('GET', `/api/v1/incidents?${query}`);
    print(list, () => table((list['incidents'] as Json[] | undefined) ?? [], incidentColumns));
  });

// ---- maintenance ------------------------------------------------------------------------
const maintenance = program.command('maintenance').description('schedule and list maintenance windows');
const maintenanceColumns: [string, string][] = [
  ['id', 'ID'],
  ['name', 'NAME'],
  ['status', 'STATUS'],
  ['scheduledFor', 'FROM'],
  ['scheduledUntil', 'UNTIL'],
  ['recurrence', 'RECURS'],
];

maintenance
  .command('schedule')
  .description('schedule a window; it starts and completes on its own')
  .requiredOption('--name <name>', 'title readers see')
  .requiredOption('--start <iso>', 'window start (ISO 8601)')
  .requiredOption('--end <iso>', 'window end (ISO 8601)')
  .option('--body <markdown>', 'description (Markdown)', '')
  .option('--component <id>', 'affected component (repeatable)', collect)
  .option('--recurrence <cron>', 'repeat on a cron schedule (UTC), e.g. "0 2 * * 0"')
  .option('--notify-before <duration>', 'notice ahead of the start (default 24h, 0s for none)')
  .option('--drill', 'a rehearsal: internal only')
  .action(async (options: { name: string; start: string; end: string; body: string; component?: string[]; recurrence?: string; notifyBefore?: string; drill?: boolean }) => {
    const created = await callJson('POST', '/api/v1/maintenances', {
      name: options.name,
      body: options.body,
      scheduledFor: options.start,
      scheduledUntil: options.end,
      components: options.component ?? [],
      ...(options.recurrence ? { recurrence: options.recurrence } : {}),
      ...(options.notifyBefore ? { notifyBefore: options.notifyBefore } : {}),
      ...(options.drill ? { drill: true } : {}),
    });
    print(created, () => `Scheduled maintenance ${cell(created['id'])}\n${table([created], maintenanceColumns)}`);
  });

maintenance
  .command('list')
  .description('list maintenance windows')
  .addOption(new Option('--state <state>', 'which windows').choices(['upcoming', 'active', 'completed', 'all']).default('all'))
  .action(async (options: { state: string }) => {
    const list = await callJson('GET', `/api/v1/maintenances?state=${options.state}`);
    print(list, () => table((list['maintenances'] as Json[] | undefined) ?? [], maintenanceColumns));
  });

// ---- component --------------------------------------------------------------------------
program
  .command('component')
  .description('component status overrides')
  .command('status')
  .description('set (or --clear) a manual status override for a component')
  .argument('<id>', 'component key')
  .argument('[status]', 'operational | degraded_performance | partial_outage | major_outage | under_maintenance')
  .option('--reason <text>', 'why')
  .option('--expires-at <iso>', 'when the override lapses by itself')
  .option('--clear', 'remove the override')
  .action(async (id: string, status: string | undefined, options: { reason?: string; expiresAt?: string; clear?: boolean }) => {
    const path = `/api/v1/components/${encodeURIComponent(id)}/status`;
    let result: Json;
    if (options.clear) result = await callJson('DELETE', path);
    else {
      if (!status) throw new CliError('Give a status, or --clear.');
      result = await callJson('PUT', path, { status, ...(options.reason ? { reason: options.reason } : {}), ...(options.expiresAt ? { expiresAt: options.expiresAt } : {}) });
    }
    print(result, () => table([result], [['key', 'COMPONENT'], ['status', 'STATUS'], ['source', 'SOURCE'], ['dataState', 'DATA']]));
  });

// ---- token ------------------------------------------------------------------------------
program
  .command('token')
  .description('API tokens (admin)')
  .command('create')
  .description('create a token; the secret is printed once')
  .requiredOption('--name <name>', 'what the token is for')
  .option('--scope <scope>', 'read | ingest | write | admin (repeatable)', collect)
  .action(async (options: { name: string; scope?: string[] }) => {
    const created = await callJson('POST', '/api/v1/tokens', { name: options.name, scopes: options.scope ?? ['read'] });
    print(created, () => `${table([created], [['id', 'ID'], ['name', 'NAME'], ['scopes', 'SCOPES']])}\n\nToken (shown once): ${cell(created['token'])}`);
  });

// ---- slo --------------------------------------------------------------------------------
const slo = program.command('slo').description('import and export SLOs as OpenSLO YAML');
slo
  .command('import')
  .description('create or update SLOs from an OpenSLO v1 YAML file (- for stdin)')
  .argument('<file>', 'YAML file')
  .action(async (file: string) => {
    const yaml = readFileSync(file === '-' ? 0 : file, 'utf8');
    const response = await call('POST', '/api/v1/slos/import', { body: yaml, contentType: 'application/yaml' });
    const result = (await response.json()) as Json;
    print(result, () => `Created: ${cell(result['created'])}\nUpdated: ${cell(result['updated'])}`);
  });
slo
  .command('export')
  .description('print every SLO (or --id) as OpenSLO v1 YAML')
  .option('--id <id>', 'one SLO')
  .option('--output <file>', 'write to a file instead of stdout')
  .action(async (options: { id?: string; output?: string }) => {
    const response = await call('GET', `/api/v1/slos/export${options.id ? `?id=${encodeURIComponent(options.id)}` : ''}`);
    const yaml = await response.text();
    if (options.output) writeFileSync(options.output, yaml);
    else process.stdout.write(yaml.endsWith('\n') ? yaml : `${yaml}\n`);
  });

// ---- nearmiss ---------------------------------------------------------------------------
program
  .command('nearmiss')
  .description('near misses')
  .command('report')
  .description('report a near miss by hand')
  .requiredOption('--title <title>', 'short title')
  .requiredOption('--what <markdown>', 'what happened')
  .requiredOption('--how <text>', 'how it was discovered')
  .addOption(new Option('--stopped-by <who>', 'what stopped it').choices(['automation', 'human', 'luck']).makeOptionMandatory())
  .requiredOption('--worst <text>', 'the worst plausible outcome')
  .addOption(
    new Option('--likelihood <level>', 'how likely it recurs').choices(['rare', 'unlikely', 'possible', 'likely', 'almost_certain']).makeOptionMandatory(),
  )
  .option('--reporter <name>', 'who found it (or --anonymous)')
  .option('--anonymous', 'report without a name')
  .option('--factor <text>', 'contributing factor (repeatable)', collect)
  .option('--component <id>', 'component involved')
  .option('--slo <id>', 'SLO involved')
  .action(async (options: Record<string, unknown>) => {
    const created = await callJson('POST', '/api/v1/near-misses', {
      title: options['title'],
      whatHappened: options['what'],
      discoveredHow: options['how'],
      stoppedBy: options['stoppedBy'],
      worstOutcome: options['worst'],
      recurrenceLikelihood: options['likelihood'],
      ...(options['anonymous'] ? { anonymous: true } : { reporter: options['reporter'] }),
      ...(options['factor'] ? { contributingFactors: options['factor'] } : {}),
      ...(options['component'] ? { componentId: options['component'] } : {}),
      ...(options['slo'] ? { sloId: options['slo'] } : {}),
    });
    print(created, () => `Reported near miss ${cell(created['id'])}`);
  });

// ---- change -----------------------------------------------------------------------------
program
  .command('change')
  .description('deploys and config changes')
  .command('mark')
  .description('record a deploy or config change (for correlation)')
  .requiredOption('--service <name>', 'service changed')
  .option('--version <version>', 'version deployed')
  .addOption(new Option('--kind <kind>', 'kind').choices(['deploy', 'config']).default('deploy'))
  .option('--at <iso>', 'when (default now)')
  .option('--author <name>', 'who')
  .option('--link <url>', 'pipeline or PR link')
  .option('--description <text>', 'what changed')
  .option('--id <uuid>', 'client-made id so a retried step records it once')
  .action(async (options: Record<string, string | undefined>) => {
    const fields = ['service', 'version', 'kind', 'at', 'author', 'link', 'description', 'id'] as const;
    const body = Object.fromEntries(fields.flatMap((field) => (options[field] ? [[field, options[field]]] : [])));
    const created = await callJson('POST', '/api/v1/changes', body);
    print(created, () => table([created], [['id', 'ID'], ['service', 'SERVICE'], ['kind', 'KIND'], ['version', 'VERSION'], ['at', 'AT']]));
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`headroom: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`headroom: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
