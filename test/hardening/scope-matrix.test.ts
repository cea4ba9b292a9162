import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { liveLink } from '../../api/site/paths.ts';
import type { Database } from '../../db/client.ts';
import type { TokenScope } from '../../db/schema/security.ts';
import { testConfig } from '../helpers/config.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Who may call what, for EVERY route the app registers. The table is the single source of truth
 * this test checks the running app against; a route the table does not name fails the test, so a
 * new route cannot ship without someone deciding its scope here.
 *
 * `anyOf: []` is public. Otherwise a token holding any listed scope (or `admin`) gets through and
 * anyone else is refused: 401 without a token, `denied` (403 unless said otherwise) with a token
 * that lacks the scope.
 */
interface Access {
  anyOf: readonly TokenScope[];
  /** Status for a valid token without the scope: 403, or 401 where the route asks for a different secret. */
  denied?: 401 | 403;
  /** Concrete paths to probe instead of the pattern with placeholder parameters. */
  probe?: readonly string[];
  /** The route takes its own secret (in the path): with a wrong one it is 401 for everybody. */
  ownSecret?: true;
}

const PUBLIC: Access = { anyOf: [] };
const READ: Access = { anyOf: ['read'] };
const INGEST: Access = { anyOf: ['ingest'] };
const WRITE: Access = { anyOf: ['write'] };
const ADMIN: Access = { anyOf: ['admin'] };
const READ_OR_WRITE: Access = { anyOf: ['read', 'write'] };

const EXPECTED: Record<string, Access> = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': PUBLIC,
  'GET /api/docs': PUBLIC,
  'GET /api/v1/openapi.json': PUBLIC,

  'POST /api/v1/tokens': ADMIN,
  'GET /api/v1/tokens': ADMIN,
  'DELETE /api/v1/tokens/:id': ADMIN,

  'GET /api/v1/monitors': { anyOf: ['read', 'ingest'] },
  'GET /api/v1/monitors/:key': READ,
  'POST /api/v1/results': INGEST,
  'POST /api/v1/events': INGEST,
  'POST /api/v1/integrations/alertmanager': INGEST,
  'GET /api/v1/integrations/alertmanager/unmapped': READ,
  // Heartbeats take their own per-monitor secret or an ingest token; anything else is "who are you?" (401).
  'POST /api/v1/heartbeats/:key': { anyOf: ['ingest'], denied: 401 },
  'POST /api/v1/heartbeats/:key/:token': { anyOf: [], ownSecret: true },
  'POST /api/v1/monitors/:key/heartbeat-token': ADMIN,

  // Public, with more detail for a read token (checked by the feature tests).
  'GET /api/v1/components': PUBLIC,
  'PUT /api/v1/components/:key/status': WRITE,
  'DELETE /api/v1/components/:key/status': WRITE,
  'GET /api/v1/site/components': PUBLIC,
  'GET /api/v1/site/internal/components': READ,
  'GET /api/v1/site/incidents': PUBLIC,

  'GET /api/v1/slos': PUBLIC,
  'POST /api/v1/slos': WRITE,
  'PUT /api/v1/slos/:id': WRITE,
  'GET /api/v1/slos/export': READ,
  'POST /api/v1/slos/import': WRITE,
  'GET /api/v1/slos/:id': PUBLIC,
  'GET /api/v1/slos/:id/history': PUBLIC,
  'DELETE /api/v1/slos/:id': WRITE,
  'GET /api/v1/release-gate': READ,
  'GET /api/v1/reports/error-budget': READ,

  'POST /api/v1/changes': WRITE,
  'GET /api/v1/changes': READ,
  'GET /api/v1/incidents/:id/changes': READ,

  'POST /api/v1/near-misses': WRITE,
  'POST /api/v1/near-misses/scan': ADMIN,
  'GET /api/v1/near-misses': READ,
  'GET /api/v1/near-misses/:id': READ,
  'PATCH /api/v1/near-misses/:id': WRITE,
  'POST /api/v1/action-items': WRITE,
  'GET /api/v1/action-items': READ,
  'PATCH /api/v1/action-items/:id': WRITE,
  'POST /api/v1/postmortems': WRITE,
  'GET /api/v1/postmortems': READ,
  'GET /api/v1/postmortems/required': READ,
  // Published public postmortems are open to all; an unknown id behaves like any read route.
  'GET /api/v1/postmortems/:id': READ,
  'PATCH /api/v1/postmortems/:id': WRITE,

  'POST /api/v1/incidents': WRITE,
  'GET /api/v1/incidents': READ_OR_WRITE,
  'GET /api/v1/incidents/:id': READ_OR_WRITE,
  'PATCH /api/v1/incidents/:id': WRITE,
  'POST /api/v1/incidents/:id/updates': WRITE,
  'POST /api/v1/incidents/:id/resolve': WRITE,
  'PATCH /api/v1/incidents/:id/updates/:updateId': WRITE,
  'POST /api/v1/incident-templates': WRITE,
  'GET /api/v1/incident-templates': READ_OR_WRITE,
  'POST /api/v1/maintenances': WRITE,
  'GET /api/v1/maintenances': READ_OR_WRITE,
  'GET /api/v1/maintenances/:id': READ_OR_WRITE,
  'POST /api/v1/maintenances/:id/updates': WRITE,

  // Double opt-in subscription is public by design (rate limited); hooks and lists are admin.
  'POST /api/v1/subscribers': PUBLIC,
  'GET /api/v1/subscribers/confirm': PUBLIC,
  'GET /api/v1/subscribers/unsubscribe': PUBLIC,
  'POST /api/v1/subscribers/unsubscribe': PUBLIC,
  'POST /api/v1/subscribers/hooks': ADMIN,
  'GET /api/v1/subscribers': ADMIN,
  'DELETE /api/v1/subscribers/:id': ADMIN,
  'GET /api/v1/outbox': ADMIN,
  'POST /api/v1/outbox/:id/resend': ADMIN,

  'GET /api/v2/summary.json': PUBLIC,
  'GET /api/v2/status.json': PUBLIC,
  'GET /api/v2/components.json': PUBLIC,
  'GET /api/v2/incidents.json': PUBLIC,
  'GET /api/v2/incidents/unresolved.json': PUBLIC,
  'GET /api/v2/scheduled-maintenances.json': PUBLIC,
  'GET /api/v2/scheduled-maintenances/upcoming.json': PUBLIC,
  'GET /api/v2/scheduled-maintenances/active.json': PUBLIC,
  'GET /api/v1/feeds/history.atom': PUBLIC,
  'GET /api/v1/feeds/history.rss': PUBLIC,
  'GET /api/v1/feeds/maintenance.ics': PUBLIC,

  // The static site: public at /, the internal build at /internal/ for read tokens (HTTP Basic or bearer).
  'GET /*': { anyOf: [], probe: ['/'] },
  'HEAD /*': { anyOf: [], probe: ['/'] },
};

