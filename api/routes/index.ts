import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../lib/env-types.ts';
import { alertmanagerRoutes } from './alertmanager/routes.ts';
import { componentRoutes } from './components/routes.ts';
import { heartbeatRoutes } from './heartbeats/routes.ts';
import { monitorRoutes } from './monitors/routes.ts';
import { resultsRoutes } from './results/routes.ts';
import { siteDataRoutes } from './site-data/routes.ts';
import { tokenRoutes } from './tokens/routes.ts';

/**
 * Every feature's routes, mounted in this order at `/`. A feature folder exports one factory
 * taking the app's dependencies; add it here.
 */
export const featureRoutes: ReadonlyArray<(deps: AppDeps) => Hono<AppEnv>> = [tokenRoutes, monitorRoutes, resultsRoutes, componentRoutes, heartbeatRoutes, alertmanagerRoutes, siteDataRoutes];
