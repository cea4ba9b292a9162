import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { openAPIRouteHandler } from 'hono-openapi';
import type { Database } from '../db/client.ts';
import type { HeadroomConfig } from './config/schema.ts';
import { defaultSettings, type AppDeps, type AppSettings } from './deps.ts';
import { authenticate } from './lib/auth.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import type { AppEnv } from './lib/env-types.ts';
import { AppEvents } from './lib/events.ts';
import { NotFoundError, ProblemError, problemResponse, toProblem } from './lib/errors.ts';
import { silentLogger, type Logger } from './lib/logger.ts';
import { rateLimits } from './lib/rate-limit.ts';
import { contentSecurityPolicy } from './lib/security-headers.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health/routes.ts';
import { featureRoutes } from './routes/index.ts';
import { embeddable, siteRoutes } from './site/serve.ts';

export interface CreateAppOptions {
  db: Database;
  config: HeadroomConfig;
  clock?: Clock;
  logger?: Logger;
  settings?: Partial<AppSettings>;
  readinessChecks?: readonly ReadinessCheck[];
  /** Share one bus with the workers; a fresh one otherwise. */
  events?: AppEvents;
  /** Serve the published status site (from `<dataDir>/site/`) at `/` after every API route. */
  serveSite?: boolean;
}

export function createDeps(options: CreateAppOptions): AppDeps {
  return {
    db: options.db,
    config: options.config,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
    settings: { ...defaultSettings, ...options.settings },
    events: options.events ?? new AppEvents(),
  };
}

/** The whole HTTP API as a Hono app; `server.ts` serves it, tests call it over real HTTP. */
export function createApp(options: CreateAppOptions): Hono<AppEnv> {
  const deps = createDeps(options);
  const app = new Hono<AppEnv>();

  app.use(requestId());
  if (options.serveSite) for (const path of ['/widget/*', '/badges/*']) app.use(path, embeddable);
  app.use(secureHeaders({ referrerPolicy: 'strict-origin-when-cross-origin', xFrameOptions: 'DENY' }));
  app.use(contentSecurityPolicy());
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.settings.bodyLimitBytes,
      onError: () => {
        throw new ProblemError({
          status: 413,
          code: 'payload_too_large',
          title: 'Payload too large',
          detail: `The request body is larger than ${deps.settings.bodyLimitBytes} bytes.`,
        });
      },
    }),
  );
  app.use('/api/*', authenticate(deps.db, deps.clock));
  app.use('/api/*', rateLimits(deps.settings.rateLimits));

  app.route('/', healthRoutes(deps, options.readinessChecks));
  for (const routes of featureRoutes) app.route('/', routes(deps));

  app.get(
    '/api/v1/openapi.json',
    openAPIRouteHandler(app, {
      documentation: {
        info: { title: 'Headroom API', version: '1', description: 'Status page, SLO tracker and near-miss analyser.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    }),
  );

  // Last, so the site can never shadow an API route.
  if (options.serveSite) app.route('/', siteRoutes(deps));

  app.notFound((c) => problemResponse(c, new NotFoundError(`No route for ${c.req.method} ${c.req.path}.`, 'route_not_found')));
  app.onError((error, c) => {
    const problem = toProblem(error);
    if (problem.status >= 500) deps.logger.error({ err: error, requestId: c.get('requestId'), path: c.req.path }, 'request failed');
    return problemResponse(c, problem);
  });
  return app;
}
