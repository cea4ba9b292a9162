import type { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../lib/env-types.ts';
import { actionItemRoutes } from './action-items/routes.ts';
import { alertmanagerRoutes } from './alertmanager/routes.ts';
import { changeRoutes } from './changes/routes.ts';
import { componentRoutes } from './components/routes.ts';
import { heartbeatRoutes } from './heartbeats/routes.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { monitorRoutes } from './monitors/routes.ts';
import { nearMissRoutes } from './near-misses/routes.ts';
import { postmortemRoutes } from './postmortems/routes.ts';
import { reportRoutes } from './reports/routes.ts';
import { releaseGateRoutes } from './release-gate/routes.ts';
import { resultsRoutes } from './results/routes.ts';
import { siteDataRoutes } from './site-data/routes.ts';
import { sloEventRoutes } from './slo-events/routes.ts';
import { sloRoutes } from './slos/routes.ts';
import { tokenRoutes } from './tokens/routes.ts';
import { docsRoutes } from './docs/routes.ts';
import { feedRoutes } from './feeds/routes.ts';
import { incidentRoutes } from './incidents/routes.ts';
import { maintenanceRoutes } from './maintenances/routes.ts';
import { outboxRoutes } from './outbox/routes.ts';
import { statuspageRoutes } from './statuspage/routes.ts';
import { subscriberRoutes } from './subscribers/routes.ts';

/**
 * Every feature's routes, mounted in this order at `/`. A feature folder exports one factory
 * taking the app's dependencies; add it here.
 */
export const featureRoutes: ReadonlyArray<(deps: AppDeps) => Hono<AppEnv>> = [tokenRoutes, monitorRoutes, resultsRoutes, componentRoutes, heartbeatRoutes, alertmanagerRoutes, siteDataRoutes, sloRoutes, sloEventRoutes, releaseGateRoutes, metricsRoutes, changeRoutes, nearMissRoutes, actionItemRoutes, postmortemRoutes, reportRoutes, incidentRoutes, maintenanceRoutes, subscriberRoutes, outboxRoutes, statuspageRoutes, feedRoutes, docsRoutes];
