import { z } from 'zod';

/**
 * Kind-specific monitor settings as stored by the config sync (already validated against the
 * config schema). They are parsed again here because an agent receives them over HTTP, and a
 * probe with settings it cannot use fails with a clear error instead of throwing.
 */
export const httpSettingsSchema = z.object({
  url: z.url(),
  method: z.string().default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expectStatus: z.array(z.number().int()).default([200, 201, 202, 203, 204]),
  keyword: z.string().optional(),
  regex: z.string().optional(),
  followRedirects: z.boolean().default(true),
  maxRedirects: z.number().int().min(0).default(5),
  insecure: z.boolean().default(false),
});
export type HttpSettings = z.infer<typeof httpSettingsSchema>;

export const tcpSettingsSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });
export type TcpSettings = z.infer<typeof tcpSettingsSchema>;

export const dnsSettingsSchema = z.object({
  hostname: z.string().min(1),
  recordType: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'TXT']).default('A'),
  expect: z.string().optional(),
  resolver: z.string().optional(),
});
export type DnsSettings = z.infer<typeof dnsSettingsSchema>;

export const tlsSettingsSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  servername: z.string().optional(),
  minValidity: z.number().int().min(0).default(7 * 86_400_000),
  insecure: z.boolean().default(false),
});
export type TlsSettings = z.infer<typeof tlsSettingsSchema>;
