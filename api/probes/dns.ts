import { Resolver } from 'node:dns/promises';
import type { DnsSettings } from './settings.ts';
import { elapsedSince, errorText, type ProbeOutcome } from './types.ts';

const normalise = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** The answers for one record type, as comparable strings. */
async function lookup(resolver: Resolver, settings: DnsSettings): Promise<string[]> {
  switch (settings.recordType) {
    case 'A':
      return resolver.resolve4(settings.hostname);
    case 'AAAA':
      return resolver.resolve6(settings.hostname);
    case 'CNAME':
      return (await resolver.resolveCname(settings.hostname)).map(normalise);
    case 'MX':
      return (await resolver.resolveMx(settings.hostname)).map((record) => normalise(record.exchange));
    case 'TXT':
      return (await resolver.resolveTxt(settings.hostname)).map((chunks) => chunks.join(''));
  }
}

/**
 * A DNS probe: the name resolves for the record type (through `resolver` when given, else the
 * system's servers), and when `expect` is set one of the answers equals it.
 */
export async function probeDns(settings: DnsSettings, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (settings.resolver) resolver.setServers([settings.resolver]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      resolver.cancel();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const answers = await Promise.race([lookup(resolver, settings), timeout]);
    const latencyMs = elapsedSince(started);
    if (answers.length === 0) return { ok: false, latencyMs, error: `no ${settings.recordType} records` };
    if (settings.expect !== undefined) {
      const wanted = settings.recordType === 'CNAME' || settings.recordType === 'MX' ? normalise(settings.expect) : settings.expect;
      if (!answers.includes(wanted)) {
        return { ok: false, latencyMs, error: `expected ${settings.recordType} "${settings.expect}", got ${answers.map((a) => `"${a}"`).join(', ')}` };
      }
    }
    return { ok: true, latencyMs };
  } catch (error) {
    return { ok: false, latencyMs: elapsedSince(started), error: errorText(error) };
  } finally {
    clearTimeout(timer);
  }
}
