import { z } from 'zod';

/**
 * The build-time API client. Every page reads its data through here, from the running API
 * (HEADROOM_API_URL), never from the database. Failures split two ways:
 *  - the API cannot be reached, or answers 5xx: the whole build fails, so the publisher keeps
 *    the previous site instead of publishing a page built on nothing;
 *  - an endpoint answers 401/403/404 (not served, or not for this reader): that section is
 *    marked unavailable and the page says so, honestly.
 * Each endpoint is fetched once per build and shared by every page.
 */
export const siteMode: 'public' | 'internal' = process.env['HEADROOM_SITE_MODE'] === 'internal' ? 'internal' : 'public';
const apiUrl = (process.env['HEADROOM_API_URL'] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
// Only the internal build carries a token; the public build reads what anonymous readers may.
const token = siteMode === 'internal' ? process.env['HEADROOM_API_TOKEN'] : undefined;

export type Section<T> = { ok: true; data: T } | { ok: false; reason: string };

export class ApiUnreachableError extends Error {}

const cache = new Map<string, Promise<unknown>>();

async function fetchJson(path: string): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}${path}`, {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(20_000),
    });
  } catch (error) {
    throw new ApiUnreachableError(`API unreachable at ${apiUrl}${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (response.status >= 500) throw new ApiUnreachableError(`API answered ${response.status} for ${path}`);
  const body: unknown = response.ok ? await response.json() : null;
  return { status: response.status, body };
}

/** A section of data: unavailable (with the reason) when the API does not serve it to this build. */
export function section<T>(path: string, schema: z.ZodType<T>): Promise<Section<T>> {
  const key = path;
  const cached = cache.get(key) as Promise<Section<T>> | undefined;
  if (cached) return cached;
  const loading = fetchJson(path).then(({ status, body }): Section<T> => {
    if (status !== 200) return { ok: false, reason: `${path} answered ${status}` };
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { ok: false, reason: `${path} returned data in an unexpected shape` };
    return { ok: true, data: parsed.data };
  });
  cache.set(key, loading);
  return loading;
}

/** Like `section`, but the build fails without it (the page would otherwise show nothing true). */
export async function required<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  const result = await section(path, schema);
  if (!result.ok) throw new ApiUnreachableError(`required data unavailable: ${result.reason}`);
  return result.data;
}

