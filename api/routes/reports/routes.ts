import { Hono } from 'hono';
import type { AppDeps } from '../../deps.ts';
import type { AppEnv } from '../../lib/env-types.ts';

export function reportRoutes(_deps: AppDeps) {
  return new Hono<AppEnv>();
}
