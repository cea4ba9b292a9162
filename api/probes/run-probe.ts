import type { z } from 'zod';
import { probeDns } from './dns.ts';
import { probeHttp } from './http.ts';
import { dnsSettingsSchema, httpSettingsSchema, tcpSettingsSchema, tlsSettingsSchema } from './settings.ts';
import { probeTcp } from './tcp.ts';
import { probeTls } from './tls.ts';
import type { ProbeOutcome, ProbeTarget } from './types.ts';

function parse<S extends z.ZodType>(schema: S, settings: Record<string, unknown>): z.infer<S> | string {
  const parsed = schema.safeParse(settings);
  if (parsed.success) return parsed.data;
  return `invalid monitor settings: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`;
}

const invalid = (error: string): ProbeOutcome => ({ ok: false, latencyMs: 0, error });

/**
 * Runs one probe of any kind, bounded by the monitor's timeout. Heartbeats are pushed by the
 * job itself (`POST /api/v1/heartbeats/:key`), so there is nothing to probe for them.
 */
export async function runProbe(target: ProbeTarget, now: Date): Promise<ProbeOutcome> {
  switch (target.kind) {
    case 'http': {
      const settings = parse(httpSettingsSchema, target.settings);
      return typeof settings === 'string' ? invalid(settings) : probeHttp(settings, target.timeoutMs);
    }
    case 'tcp': {
      const settings = parse(tcpSettingsSchema, target.settings);
      return typeof settings === 'string' ? invalid(settings) : probeTcp(settings, target.timeoutMs);
    }
    case 'dns': {
      const settings = parse(dnsSettingsSchema, target.settings);
      return typeof settings === 'string' ? invalid(settings) : probeDns(settings, target.timeoutMs);
    }
    case 'tls': {
      const settings = parse(tlsSettingsSchema, target.settings);
      return typeof settings === 'string' ? invalid(settings) : probeTls(settings, target.timeoutMs, now);
    }
    case 'heartbeat':
      return invalid('heartbeat monitors are pushed, not probed');
  }
}
