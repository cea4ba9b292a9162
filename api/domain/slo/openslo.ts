import { parseAllDocuments, stringify } from 'yaml';
import type { BudgetingMethod, ErrorBudgetPolicy, SliDefinition, SliKind, slos } from '../../../db/schema/slos.ts';
import { BUDGETING_METHODS } from '../../../db/schema/slos.ts';
import { parseDuration } from '../../lib/duration.ts';
import type { ProblemIssue } from '../../lib/errors.ts';
import { formatWindow } from './alerts.ts';

/**
 * OpenSLO v1 (https://github.com/OpenSLO/OpenSLO) import and export. An `SLO` with an inline
 * `indicator` or an `indicatorRef` to an `SLI` document, a `ratioMetric`, one `timeWindow`,
 * a `budgetingMethod` and one objective maps to one Headroom SLO. Headroom's own SLI kinds
 * (availability, latency from probes; pushed events) travel as metric sources of type
 * `Headroom`; Prometheus sources as type `Prometheus` with `spec.query` (and `spec.url`).
 * Anything we could not represent faithfully is refused, naming the field.
 */

/** What an import writes to the `slos` table (origin api). */
export type SloDefinition = Omit<typeof slos.$inferInsert, 'createdAt' | 'updatedAt' | 'archivedAt' | 'origin'>;

export class OpenSloError extends Error {
  readonly issues: ProblemIssue[];
  readonly unsupported: boolean;
  constructor(issues: ProblemIssue[], unsupported: boolean) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.issues = issues;
    this.unsupported = unsupported;
  }
}

type Obj = Record<string, unknown>;
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const KEY = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const ANNOTATION = 'headroom.dev/';

class Reader {
  issues: ProblemIssue[] = [];
  unsupported = false;
  constructor(readonly prefix: string) {}
  fail(path: string, message: string, code = 'invalid'): void {
    this.issues.push({ path: `${this.prefix}${path}`, message, code });
  }
  refuse(path: string, message: string): void {
    this.unsupported = true;
    this.fail(path, message, 'unsupported');
  }
  /** Fields we know but cannot represent are refused by name. */
  only(value: Obj, path: string, allowed: readonly string[]): void {
    for (const field of Object.keys(value)) {
      if (!allowed.includes(field)) this.refuse(`${path}.${field}`, `unsupported OpenSLO field "${field}"`);
    }
  }
  str(value: Obj, field: string, path: string, required = true): string | undefined {
    const found = value[field];
    if (typeof found === 'string' && found.length > 0) return found;
    if (found !== undefined || required) this.fail(`${path}.${field}`, 'expected a non-empty string');
    return undefined;
  }
  obj(value: Obj, field: string, path: string, required = true): Obj | undefined {
    const found = value[field];
    if (isObj(found)) return found;
    if (found !== undefined || required) this.fail(`${path}.${field}`, 'expected a mapping');
    return undefined;
  }
}

/** OpenSLO durations: `{n}{s|m|h|d|w|M|Q|Y}`. */
function rollingMs(duration: string): number | null {
  if (!/^\d+[smhdw]$/.test(duration)) return null;
  return parseDuration(duration);
}

interface SliSpec {
  kind: SliKind;
  sli: SliDefinition;
}

function readSource(reader: Reader, metric: Obj, path: string): { type: string; spec: Obj } | null {
  reader.only(metric, path, ['metricSource']);
  const source = reader.obj(metric, 'metricSource', path);
  if (!source) return null;
  const sourcePath = `${path}.metricSource`;
  if (source['metricSourceRef'] !== undefined) reader.refuse(`${sourcePath}.metricSourceRef`, 'referenced data sources are not supported; give type and spec inline');
  reader.only(source, sourcePath, ['type', 'spec', 'metricSourceRef']);
  const type = reader.str(source, 'type', sourcePath);
  const spec = reader.obj(source, 'spec', sourcePath);
  return type && spec ? { type: type.toLowerCase(), spec } : null;
}

