import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env-types.ts';

/** Responses that are data (JSON, feeds, metrics): nothing may load or run, nobody may frame them. */
export const DATA_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * HTML (the status site, the API reference, subscription pages): scripts only from this origin
 * or inline scripts whose exact text we served (by hash), so injected markup cannot run even if
 * it got past the Markdown sanitiser. Inline styles stay allowed (Astro inlines its CSS; a style
 * cannot execute code in current browsers).
 */
export function htmlPolicy(scriptHashes: readonly string[]): string {
  const scripts = ["'self'", ...scriptHashes.map((hash) => `'sha256-${hash}'`)].join(' ');
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const INLINE_SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const SCRIPT_TYPE = /\btype\s*=\s*["']?([^"'\s>]*)/i;
const EXECUTABLE_TYPES = new Set(['', 'module', 'text/javascript', 'application/javascript']);

/** sha256 (base64) of every inline script a browser would run; data blocks (JSON) do not need one. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const match of html.matchAll(INLINE_SCRIPT)) {
    const attributes = match[1] ?? '';
    const type = (SCRIPT_TYPE.exec(attributes)?.[1] ?? '').toLowerCase();
    if (/\bsrc\s*=/i.test(attributes) || !EXECUTABLE_TYPES.has(type)) continue;
    hashes.add(createHash('sha256').update(match[2] ?? '', 'utf8').digest('base64'));
  }
  return [...hashes];
}

const CACHE_LIMIT = 500;

/**
 * Sets `Content-Security-Policy` on every response: the data policy on non-HTML, and on HTML a
 * policy that allows exactly the inline scripts of that page (hashed from the body, cached by
 * the body's own hash, since the site's pages change only when it is republished). Register it
 * after `embeddable`, which relaxes `frame-ancestors` for the widget.
 */
export function contentSecurityPolicy(): MiddlewareHandler<AppEnv> {
  const byBody = new Map<string, string>();
  return async (c, next) => {
    await next();
    if (c.res.headers.has('Content-Security-Policy')) return;
    const type = c.res.headers.get('Content-Type') ?? '';
    if (!/^text\/html\b/i.test(type)) {
      c.res.headers.set('Content-Security-Policy', DATA_POLICY);
      return;
    }
    if (!c.res.body) {
      c.res.headers.set('Content-Security-Policy', htmlPolicy([]));
      return;
    }
    const raw = Buffer.from(await c.res.clone().arrayBuffer());
    const key = createHash('sha256').update(raw).digest('base64');
    let policy = byBody.get(key);
    if (policy === undefined) {
      const gzipped = /\bgzip\b/i.test(c.res.headers.get('Content-Encoding') ?? '');
      policy = htmlPolicy(inlineScriptHashes((gzipped ? gunzipSync(raw) : raw).toString('utf8')));
      if (byBody.size >= CACHE_LIMIT) byBody.clear();
      byBody.set(key, policy);
    }
    c.res.headers.set('Content-Security-Policy', policy);
  };
}
