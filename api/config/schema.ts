import { z } from 'zod';
import { BUDGETING_METHODS } from '../../db/schema/slos.ts';
import { parseDuration } from '../lib/duration.ts';
import { alertingConfigSchema, sloEngineConfigSchema } from './alerting.ts';
import { alertmanagerConfigSchema, checkAlertmanagerReferences } from './alertmanager.ts';
import { nearMissConfigSchema } from './near-misses.ts';

/**
 * The shape of headroom.config.yaml. Durations are written as `30s`/`5m`/`28d` (or ISO 8601)
 * and come out as milliseconds. Cross-references (a monitor's component, an SLO's monitors)
 * are checked at the end so that every problem is reported by its path in one go.
 */
export const durationMs = z.string({ error: 'expected a duration like 30s' }).transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `expected a duration like 30s, got "${text}"` });
    return z.NEVER;
  }
  return ms;
});

const key = z
  .string({ error: 'expected a key' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a key of lowercase letters, digits, ".", "_" or "-"');

const regions = z.array(key).min(1).default(['local']);

const monitorBase = {
  key,
  name: z.string().min(1).optional(),
  component: key.optional(),
  interval: durationMs.prefault('60s'),
  timeout: durationMs.prefault('10s'),
  regions,
  /** Consecutive failures before a region calls the monitor down. */
  downAfter: z.number().int().min(1).max(100).default(3),
  /** Consecutive successes before a down monitor is up again. */
  upAfter: z.number().int().min(1).max(100).default(2),
  /** Latency above this makes the monitor degraded. */
  degradedLatency: durationMs.optional(),
};

const httpMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).default([200, 201, 202, 203, 204]),
  keyword: z.string().min(1).optional(),
  regex: z
    .string()
    .min(1)
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid regular expression')
    .optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).max(20).default(5),
  /** Accept self-signed certificates (expiry is still recorded). */
  insecure: z.boolean().default(false),
});

const hostPort = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
};

const tcpMonitor = z.strictObject({ ...monitorBase, kind: z.literal('tcp'), ...hostPort });

const dnsMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal('dns'),
  hostname: z.string().min(1),
  recordType: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT']).default('A'),
  expect: z.string().min(1).optional(),
  /** Resolver to ask (host or host:port); the system resolver when absent. */
  resolver: z.string().min(1).optional(),
});

const tlsMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal('tls'),
  ...hostPort,
  servername: z.string().min(1).optional(),
  /** Fail when the certificate expires sooner than this. */
  minValidity: durationMs.prefault('7d'),
  insecure: z.boolean().default(false),
});

const heartbeatMonitor = z.strictObject({
  ...monitorBase,
  kind: z.literal('heartbeat'),
  /** How late a beat may be, on top of the interval, before it counts as missed. */
  grace: durationMs.prefault('60s'),
});

export const monitorSchema = z.discriminatedUnion('kind', [httpMonitor, tcpMonitor, dnsMonitor, tlsMonitor, heartbeatMonitor], {
  error: 'expected kind to be one of http, tcp, dns, tls, heartbeat',
});
export type MonitorConfig = z.infer<typeof monitorSchema>;

const groupSchema = z.strictObject({
  key,
  name: z.string().min(1),
  description: z.string().optional(),
});

const componentSchema = z.strictObject({
  key,
  name: z.string().min(1),
  description: z.string().optional(),
  group: key.optional(),
  /** Share of regions that must agree before the component's status changes. */
  quorum: z.number().gt(0).max(1).default(0.5),
  autoIncident: z.boolean().default(false),
  runbook: z.url().optional(),
  public: z.boolean().default(true),
});
export type ComponentConfig = z.infer<typeof componentSchema>;

const sliSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('availability'), monitors: z.array(key).min(1) }),
    z.strictObject({ kind: z.literal('latency'), monitors: z.array(key).min(1), threshold: durationMs }),
    z.strictObject({ kind: z.literal('events') }),
    z
      .strictObject({
        kind: z.literal('prometheus'),
        url: z.url(),
        good: z.string().min(1).optional(),
        bad: z.string().min(1).optional(),
        total: z.string().min(1),
      })
      .refine((sli) => (sli.good === undefined) !== (sli.bad === undefined), {
        message: 'give exactly one of good or bad, with total',
      }),
  ],
  { error: 'expected sli.kind to be one of availability, latency, events, prometheus' },
);

const alertRuleSchema = z.strictObject({
  name: z.string().min(1),
  severity: z.enum(['page', 'ticket']),
  longWindow: durationMs,
  shortWindow: durationMs,
  burnRate: z.number().positive(),
});

