import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where published sites live: `<dataDir>/site/builds/<kind>-<id>/` holds each build, and the
 * symlinks `<dataDir>/site/public` and `<dataDir>/site/internal` point at the live ones. A swap
 * renames a fresh symlink over the old one, which is atomic: a reader resolves either the old
 * build or the new one, never a half-written folder.
 */
export type SiteKind = 'public' | 'internal';

export const siteRoot = (dataDir: string): string => resolve(dataDir, 'site');
export const buildsDir = (dataDir: string): string => join(siteRoot(dataDir), 'builds');
export const liveLink = (dataDir: string, kind: SiteKind): string => join(siteRoot(dataDir), kind);
export const statusFile = (dataDir: string): string => join(siteRoot(dataDir), 'status.json');

/** The real folder of the live build, resolved once so one request reads one build; null when none. */
export function liveSiteDir(dataDir: string, kind: SiteKind): string | null {
  try {
    return realpathSync(liveLink(dataDir, kind));
  } catch {
    return null;
  }
}

/** What the publisher last did, as written to `status.json` (read by /readyz, also across processes). */
export interface PublisherStatus {
  /** The last attempt succeeded (false also before the first build). */
  ok: boolean;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
  /** Build folder names currently live. */
  live: Partial<Record<SiteKind, string>>;
  lastDurationMs: number | null;
}

export const emptyStatus = (): PublisherStatus => ({
  ok: false,
  lastAttemptAt: null,
  lastSuccessAt: null,
  lastFailureAt: null,
  lastError: null,
  live: {},
  lastDurationMs: null,
});

export function readPublisherStatus(dataDir: string): PublisherStatus | null {
  const file = statusFile(dataDir);
  if (!existsSync(file)) return null;
  try {
    return { ...emptyStatus(), ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<PublisherStatus>) };
  } catch {
    return null;
  }
}