/** Extra probes that are not their own route pattern. */
const EXTRA_PROBES: ReadonlyArray<{ method: string; path: string; access: Access }> = [
  { method: 'GET', path: '/internal/', access: { anyOf: ['read'], denied: 401 } },
];

/** `app.use` middleware shows up in `app.routes` as method ALL; these are the known ones. */
const MIDDLEWARE = new Set([
  'ALL /*',
  'ALL /widget/*',
  'ALL /badges/*',
  'ALL /api/*',
  'ALL /api/v1/tokens',
  'ALL /api/v1/tokens/*',
  'ALL /api/v1/outbox',
  'ALL /api/v1/outbox/*',
]);

/** Parameter values that pass every parameter schema but name nothing that exists. */
function fillParams(path: string): string {
  return path
    .replace(':key', 'no-such-key')
    .replace(':token', 'not-the-heartbeat-token-0123456789')
    .replace(/:[A-Za-z]+/g, () => randomUUID());
}

/** Every route of an app built like the server's (site serving included); nothing is requested from it. */
function registeredRoutes(db: Database, dataDir: string): string[] {
  const app = createApp({ db, config: testConfig(), serveSite: true, settings: { dataDir } });
  return [...new Set(app.routes.map((route) => `${route.method} ${route.path}`))];
}

type Credential = 'none' | 'revoked' | TokenScope;
const CREDENTIALS: readonly Credential[] = ['none', 'revoked', 'read', 'ingest', 'write', 'admin'];

