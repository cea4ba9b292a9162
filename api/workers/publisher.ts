import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq, isNull } from 'drizzle-orm';
import { apiTokens } from '../../db/schema/security.ts';
import type { AppDeps } from '../deps.ts';
import { audit } from '../lib/audit.ts';
import type { AppEvents } from '../lib/events.ts';
import type { Logger } from '../lib/logger.ts';
import type { ReadinessCheck } from '../routes/health/routes.ts';
import { createToken } from '../services/tokens.ts';
import { buildsDir, emptyStatus, liveLink, readPublisherStatus, siteRoot, statusFile, type PublisherStatus, type SiteKind } from '../site/paths.ts';
import type { Worker, WorkerFactory } from './worker.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ASTRO_BIN = join(REPO_ROOT, 'node_modules/astro/bin/astro.mjs');
const STAGING_ROOT = join(REPO_ROOT, '.astro', 'site-builds');

/** Rename when on the same file system; otherwise copy then delete (the swap comes later anyway). */
function moveDir(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    cpSync(from, to, { recursive: true });
    rmSync(from, { recursive: true, force: true });
  }
}

/** Builds kept besides the live one, so a reader mid-way through a page still finds its assets. */
const KEEP_PREVIOUS = 2;

export interface PublisherOptions {
  dataDir: string;
  /** Base URL of the running API the build reads from. */
  apiUrl: string;
  logger: Logger;
  /** A `read` token for the internal build; without one only the public site is built. */
  internalToken?: (() => Promise<string | null>) | undefined;
  /** Quiet time after a customer-visible change before rebuilding (changes in between coalesce). */
  debounceMs?: number;
  /** Wait before retrying after a failed build. */
  retryMs?: number;
  buildTimeoutMs?: number;
  /** How long the first build waits for the API to answer /healthz. */
  startupWaitMs?: number;
}

export interface PublishResult {
  ok: boolean;
  error?: string;
  durationMs: number;
  live: Partial<Record<SiteKind, string>>;
}

class BuildError extends Error {}

/**
 * Rebuilds the static site from the API and swaps it in atomically. A build that fails (API
 * unreachable, astro error, missing output) leaves the live site untouched; the failure is
 * logged and written to `status.json`, which /readyz reports.
 */
export class SitePublisher {
  readonly #options: Required<Omit<PublisherOptions, 'internalToken'>> & Pick<PublisherOptions, 'internalToken'>;
  #status: PublisherStatus;
  #running: Promise<PublishResult> | null = null;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #children = new Set<ReturnType<typeof spawn>>();

  constructor(options: PublisherOptions) {
    this.#options = { debounceMs: 300, retryMs: 30_000, buildTimeoutMs: 180_000, startupWaitMs: 30_000, ...options };
    this.#status = readPublisherStatus(options.dataDir) ?? emptyStatus();
    mkdirSync(buildsDir(options.dataDir), { recursive: true });
  }

  get status(): PublisherStatus {
    return this.#status;
  }