function readIndicator(reader: Reader, indicator: Obj, path: string): SliSpec | null {
  reader.only(indicator, path, ['metadata', 'spec']);
  const spec = reader.obj(indicator, 'spec', path);
  if (!spec) return null;
  const specPath = `${path}.spec`;
  if (spec['thresholdMetric'] !== undefined) {
    reader.refuse(`${specPath}.thresholdMetric`, 'threshold metrics are not supported; use a ratioMetric of good (or bad) and total');
    return null;
  }
  reader.only(spec, specPath, ['description', 'ratioMetric']);
  const ratio = reader.obj(spec, 'ratioMetric', specPath);
  if (!ratio) return null;
  const ratioPath = `${specPath}.ratioMetric`;
  if (ratio['raw'] !== undefined || ratio['rawType'] !== undefined) {
    reader.refuse(`${ratioPath}.${ratio['raw'] !== undefined ? 'raw' : 'rawType'}`, 'precomputed raw ratios are not supported; give good (or bad) and total');
  }
  reader.only(ratio, ratioPath, ['counter', 'good', 'bad', 'total', 'raw', 'rawType']);
  const total = reader.obj(ratio, 'total', ratioPath);
  const good = reader.obj(ratio, 'good', ratioPath, false);
  const bad = reader.obj(ratio, 'bad', ratioPath, false);
  if ((good === undefined) === (bad === undefined)) reader.fail(ratioPath, 'give exactly one of good or bad, with total');
  if (!total) return null;
  const totalSource = readSource(reader, total, `${ratioPath}.total`);
  const partName = good ? 'good' : 'bad';
  const part = good ?? bad;
  const partSource = part ? readSource(reader, part, `${ratioPath}.${partName}`) : null;
  if (!totalSource || !partSource) return null;
  if (totalSource.type !== partSource.type) {
    reader.refuse(`${ratioPath}.${partName}.metricSource.type`, 'good/bad and total must come from the same kind of source');
    return null;
  }
  if (totalSource.type === 'prometheus') {
    if (ratio['counter'] === false) reader.refuse(`${ratioPath}.counter`, 'Prometheus SLIs are read as counters (counter: true)');
    const url = typeof totalSource.spec['url'] === 'string' ? totalSource.spec['url'] : partSource.spec['url'];
    const totalQuery = totalSource.spec['query'];
    const partQuery = partSource.spec['query'];
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) reader.fail(`${ratioPath}.total.metricSource.spec.url`, 'expected the Prometheus server URL (http:// or https://)');
    if (typeof totalQuery !== 'string') reader.fail(`${ratioPath}.total.metricSource.spec.query`, 'expected a PromQL query');
    if (typeof partQuery !== 'string') reader.fail(`${ratioPath}.${partName}.metricSource.spec.query`, 'expected a PromQL query');
    if (typeof url !== 'string' || typeof totalQuery !== 'string' || typeof partQuery !== 'string') return null;
    return { kind: 'prometheus', sli: { prometheus: { url, total: totalQuery, ...(good ? { good: partQuery } : { bad: partQuery }) } } };
  }
  if (totalSource.type === 'headroom') {
    const spec = totalSource.spec;
    const kind = spec['sli'];
    const monitors = spec['monitors'];
    if (kind === 'events') return { kind: 'events', sli: {} };
    if (kind !== 'availability' && kind !== 'latency') {
      reader.fail(`${ratioPath}.total.metricSource.spec.sli`, 'expected availability, latency or events');
      return null;
    }
    if (!Array.isArray(monitors) || monitors.length === 0 || !monitors.every((m) => typeof m === 'string')) {
      reader.fail(`${ratioPath}.total.metricSource.spec.monitors`, 'expected a list of monitor keys');
      return null;
    }
    if (kind === 'availability') return { kind, sli: { monitors: monitors as string[] } };
    const threshold = typeof spec['threshold'] === 'string' ? parseDuration(spec['threshold']) : null;
    if (threshold === null) {
      reader.fail(`${ratioPath}.total.metricSource.spec.threshold`, 'expected a latency threshold like 300ms');
      return null;
    }
    return { kind, sli: { monitors: monitors as string[], latencyThresholdMs: threshold } };
  }
  reader.refuse(`${ratioPath}.total.metricSource.type`, `metric source type "${totalSource.type}" is not supported (Prometheus or Headroom)`);
  return null;
}

/**
 * Parses one or more OpenSLO v1 YAML documents. Throws OpenSloError listing every problem by
 * path (`documents[1].spec.alertPolicies`) when any document cannot be represented.
 */