function expectedOutcome(access: Access, credential: Credential, path: string): 'allowed' | 401 | 403 {
  const underApi = path.startsWith('/api/');
  const internalSite = path.startsWith('/internal');
  if (access.ownSecret) return 401;
  if (credential === 'revoked') {
    // The API rejects any bad bearer token outright; outside /api the token is simply not looked at.
    if (underApi || internalSite) return 401;
    return access.anyOf.length === 0 ? 'allowed' : 401;
  }
  if (access.anyOf.length === 0) return 'allowed';
  if (credential === 'none') return 401;
  if (credential === 'admin' || access.anyOf.includes(credential)) return 'allowed';
  return access.denied ?? 403;
}

describe('scope matrix over every route', () => {
  let server: TestServer;
  const tokens = new Map<Credential, string>();
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-scope-'));
    // A tiny "published" site (the live path may be a plain folder as well as a symlink).
    for (const kind of ['public', 'internal'] as const) {
      mkdirSync(liveLink(dataDir, kind), { recursive: true });
      writeFileSync(join(liveLink(dataDir, kind), 'index.html'), `<!doctype html><title>${kind}</title>`);
    }
    server = await startTestServer({
      serveSite: true,
      settings: { dataDir, rateLimits: { publicReadsPerMinute: 1e6, subscribePerMinute: 1e6, tokenWritesPerMinute: 1e6 } },
    });
    for (const scope of ['read', 'ingest', 'write', 'admin'] as const) tokens.set(scope, await server.tokenWith(scope));
    const created = await server.request('/api/v1/tokens', { method: 'POST', json: { name: 'to revoke', scopes: ['admin'] } });
    const { id, token } = (await created.json()) as { id: string; token: string };
    expect((await server.request(`/api/v1/tokens/${id}`, { method: 'DELETE' })).status).toBe(200);
    tokens.set('revoked', token);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names every registered route and middleware in the table, and nothing that is gone', () => {
    const routes = registeredRoutes(server.db, dataDir);
    const unknownRoutes = routes.filter((route) => !route.startsWith('ALL ') && !(route in EXPECTED));
    const unknownMiddleware = routes.filter((route) => route.startsWith('ALL ') && !MIDDLEWARE.has(route));
    expect(unknownRoutes, 'routes without an expected scope: add them to EXPECTED').toEqual([]);
    expect(unknownMiddleware, 'catch-all routes or new middleware: decide their scope').toEqual([]);
    const stale = Object.keys(EXPECTED).filter((route) => !routes.includes(route));
    expect(stale, 'table entries for routes that no longer exist').toEqual([]);
  });

  it('lists every OpenAPI operation in the table', async () => {
    const response = await server.request('/api/v1/openapi.json', { token: null });
    const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    expect(operations.length).toBeGreaterThan(50);
    expect(operations.filter((operation) => !(operation in EXPECTED))).toEqual([]);
  });

  it('answers 401 or 403 exactly where the table says, for no token, a revoked token and each scope', async () => {
    const probes = [
      ...Object.entries(EXPECTED).flatMap(([route, access]) => {
        const [method = '', pattern = ''] = route.split(' ');
        return (access.probe ?? [fillParams(pattern)]).map((path) => ({ method, path, access, route }));
      }),
      ...EXTRA_PROBES.map((probe) => ({ ...probe, route: `${probe.method} ${probe.path}` })),
    ];
    const mismatches: string[] = [];
    for (const probe of probes) {
      for (const credential of CREDENTIALS) {
        const token = credential === 'none' ? null : (tokens.get(credential) ?? null);
        const hasBody = !['GET', 'HEAD', 'DELETE'].includes(probe.method);
        const response = await server.request(probe.path, { method: probe.method, token, ...(hasBody ? { json: {} } : {}) });
        await response.arrayBuffer();
        const expected = expectedOutcome(probe.access, credential, probe.path);
        const status = response.status;
        const ok = expected === 'allowed' ? status !== 401 && status !== 403 && status < 500 : status === expected;
        if (!ok) mismatches.push(`${probe.method} ${probe.path} as ${credential}: expected ${expected}, got ${status}`);
        if ((status === 401 || status === 403) && probe.path.startsWith('/api/')) {
          expect(response.headers.get('content-type'), `${probe.route} as ${credential}`).toContain('application/problem+json');
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 60_000);
});
