import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiter } from 'hono-rate-limiter';
import type { AppEnv } from './env-types.ts';
import { RateLimitedError } from './errors.ts';

/** Requests per minute for each kind of caller. */
export interface RateLimits {
  /** Reads without a token, per client address. */
  publicReadsPerMinute: number;
  /** Subscription requests, per client address (they send email). */
  subscribePerMinute: number;
  /** Writes with a token, per token. */
  tokenWritesPerMinute: number;
}

export const defaultRateLimits: RateLimits = {
  publicReadsPerMinute: 1200,
  subscribePerMinute: 10,
  tokenWritesPerMinute: 6000,
};

const WINDOW_MS = 60_000;
const SUBSCRIBE_PATH = /^\/api\/v1\/(subscribers|subscriptions|subscribe)(\/|$)/;

function clientAddress(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not served by @hono/node-server (e.g. app.request in a unit test): one shared bucket.
    return 'unknown';
  }
}

function limiter(limit: number, key: (c: Context<AppEnv>) => string): MiddlewareHandler<AppEnv> {
  return rateLimiter<AppEnv>({
    windowMs: WINDOW_MS,
    limit,
    standardHeaders: 'draft-7',
    keyGenerator: key,
    handler: (c) => {
      const info = c.get('rateLimit' as never) as { resetTime?: Date } | undefined;
      const seconds = info?.resetTime ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : 60;
      throw new RateLimitedError(seconds);
    },
  });
}

/**
 * Three buckets: public reads by client address, subscriptions by client address, and writes by
 * token. Token-authenticated reads are not limited (they are our own agents and tools). Runs
 * after authentication so it knows who is asking.
 */
export function rateLimits(limits: RateLimits): MiddlewareHandler<AppEnv> {
  const publicReads = limiter(limits.publicReadsPerMinute, (c) => `read:${clientAddress(c)}`);
  const subscribe = limiter(limits.subscribePerMinute, (c) => `subscribe:${clientAddress(c)}`);
  const tokenWrites = limiter(limits.tokenWritesPerMinute, (c) => `write:${c.get('actor')?.tokenId ?? clientAddress(c)}`);
  return async (c, next) => {
    const isRead = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (!isRead && SUBSCRIBE_PATH.test(c.req.path)) return subscribe(c, next);
    if (isRead && !c.get('actor')) return publicReads(c, next);
    if (!isRead && c.get('actor')) return tokenWrites(c, next);
    return next();
  };
}
