import type { Context } from 'hono';
import type { AppDeps } from '../../deps.ts';
import { actorName } from '../../lib/audit.ts';
import type { AppEnv } from '../../lib/env-types.ts';
import type { IncidentContext } from '../../services/incidents.ts';

/** The write context of a request: the clock's now, the acting token, links for notices. */
export function requestContext(c: Context<AppEnv>, deps: AppDeps): IncidentContext {
  return {
    now: deps.clock.now(),
    actor: actorName(c),
    requestId: c.get('requestId'),
    publicUrl: deps.settings.publicUrl,
    pageName: deps.config.page.name,
  };
}
