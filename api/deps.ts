import type { Database } from '../db/client.ts';
import type { HeadroomConfig } from './config/schema.ts';
import type { Clock } from './lib/clock.ts';
import type { AppEvents } from './lib/events.ts';
import type { Logger } from './lib/logger.ts';
import { defaultRateLimits, type RateLimits } from './lib/rate-limit.ts';

/** Settings the running app needs beyond the config file (most come from the environment). */
export interface AppSettings {
  /** Results older than this are refused at ingest. */
  backfillHorizonMs: number;
  /** Largest request body accepted, in bytes (ingest batches of 5,000 results fit). */
  bodyLimitBytes: number;
  /** The URL readers use to reach this instance (links in emails and feeds). */
  publicUrl: string;
  /** Folder for the embedded database, built site and offline mail. */
  dataDir: string;
  /** Requests per minute for public reads, subscriptions and token writes. */
  rateLimits: RateLimits;
  /** SMTP server for email notices; without it mail is written as `.eml` files under `<dataDir>/mail/`. */
  smtpUrl?: string | undefined;
  /** The built-in prober's region (`HEADROOM_REGION`) and whether it runs (`HEADROOM_PROBER`). */
  probeRegion?: string | undefined;
  proberEnabled?: boolean | undefined;
  /** Where this process's own API answers (loopback), for the site build; publicUrl when absent. */
  apiUrl?: string | undefined;
  /**
   * Outgoing webhooks may reach private, loopback and link-local addresses only when listed here
   * (`HEADROOM_OUTBOUND_ALLOW`: addresses, CIDR networks, host names, `*.suffix`).
   */
  outboundAllowList?: readonly string[] | undefined;
}

export const defaultSettings: AppSettings = {
  backfillHorizonMs: 35 * 86_400_000,
  bodyLimitBytes: 4 * 1024 * 1024,
  publicUrl: 'http://127.0.0.1:3000',
  dataDir: 'data',
  rateLimits: defaultRateLimits,
};

/** Everything a route or worker needs, passed in explicitly (no globals) so tests build their own. */
export interface AppDeps {
  db: Database;
  clock: Clock;
  config: HeadroomConfig;
  logger: Logger;
  settings: AppSettings;
  /** In-process "look again" signals (site publish, cache invalidation, outbox wake-up). */
  events: AppEvents;
}
