import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { hasScope, verifyToken } from '../lib/auth.ts';
import type { AppEnv } from '../lib/env-types.ts';
import { liveSiteDir, type SiteKind } from './paths.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.html', '.css', '.js', '.mjs', '.json', '.svg', '.txt', '.xml']);

/** Paths the API owns; the site never answers them, even with a 404 page. */
const RESERVED = /^\/(api|healthz|readyz|metrics)(\/|$)/;

/** A file inside `root` for a URL path, or null; refuses anything that escapes the folder. */
function resolveFile(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const candidate = normalize(join(root, decoded));
  if (candidate !== root && !candidate.startsWith(root + sep)) return null;
  for (const file of [candidate, join(candidate, 'index.html')]) {
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      // try the next form
    }
  }
  return null;
}

function sendFile(c: Context<AppEnv>, file: string, status: 200 | 404, kind: SiteKind): Response {
  const type = extname(file);
  let body: Buffer = readFileSync(file);
  const headers: Record<string, string> = { 'Content-Type': TYPES[type] ?? 'application/octet-stream', Vary: 'Accept-Encoding' };
  // Astro fingerprints everything under /_astro/, so those never change; pages revalidate.
  headers['Cache-Control'] =
    kind === 'internal' ? 'private, no-store' : file.includes(`${sep}_astro${sep}`) ? 'public, max-age=31536000, immutable' : 'public, max-age=0, must-revalidate';
  if (COMPRESSIBLE.has(type) && body.length > 512 && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
    body = gzipSync(body);
    headers['Content-Encoding'] = 'gzip';
  }
  headers['Content-Length'] = String(body.length);
  return new Response(c.req.method === 'HEAD' ? null : new Uint8Array(body), { status, headers });
}

function serveFrom(c: Context<AppEnv>, root: string, path: string, kind: SiteKind): Response | null {
  const file = resolveFile(root, path);
  if (file) return sendFile(c, file, 200, kind);
  const notFound = join(root, '404.html');
  return existsSync(notFound) ? sendFile(c, notFound, 404, kind) : null;
}

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Status page</title></head><body><main><h1>The status page is being built</h1><p>It has not been published yet. Try again in a few seconds.</p></main></body></html>`;

/** Reads a `read` token from `Authorization: Bearer …` or HTTP Basic (any user name, the token as password). */
async function internalReader(deps: AppDeps, header: string | undefined): Promise<boolean> {
  if (!header) return false;
  const [scheme, value] = header.split(' ', 2);
  let token: string | undefined;
  if (scheme?.toLowerCase() === 'bearer') token = value?.trim();
  if (scheme?.toLowerCase() === 'basic' && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    token = decoded.slice(decoded.indexOf(':') + 1);
  }
  if (!token) return false;
  const actor = await verifyToken(deps.db, token);
  return actor !== null && hasScope(actor.scopes, 'read');
}

/**
 * Serves the published site: the public build at `/`, the internal build at `/internal/` to
 * readers with a `read` token (HTTP Basic with the token as password, so a browser can log in
 * without any script; or a bearer header). Mounted after every API route, and it never answers
 * for `/api`, `/healthz`, `/readyz` or `/metrics`.
 */
export function siteRoutes(deps: AppDeps) {
  const dataDir = deps.settings.dataDir;
  return new Hono<AppEnv>().on(['GET', 'HEAD'], '*', async (c, next) => {
    const path = c.req.path;
    if (RESERVED.test(path)) return next();
    if (path === '/internal' || path.startsWith('/internal/')) {
      if (!(await internalReader(deps, c.req.header('authorization')))) {
        return c.text('A token with scope read is needed (use it as the password).', 401, {
          'WWW-Authenticate': 'Basic realm="Headroom internal", charset="UTF-8"',
          'Cache-Control': 'no-store',
        });
      }
      const root = liveSiteDir(dataDir, 'internal');
      if (!root) return c.html(PLACEHOLDER, 503, { 'Retry-After': '10' });
      return serveFrom(c, root, path.slice('/internal'.length) || '/', 'internal') ?? next();
    }
    const root = liveSiteDir(dataDir, 'public');
    if (!root) return path === '/' ? c.html(PLACEHOLDER, 503, { 'Retry-After': '10' }) : next();
    return serveFrom(c, root, path, 'public') ?? next();
  });
}

/**
 * Badges and the widget are made to be embedded elsewhere: after the security headers are set,
 * allow framing the widget and cross-origin use of both. Register before secureHeaders.
 */
export const embeddable: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res.headers.delete('X-Frame-Options');
  c.res.headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
  if (c.req.path.startsWith('/widget')) {
    // Keep the rest of the policy (scripts by hash); only framing is opened up.
    const policy = c.res.headers.get('Content-Security-Policy');
    c.res.headers.set('Content-Security-Policy', policy ? policy.replace(/frame-ancestors [^;]*/, 'frame-ancestors *') : 'frame-ancestors *');
  }
};