export function parseOpenSlo(text: string): SloDefinition[] {
  const documents = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  const issues: ProblemIssue[] = [];
  let unsupported = false;
  const values: Obj[] = [];
  list.forEach((document, index) => {
    if (document.errors.length > 0) {
      issues.push({ path: `documents[${index}]`, message: document.errors[0]?.message.split('\n')[0] ?? 'invalid YAML', code: 'yaml' });
      return;
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    if (!isObj(value)) issues.push({ path: `documents[${index}]`, message: 'expected an OpenSLO document (a mapping)', code: 'invalid' });
    else values.push({ ...value, __index: index });
  });
  if (issues.length > 0) throw new OpenSloError(issues, false);

  const indicators = new Map<string, { value: Obj; index: number }>();
  for (const value of values) {
    const metadata = value['metadata'];
    if (value['kind'] === 'SLI' && isObj(metadata) && typeof metadata['name'] === 'string') {
      indicators.set(metadata['name'], { value, index: Number(value['__index']) });
    }
  }
  const definitions: SloDefinition[] = [];
  for (const value of values) {
    const index = Number(value['__index']);
    const reader = new Reader(`documents[${index}].`);
    const { __index: _ignored, ...doc } = value;
    if (doc['apiVersion'] !== 'openslo/v1') reader.refuse('apiVersion', `expected openslo/v1, got ${JSON.stringify(doc['apiVersion'])}`);
    const kind = doc['kind'];
    if (kind === 'SLI' || kind === 'Service') {
      // SLIs are read through the SLOs that reference them; a service is just a name to us.
    } else if (kind !== 'SLO') {
      reader.refuse('kind', `OpenSLO kind ${JSON.stringify(kind)} is not supported (SLO, SLI, Service)`);
    } else {
      const definition = readSlo(reader, doc, indicators);
      if (definition) definitions.push(definition);
    }
    issues.push(...reader.issues);
    unsupported ||= reader.unsupported;
  }
  if (issues.length > 0) throw new OpenSloError(issues, unsupported);
  if (definitions.length === 0) throw new OpenSloError([{ path: '(root)', message: 'no SLO documents found', code: 'invalid' }], false);
  return definitions;
}

function readSlo(reader: Reader, doc: Obj, indicators: Map<string, { value: Obj; index: number }>): SloDefinition | null {
  reader.only(doc, '', ['apiVersion', 'kind', 'metadata', 'spec']);
  const metadata = reader.obj(doc, 'metadata', '') ?? {};
  const name = reader.str(metadata, 'name', 'metadata');
  if (name && !KEY.test(name)) reader.fail('metadata.name', 'expected lowercase letters, digits, ".", "_" or "-"');
  const annotations = isObj(metadata['annotations']) ? metadata['annotations'] : {};
  const spec = reader.obj(doc, 'spec', '');
  if (!spec) return null;
  reader.only(spec, 'spec', ['description', 'service', 'indicator', 'indicatorRef', 'timeWindow', 'budgetingMethod', 'objectives', 'alertPolicies']);
  if (Array.isArray(spec['alertPolicies']) && spec['alertPolicies'].length > 0) {
    reader.refuse('spec.alertPolicies', 'OpenSLO alert policies are not supported; Headroom uses multi-window burn-rate rules (alerts in headroom.config.yaml)');
  }
  const service = reader.str(spec, 'service', 'spec');

  let sli: SliSpec | null = null;
  const inline = reader.obj(spec, 'indicator', 'spec', false);
  const ref = spec['indicatorRef'];
  if (inline) sli = readIndicator(reader, inline, 'spec.indicator');
  else if (typeof ref === 'string') {
    const found = indicators.get(ref);
    if (!found) reader.fail('spec.indicatorRef', `no SLI document named "${ref}"`);
    else sli = readIndicator(new ReaderProxy(reader, `documents[${found.index}].`), { metadata: found.value['metadata'], spec: found.value['spec'] }, '');
  } else reader.fail('spec', 'give indicator (inline SLI) or indicatorRef');

  const windows = spec['timeWindow'];
  let window: { window: string; timeZone: string } | null = null;
  if (!Array.isArray(windows) || windows.length === 0) reader.fail('spec.timeWindow', 'expected one time window');
  else {
    if (windows.length > 1) reader.refuse('spec.timeWindow[1]', 'only one time window per SLO is supported');
    const first: unknown = windows[0];
    if (!isObj(first)) reader.fail('spec.timeWindow[0]', 'expected a mapping');
    else window = readWindow(reader, first);
  }

  const method = spec['budgetingMethod'] ?? 'Occurrences';
  if (typeof method !== 'string' || !(BUDGETING_METHODS as readonly string[]).includes(method)) {
    reader.fail('spec.budgetingMethod', `expected one of ${BUDGETING_METHODS.join(', ')}`);
  }
  const objectives = spec['objectives'];
  let objective: { target: number; timeSliceTarget: number | null; timeSliceWindowMs: number | null } | null = null;
  if (!Array.isArray(objectives) || objectives.length === 0) reader.fail('spec.objectives', 'expected one objective');
  else {
    if (objectives.length > 1) reader.refuse('spec.objectives[1]', 'only one objective per SLO is supported');
    const first: unknown = objectives[0];
    if (!isObj(first)) reader.fail('spec.objectives[0]', 'expected a mapping');
    else objective = readObjective(reader, first, method as BudgetingMethod);
  }
  if (!name || !service || !sli || !window || !objective || reader.issues.length > 0) return null;
  const policyText = annotations[`${ANNOTATION}policy`];
  const policy: ErrorBudgetPolicy | null =
    typeof policyText === 'string'
      ? { text: policyText, freezeReleases: annotations[`${ANNOTATION}freeze-releases`] !== 'false' }
      : null;
  const component = annotations[`${ANNOTATION}component`];
  return {
    id: name,
    name: typeof metadata['displayName'] === 'string' ? metadata['displayName'] : name,
    description: typeof spec['description'] === 'string' ? spec['description'] : null,
    service,
    componentId: typeof component === 'string' ? component : null,
    sliKind: sli.kind,
    sli: sli.sli,
    target: objective.target,
    window: window.window,
    timeZone: window.timeZone,
    budgetingMethod: method as BudgetingMethod,
    timeSliceTarget: objective.timeSliceTarget,
    timeSliceWindowMs: objective.timeSliceWindowMs,
    excludeMaintenance: annotations[`${ANNOTATION}exclude-maintenance`] !== 'false',
    alertRules: null,
    policy,
    public: annotations[`${ANNOTATION}public`] === 'true',
  };
}

/** Reports an SLI document's problems under its own document index. */
class ReaderProxy extends Reader {
  constructor(readonly parent: Reader, prefix: string) {
    super(prefix);
  }
  override fail(path: string, message: string, code = 'invalid'): void {
    this.parent.issues.push({ path: `${this.prefix}${path.replace(/^\./, '')}`, message, code });
  }
  override refuse(path: string, message: string): void {
    this.parent.unsupported = true;
    this.fail(path, message, 'unsupported');
  }
}

function readWindow(reader: Reader, window: Obj): { window: string; timeZone: string } | null {
  reader.only(window, 'spec.timeWindow[0]', ['duration', 'isRolling', 'calendar']);
  const duration = reader.str(window, 'duration', 'spec.timeWindow[0]');
  if (!duration) return null;
  if (window['isRolling'] === false || window['calendar'] !== undefined) {
    const calendar = isObj(window['calendar']) ? window['calendar'] : {};
    const timeZone = typeof calendar['timeZone'] === 'string' ? calendar['timeZone'] : 'UTC';
    try {
      new Intl.DateTimeFormat('en', { timeZone });
    } catch {
      reader.fail('spec.timeWindow[0].calendar.timeZone', `unknown time zone "${timeZone}"`);
      return null;
    }
    if (duration === '1M') return { window: 'month', timeZone };
    if (duration === '1Q') return { window: 'quarter', timeZone };
    reader.refuse('spec.timeWindow[0].duration', `calendar windows of ${duration} are not supported (1M or 1Q)`);
    return null;
  }
  const ms = rollingMs(duration);
  if (ms === null) {
    reader.refuse('spec.timeWindow[0].duration', `rolling window "${duration}" is not supported (use s, m, h, d or w)`);
    return null;
  }
  return { window: formatWindow(ms), timeZone: 'UTC' };
}

function readObjective(
  reader: Reader,
  objective: Obj,
  method: BudgetingMethod,
): { target: number; timeSliceTarget: number | null; timeSliceWindowMs: number | null } | null {
  const path = 'spec.objectives[0]';
  for (const field of ['op', 'value', 'indicator', 'indicatorRef', 'compositeWeight']) {
    if (objective[field] !== undefined) reader.refuse(`${path}.${field}`, `unsupported OpenSLO field "${field}" (threshold and composite objectives)`);
  }
  reader.only(objective, path, ['displayName', 'target', 'targetPercent', 'timeSliceTarget', 'timeSliceWindow', 'op', 'value', 'indicator', 'indicatorRef', 'compositeWeight']);
  const raw = objective['target'] ?? (typeof objective['targetPercent'] === 'number' ? objective['targetPercent'] / 100 : undefined);
  if (typeof raw !== 'number' || !(raw > 0 && raw < 1)) {
    reader.fail(`${path}.target`, 'expected a target between 0 and 1, e.g. 0.999');
    return null;
  }
  let timeSliceTarget: number | null = null;
  let timeSliceWindowMs: number | null = null;
  if (method !== 'Occurrences') {
    const sliceWindow = objective['timeSliceWindow'];
    const ms = typeof sliceWindow === 'string' ? parseDuration(sliceWindow) : typeof sliceWindow === 'number' ? sliceWindow * 1000 : null;
    if (ms === null || ms < 60_000 || ms % 60_000 !== 0) reader.fail(`${path}.timeSliceWindow`, `required for ${method}: a whole number of minutes like 5m`);
    else timeSliceWindowMs = ms;
    const sliceTarget = objective['timeSliceTarget'];
    if (method === 'Timeslices') {
      if (typeof sliceTarget !== 'number' || !(sliceTarget > 0 && sliceTarget <= 1)) reader.fail(`${path}.timeSliceTarget`, 'required for Timeslices: a ratio in (0, 1]');
      else timeSliceTarget = sliceTarget;
    }
  }
  return { target: raw, timeSliceTarget, timeSliceWindowMs };
}

type SloRecord = typeof slos.$inferSelect;

function metricSource(slo: SloRecord, select: 'good' | 'bad' | 'total'): Obj {
  if (slo.sliKind === 'prometheus' && slo.sli.prometheus) {
    const p = slo.sli.prometheus;
    const query = select === 'total' ? p.total : select === 'good' ? p.good : p.bad;
    return { metricSource: { type: 'Prometheus', spec: { url: p.url, query } } };
  }
  const spec: Obj = { sli: slo.sliKind, select };
  if (slo.sli.monitors) spec['monitors'] = slo.sli.monitors;
  if (slo.sli.latencyThresholdMs !== undefined) spec['threshold'] = formatWindow(slo.sli.latencyThresholdMs);
  return { metricSource: { type: 'Headroom', spec } };
}

/** One OpenSLO v1 `SLO` document per SLO, with an inline SLI; parseOpenSlo reads it back. */
export function toOpenSlo(rows: readonly SloRecord[]): string {
  return rows
    .map((slo) => {
      const annotations: Record<string, string> = {};
      if (slo.componentId) annotations[`${ANNOTATION}component`] = slo.componentId;
      if (!slo.excludeMaintenance) annotations[`${ANNOTATION}exclude-maintenance`] = 'false';
      if (slo.public) annotations[`${ANNOTATION}public`] = 'true';
      if (slo.policy) {
        annotations[`${ANNOTATION}policy`] = slo.policy.text;
        annotations[`${ANNOTATION}freeze-releases`] = String(slo.policy.freezeReleases);
      }
      const partName = slo.sliKind === 'prometheus' && slo.sli.prometheus?.bad !== undefined ? 'bad' : 'good';
      const calendar = slo.window === 'month' || slo.window === 'quarter';
      const objective: Obj = { displayName: slo.name, target: slo.target };
      if (slo.budgetingMethod !== 'Occurrences' && slo.timeSliceWindowMs !== null) objective['timeSliceWindow'] = formatWindow(slo.timeSliceWindowMs);
      if (slo.budgetingMethod === 'Timeslices' && slo.timeSliceTarget !== null) objective['timeSliceTarget'] = slo.timeSliceTarget;
      const document = {
        apiVersion: 'openslo/v1',
        kind: 'SLO',
        metadata: { name: slo.id, displayName: slo.name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
        spec: {
          ...(slo.description ? { description: slo.description } : {}),
          service: slo.service,
          indicator: {
            metadata: { name: `${slo.id}-sli` },
            spec: { ratioMetric: { counter: true, [partName]: metricSource(slo, partName), total: metricSource(slo, 'total') } },
          },
          timeWindow: [
            calendar
              ? { duration: slo.window === 'month' ? '1M' : '1Q', isRolling: false, calendar: { startTime: '2020-01-01 00:00:00', timeZone: slo.timeZone } }
              : { duration: formatWindow(parseDuration(slo.window) ?? 0), isRolling: true },
          ],
          budgetingMethod: slo.budgetingMethod,
          objectives: [objective],
        },
      };
      return stringify(document, { lineWidth: 0 });
    })
    .join('---\n');
}