/** Time-slice fields an SLO entry needs for its budgeting method; shared with the SLO API's body. */
export function refineSloEntry(
  slo: { budgetingMethod: (typeof BUDGETING_METHODS)[number]; timeSliceTarget?: number | undefined; timeSliceWindow?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (slo.budgetingMethod !== 'Occurrences' && slo.timeSliceWindow === undefined) {
    ctx.addIssue({ code: 'custom', path: ['timeSliceWindow'], message: `required for ${slo.budgetingMethod}` });
  }
  if (slo.budgetingMethod === 'Timeslices' && slo.timeSliceTarget === undefined) {
    ctx.addIssue({ code: 'custom', path: ['timeSliceTarget'], message: 'required for Timeslices' });
  }
}

/** One `slos:` entry. `POST /api/v1/slos` takes the same shape as JSON (api/routes/slos/schemas.ts). */
export const sloSchema = z
  .strictObject({
    key,
    name: z.string().min(1),
    description: z.string().optional(),
    service: z.string().min(1),
    component: key.optional(),
    sli: sliSchema,
    target: z.number().gt(0, 'expected a target between 0 and 1, e.g. 0.999').lt(1, 'expected a target between 0 and 1, e.g. 0.999'),
    window: z.union([z.enum(['month', 'quarter']), durationMs.transform((ms) => ({ rollingMs: ms }))], {
      error: 'expected a rolling window like 30d, or month or quarter',
    }),
    timeZone: z
      .string()
      .default('UTC')
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'expected an IANA time zone like Europe/Berlin'),
    budgetingMethod: z.enum(BUDGETING_METHODS).default('Occurrences'),
    timeSliceTarget: z.number().gt(0).max(1).optional(),
    timeSliceWindow: durationMs.optional(),
    excludeMaintenance: z.boolean().default(true),
    alerts: z.array(alertRuleSchema).optional(),
    policy: z.strictObject({ text: z.string().min(1), freezeReleases: z.boolean().default(true) }).optional(),
    public: z.boolean().default(false),
  })
  .superRefine(refineSloEntry);
export type SloConfig = z.infer<typeof sloSchema>;

const pageSchema = z.strictObject({
  name: z.string().min(1).default('Headroom'),
  url: z.url().optional(),
  timeZone: z.string().default('UTC'),
  /** Data older than this is shown as stale, never as operational. */
  staleAfter: durationMs.prefault('10m'),
});

export const configSchema = z
  .strictObject({
    page: pageSchema.prefault({}),
    groups: z.array(groupSchema).default([]),
    components: z.array(componentSchema).default([]),
    monitors: z.array(monitorSchema).default([]),
    slos: z.array(sloSchema).default([]),
    alertmanager: alertmanagerConfigSchema,
    nearMisses: nearMissConfigSchema.prefault({}),
    alerting: alertingConfigSchema.prefault({}),
    sloEngine: sloEngineConfigSchema.prefault({}),
  })
  .superRefine(
    (config, ctx) => {
      // Runs even when fields above failed (see `when`), so every problem is listed at once; on
      // data too broken to cross-check, the structural issues already say what is wrong.
      try {
          const groupKeys = uniqueKeys(config.groups, 'groups', ctx);
          const componentKeys = uniqueKeys(config.components, 'components', ctx);
          const monitorKeys = uniqueKeys(config.monitors, 'monitors', ctx);
          uniqueKeys(config.slos, 'slos', ctx);
          checkAlertmanagerReferences(config.alertmanager, componentKeys, ctx);
          config.components.forEach((component, index) => {
            if (component.group && !groupKeys.has(component.group)) {
              ctx.addIssue({ code: 'custom', path: ['components', index, 'group'], message: `unknown group "${component.group}"` });
            }
          });
          config.monitors.forEach((monitor, index) => {
            if (monitor.component && !componentKeys.has(monitor.component)) {
              ctx.addIssue({ code: 'custom', path: ['monitors', index, 'component'], message: `unknown component "${monitor.component}"` });
            }
            if (monitor.timeout > monitor.interval) {
              ctx.addIssue({ code: 'custom', path: ['monitors', index, 'timeout'], message: 'must not be longer than the interval' });
            }
          });
          config.slos.forEach((slo, index) => {
            if (slo.component && !componentKeys.has(slo.component)) {
              ctx.addIssue({ code: 'custom', path: ['slos', index, 'component'], message: `unknown component "${slo.component}"` });
            }
            if (slo.sli.kind === 'availability' || slo.sli.kind === 'latency') {
              slo.sli.monitors.forEach((monitorKey, monitorIndex) => {
                if (!monitorKeys.has(monitorKey)) {
                  ctx.addIssue({
                    code: 'custom',
                    path: ['slos', index, 'sli', 'monitors', monitorIndex],
                    message: `unknown monitor "${monitorKey}"`,
                  });
                }
              });
            }
          });
      } catch {
        return;
      }
    },
    { when: () => true },
  );

function uniqueKeys(entries: readonly { key: string }[], section: string, ctx: z.RefinementCtx): Set<string> {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.key)) {
      ctx.addIssue({ code: 'custom', path: [section, index, 'key'], message: `duplicate key "${entry.key}"` });
    }
    seen.add(entry.key);
  });
  return seen;
}

export type HeadroomConfig = z.infer<typeof configSchema>;
export type HeadroomConfigInput = z.input<typeof configSchema>;
