import type { Actor } from './auth.ts';

/** Hono's typed context variables, shared by every route. */
export interface AppEnv {
  Variables: {
    requestId: string;
    actor: Actor | undefined;
  };
}