  /** Asks for a rebuild soon; many requests within the debounce window make one build. */
  schedule(delayMs = this.#options.debounceMs): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.publish();
    }, delayMs);
  }

  /**
   * Builds and swaps now. If a build is already running, waits for it and then builds once more
   * (the change that asked may have come after that build read its data).
   */
  async publish(): Promise<PublishResult> {
    if (this.#running) {
      this.#again = true;
      await this.#running.catch(() => undefined);
      // Another caller may have started the follow-up build meanwhile: join it.
      const followUp = this.#running as Promise<PublishResult> | null;
      if (followUp) return followUp;
    }
    this.#again = false;
    const run = this.#publishOnce();
    this.#running = run;
    try {
      return await run;
    } finally {
      this.#running = null;
      if (this.#again && !this.#stopped) this.schedule(0);
    }
  }

  /** Waits until the API answers, then builds; used for the first build at start. */
  async publishWhenReady(): Promise<PublishResult> {
    const deadline = Date.now() + this.#options.startupWaitMs;
    while (!this.#stopped && Date.now() < deadline) {
      if (await this.#apiAnswers()) break;
      await new Promise((done) => setTimeout(done, 250));
    }
    return this.publish();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const child of this.#children) child.kill('SIGTERM');
    await this.#running?.catch(() => undefined);
  }

  async #apiAnswers(): Promise<boolean> {
    try {
      const response = await fetch(`${this.#options.apiUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  async #publishOnce(): Promise<PublishResult> {
    const started = performance.now();
    const attemptAt = new Date().toISOString();
    const { logger } = this.#options;
    try {
      if (!(await this.#apiAnswers())) throw new BuildError(`the API at ${this.#options.apiUrl} cannot be reached`);
      const publicDir = await this.#build('public', null);
      this.#swap('public', publicDir);
      const token = this.#options.internalToken ? await this.#options.internalToken() : null;
      if (token) {
        const internalDir = await this.#build('internal', token);
        this.#swap('internal', internalDir);
      }
      const durationMs = Math.round(performance.now() - started);
      this.#setStatus({ ok: true, lastAttemptAt: attemptAt, lastSuccessAt: new Date().toISOString(), lastError: null, lastDurationMs: durationMs });
      this.#prune();
      logger.info({ durationMs, live: this.#status.live }, 'site published');
      return { ok: true, durationMs, live: { ...this.#status.live } };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const durationMs = Math.round(performance.now() - started);
      this.#setStatus({ ok: false, lastAttemptAt: attemptAt, lastFailureAt: new Date().toISOString(), lastError: message, lastDurationMs: durationMs });
      logger.error({ err: message, durationMs }, 'site build failed; the previous site stays published');
      if (!this.#stopped) this.schedule(this.#options.retryMs);
      return { ok: false, error: message, durationMs, live: { ...this.#status.live } };
    }
  }

  /** Runs `astro build` in a child process into a fresh folder; resolves with the folder. */
  #build(kind: SiteKind, token: string | null): Promise<string> {
    const id = `${kind}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const outDir = join(buildsDir(this.#options.dataDir), id);
    // Astro bundles its prerender step next to the output only when the output lies inside the
    // project (else in <root>/.astro/, shared by concurrent builds), and that bundle must resolve
    // node_modules; so every build goes to its own staging folder in the project, then moves.
    const stagingDir = join(STAGING_ROOT, id);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HEADROOM_API_URL: this.#options.apiUrl,
      HEADROOM_SITE_MODE: kind,
      HEADROOM_SITE_OUT: stagingDir,
      HEADROOM_SITE_CACHE: join(siteRoot(this.#options.dataDir), 'cache', kind),
      ASTRO_TELEMETRY_DISABLED: '1',
    };
    delete env['HEADROOM_API_TOKEN'];
    if (token) env['HEADROOM_API_TOKEN'] = token;
    return new Promise((done, fail) => {
      const child = spawn(process.execPath, [ASTRO_BIN, 'build'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      this.#children.add(child);
      let output = '';
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.buildTimeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        this.#children.delete(child);
        fail(new BuildError(`astro could not start: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.#children.delete(child);
        if (code === 0 && existsSync(join(stagingDir, 'index.html'))) {
          try {
            moveDir(stagingDir, outDir);
            return done(outDir);
          } catch (error) {
            rmSync(stagingDir, { recursive: true, force: true });
            rmSync(outDir, { recursive: true, force: true });
            return fail(new BuildError(`could not move the ${kind} build into place: ${error instanceof Error ? error.message : String(error)}`));
          }
        }
        rmSync(stagingDir, { recursive: true, force: true });
        const reason = /ApiUnreachableError[^\n]*|API unreachable[^\n]*|API answered[^\n]*|required data unavailable[^\n]*/.exec(output)?.[0];
        fail(new BuildError(`${kind} build failed (${signal ?? `exit ${code}`}): ${reason ?? output.trim().split("\n").filter((line) => !line.trimStart().startsWith("at ")).slice(-6).join(" | ")}`));
      });
    });
  }

  #swap(kind: SiteKind, outDir: string): void {
    const link = liveLink(this.#options.dataDir, kind);
    const temporary = `${link}.${process.pid}.${randomBytes(3).toString('hex')}`;
    symlinkSync(join('builds', basename(outDir)), temporary);
    renameSync(temporary, link);
    this.#status = { ...this.#status, live: { ...this.#status.live, [kind]: basename(outDir) } };
  }

  #prune(): void {
    const dir = buildsDir(this.#options.dataDir);
    for (const kind of ['public', 'internal'] as const) {
      let live: string | null = null;
      try {
        live = basename(readlinkSync(liveLink(this.#options.dataDir, kind)));
      } catch {
        live = null;
      }
      const builds = readdirSync(dir)
        .filter((name) => name.startsWith(`${kind}-`) && name !== live)
        .sort()
        .reverse();
      for (const old of builds.slice(KEEP_PREVIOUS)) rmSync(join(dir, old), { recursive: true, force: true });
    }
  }

  #setStatus(patch: Partial<PublisherStatus>): void {
    this.#status = { ...this.#status, ...patch };
    const file = statusFile(this.#options.dataDir);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.#status, null, 2));
    renameSync(temporary, file);
  }
}

/** /readyz entry: not ready before the first site is published or when the last build failed. */
export function siteReadinessCheck(dataDir: string): ReadinessCheck {
  return async () => {
    const status = readPublisherStatus(dataDir);
    if (!status) return { name: 'site', ok: false, detail: 'no site has been published yet' };
    if (status.ok) return { name: 'site', ok: true };
    const serving = status.lastSuccessAt ? `serving the site published at ${status.lastSuccessAt}` : 'no site published yet';
    return { name: 'site', ok: false, detail: `last build failed at ${status.lastFailureAt ?? '?'}: ${status.lastError ?? 'unknown error'}; ${serving}` };
  };
}

const PUBLISHER_TOKEN_NAME = 'site publisher (internal build)';

/**
 * A fresh `read` token for the internal build on every start (secrets are only stored hashed,
 * so the previous one cannot be recovered); the previous ones are revoked in the same write.
 */
export async function publisherToken(deps: AppDeps): Promise<string> {
  const now = deps.clock.now();
  return deps.db.write(async (tx) => {
    await tx
      .update(apiTokens)
      .set({ revokedAt: now })
      .where(and(eq(apiTokens.name, PUBLISHER_TOKEN_NAME), isNull(apiTokens.revokedAt)));
    const created = await createToken(tx, { name: PUBLISHER_TOKEN_NAME, scopes: ['read'], createdBy: 'system', now });
    await audit(tx, now, 'system', null, { action: 'token.create', targetType: 'token', targetId: created.id, details: { name: created.name, scopes: created.scopes } });
    return created.token;
  });
}

/**
 * Subscribes a publisher to `public.changed` and runs the first build. It also rebuilds every
 * `refreshMs`: data going stale changes no status and announces nothing, yet the page must say so.
 */
export function startPublisher(events: AppEvents, publisher: SitePublisher, refreshMs?: number): Worker {
  const onChange = () => publisher.schedule();
  events.on('public.changed', onChange);
  void publisher.publishWhenReady();
  const refresh = refreshMs ? setInterval(onChange, refreshMs) : undefined;
  return {
    name: 'publisher',
    async stop() {
      clearInterval(refresh);
      events.off('public.changed', onChange);
      await publisher.stop();
    },
  };
}

/** The worker `npm start` runs: public and internal builds from this process's own API. */
export const publisherWorker: WorkerFactory = async (deps) => {
  const token = await publisherToken(deps);
  const publisher = new SitePublisher({
    dataDir: deps.settings.dataDir,
    apiUrl: deps.settings.apiUrl ?? deps.settings.publicUrl,
    logger: deps.logger,
    internalToken: async () => token,
  });
  return startPublisher(deps.events, publisher, Math.max(60_000, Math.min(5 * 60_000, deps.config.page.staleAfter / 2)));
};
