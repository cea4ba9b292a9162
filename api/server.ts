import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { createDb, migrateDb } from '../db/client.ts';
import { createApp, createDeps } from './app.ts';
import { ConfigError, loadConfigFile } from './config/load.ts';
import { syncConfig } from './config/sync.ts';
import { backfillDemoHistory } from './demo/backfill.ts';
import { seedDemoHistory } from './demo/history.ts';
import { startDemoTarget } from './demo/target.ts';
import { EnvError, loadEnv } from './env.ts';
import { systemClock } from './lib/clock.ts';
import { AppEvents } from './lib/events.ts';
import { createLogger } from './lib/logger.ts';
import { ensureAdminToken } from './services/tokens.ts';
import { startWorkers } from './workers/index.ts';
import { siteReadinessCheck } from './workers/publisher.ts';

const DEMO_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), 'demo/headroom.config.yaml');
const DEMO_TARGET_PORT = 4010;

/** Starts the whole product: database, config sync, API, workers (and the demo when no config exists). */
async function main(): Promise<void> {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const clock = systemClock;
  const demo = !existsSync(env.HEADROOM_CONFIG);
  const configPath = demo ? DEMO_CONFIG : env.HEADROOM_CONFIG;
  const config = loadConfigFile(configPath);
  logger.info({ config: configPath, demo }, 'config loaded');

  const database = await createDb({ url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN });
  await migrateDb(database);
  const sync = await syncConfig(database, config, clock.now());
  logger.info(sync, 'config synced');
  const adminToken = await ensureAdminToken(database, clock.now(), env.HEADROOM_ADMIN_TOKEN);

  const publicUrl = env.PUBLIC_URL ?? `http://${env.HOST}:${env.PORT}`;
  const closers: Array<() => Promise<void> | void> = [];
  if (demo) {
    const target = await startDemoTarget(DEMO_TARGET_PORT, clock);
    closers.push(() => new Promise<void>((done) => target.server.close(() => done())));
    const written = await backfillDemoHistory(database, config, clock.now());
    const incidents = await seedDemoHistory(database, clock.now(), publicUrl, config.page.name);
    logger.info({ written, incidents }, 'demo history backfilled');
  }

  const options = {
    db: database,
    config,
    clock,
    logger,
    events: new AppEvents(),
    settings: {
      backfillHorizonMs: env.BACKFILL_HORIZON,
      publicUrl,
      dataDir: env.HEADROOM_DATA_DIR,
      smtpUrl: env.SMTP_URL,
      probeRegion: env.HEADROOM_REGION,
      outboundAllowList: env.HEADROOM_OUTBOUND_ALLOW,
      proberEnabled: env.HEADROOM_PROBER === 'on',
      rateLimits: {
        publicReadsPerMinute: env.RATE_LIMIT_PUBLIC_READS,
        subscribePerMinute: env.RATE_LIMIT_SUBSCRIBE,
        tokenWritesPerMinute: env.RATE_LIMIT_TOKEN_WRITES,
      },
      // The site build reads this process's own API over loopback.
      apiUrl: `http://${['0.0.0.0', '::', '[::]'].includes(env.HOST) ? '127.0.0.1' : env.HOST}:${env.PORT}`,
    },
    serveSite: true,
    readinessChecks: [siteReadinessCheck(env.HEADROOM_DATA_DIR)],
  };
  const app = createApp(options);
  const workers = await startWorkers(createDeps(options));
  closers.push(async () => {
    for (const worker of workers) await worker.stop();
  });
  const server: ServerType = await new Promise((ready) => {
    const listening = serve({ fetch: app.fetch, hostname: env.HOST, port: env.PORT }, () => ready(listening));
  });
  closers.push(() => new Promise<void>((done) => server.close(() => done())));

  const lines = [
    '',
    `  Headroom is up${demo ? ' (demo data)' : ''}`,
    `  Status page:  ${publicUrl}/`,
    `  API:          ${publicUrl}/api/v1`,
    `  OpenAPI:      ${publicUrl}/api/v1/openapi.json`,
    `  Health:       ${publicUrl}/healthz  ${publicUrl}/readyz`,
    adminToken ? `  Admin token (shown once, store it now): ${adminToken}` : '  Admin token: already created earlier (not shown again)',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const close of closers.reverse()) await close();
    await database.checkpoint().catch((error: unknown) => logger.warn({ err: error }, 'WAL checkpoint at shutdown failed'));
    database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof EnvError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Headroom failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
