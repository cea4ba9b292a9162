import { z } from 'zod';
import { parseDuration } from './lib/duration.ts';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 35d, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .default('file:data/headroom.db')
    .refine((url) => /^(file:|libsql:\/\/|https?:\/\/|wss?:\/\/)/.test(url), {
      message: 'expected a file:, libsql://, http(s):// or ws(s):// URL',
    }),
  DATABASE_AUTH_TOKEN: z.string().min(1).optional(),
  HEADROOM_CONFIG: z.string().min(1).default('headroom.config.yaml'),
  HEADROOM_ADMIN_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters so it cannot be guessed')
    .optional(),
  /** Where the embedded database, built site and offline mail live. */
  HEADROOM_DATA_DIR: z.string().min(1).default('data'),
  /** The URL readers use to reach this instance (links in emails and feeds). */
  PUBLIC_URL: z.url().optional(),
  SMTP_URL: z.string().min(1).optional(),
  /** Results older than this are refused at ingest. */
  BACKFILL_HORIZON: duration('35d'),
  /** Turn the built-in prober off when separate regional agents do the probing. */
  HEADROOM_PROBER: z.enum(['on', 'off']).default('on'),
  /** The region the built-in prober probes from: it runs the monitors whose `regions` include it. */
  HEADROOM_REGION: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'expected a region key of lowercase letters, digits, ".", "_" or "-"')
    .default('local'),
  /** Comma-separated addresses, networks, host names webhooks may reach although private (e.g. `10.0.0.0/8,hooks.internal`). */
  HEADROOM_OUTBOUND_ALLOW: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((entry) => entry.trim()).filter(Boolean)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Requests per minute: public reads per client address, subscriptions per address, writes per token. */
  RATE_LIMIT_PUBLIC_READS: z.coerce.number().int().positive().default(1200),
  RATE_LIMIT_SUBSCRIBE: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_TOKEN_WRITES: z.coerce.number().int().positive().default(6000),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Reads the environment once and fails fast, naming each bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const blankToUndefined = Object.fromEntries(
    Object.entries(source).map(([key, value]) => [key, value === '' ? undefined : value]),
  );
  const parsed = envSchema.safeParse(blankToUndefined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new EnvError(`Invalid environment:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
