import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Server-side request forgery guard for outgoing webhooks (and anything else Headroom POSTs to a
 * URL someone typed in). A target is refused when its host is, or resolves to, a loopback,
 * private, link-local, shared, multicast or reserved address — unless the operator allow-listed
 * it. The check runs on the *resolved* addresses (every one of them), so a public name that
 * points at 169.254.169.254 or 127.0.0.1 (DNS rebinding) is refused like the literal address.
 */

/** Resolves a host name to every address it has; injectable so tests need no DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

const BLOCKED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (any textual form Node accepts). */
function ipv6Bytes(address: string): number[] {
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string): number[] => {
    if (!part) return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const left = groups(head);
  const right = groups(tail);
  const words = address.includes('::') ? [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right] : left;
  return words.flatMap((word) => [(word >> 8) & 0xff, word & 0xff]);
}

/** The IPv4 address carried inside an IPv4-mapped (::ffff:a.b.c.d), compatible or NAT64 IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const bytes = ipv6Bytes(address);
  if (bytes.length !== 16) return null;
  const prefix = bytes.slice(0, 12);
  const mapped = prefix.slice(0, 10).every((byte) => byte === 0) && prefix[10] === 0xff && prefix[11] === 0xff;
  const compatible = prefix.every((byte) => byte === 0);
  const nat64 = [0x00, 0x64, 0xff, 0x9b].every((byte, index) => prefix[index] === byte) && prefix.slice(4).every((byte) => byte === 0);
  if (!mapped && !compatible && !nat64) return null;
  return bytes.slice(12).join('.');
}

/** True for any address a webhook must not reach without an explicit allow-list entry. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const unzoned = address.replace(/%.*$/, '');
    const inner = embeddedIpv4(unzoned);
    if (inner !== null && inner !== '0.0.0.0' && inner !== '0.0.0.1') return BLOCKED.check(inner, 'ipv4');
    return BLOCKED.check(unzoned, 'ipv6');
  }
  // Not an address at all: refuse rather than guess.
  return true;
}

interface AllowList {
  hosts: Set<string>;
  suffixes: string[];
  networks: BlockList;
}

/**
 * Allow-list entries: an address (`127.0.0.1`, `::1`), a network (`10.1.0.0/16`), a host name
 * (`hooks.internal`) or a wildcard (`*.corp.example`). Names match the URL as written; addresses
 * and networks match what it resolves to.
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  const list: AllowList = { hosts: new Set(), suffixes: [], networks: new BlockList() };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (!entry) continue;
    const [network = '', prefixText] = entry.split('/');
    const family = isIP(network);
    if (family) {
      const bits = family === 4 ? 32 : 128;
      const prefix = prefixText === undefined ? bits : Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) throw new Error(`bad allow-list network "${raw}"`);
      list.networks.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (entry.startsWith('*.')) {
      list.suffixes.push(entry.slice(1));
    } else {
      list.hosts.add(entry);
    }
  }
  return list;
}

export type TargetVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Decides whether `url` may be called. Throws when the host cannot be resolved (a transient
 * DNS failure must lead to a retry, not to a dead notice).
 */
export async function checkOutboundTarget(url: string, allow: AllowList, resolve: Resolver = systemResolver): Promise<TargetVerdict> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { allowed: false, reason: 'not a URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { allowed: false, reason: `scheme ${parsed.protocol} is not allowed` };
  if (parsed.username || parsed.password) return { allowed: false, reason: 'credentials in the URL are not allowed' };
  const host = parsed.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (allow.hosts.has(host) || allow.suffixes.some((suffix) => host.endsWith(suffix))) return { allowed: true };
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.length === 0) throw new Error(`${host} has no addresses`);
  for (const address of addresses) {
    const family = isIP(address);
    const listed = family !== 0 && allow.networks.check(address, family === 4 ? 'ipv4' : 'ipv6');
    if (!listed && isPrivateAddress(address)) {
      return { allowed: false, reason: `${host} resolves to ${address}, a private, loopback or link-local address (allow-list it with HEADROOM_OUTBOUND_ALLOW)` };
    }
  }
  return { allowed: true };
}

/** `isAllowedTarget` for the outbox: false for refused targets, throws on DNS failure (retried). */
export function outboundGuard(entries: readonly string[], resolve: Resolver = systemResolver): (url: string) => Promise<boolean> {
  const allow = parseAllowList(entries);
  return async (url) => (await checkOutboundTarget(url, allow, resolve)).allowed;
}
