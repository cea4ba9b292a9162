import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { databaseFingerprint } from '../helpers/db-fingerprint.ts';
import { seedRecords, type SeededIds } from '../helpers/hardening-seed.ts';
import { testConfig } from '../helpers/config.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * Property-based fuzzing of every write route the app registers. Every payload generated here is
 * invalid by construction (not JSON, not an object, a property of the wrong type, a string over
 * its maximum length, a hostile path parameter), so the only acceptable answer is a 4xx
 * problem+json that says what is wrong — never a 500 — and the database must be byte-for-byte
 * unchanged afterwards.
 */

const BODY_LIMIT = 256 * 1024;
const RUNS_PER_ROUTE = 12;

/** Write routes without a JSON body: only their path parameters / query / raw body can be fuzzed. */
const NO_JSON_BODY = new Set([
  'DELETE /api/v1/tokens/:id',
  'DELETE /api/v1/components/:key/status',
  'POST /api/v1/monitors/:key/heartbeat-token',
  'DELETE /api/v1/slos/:id',
  'POST /api/v1/slos/import',
  'POST /api/v1/subscribers/unsubscribe',
  'DELETE /api/v1/subscribers/:id',
  'POST /api/v1/outbox/:id/resend',
]);

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  maxLength?: number;
  anyOf?: JsonSchema[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>>;
}

interface WriteRoute {
  method: string;
  pattern: string;
  body: JsonSchema | null;
}

const HOSTILE_STRINGS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE incidents; --",
  '../../../../etc/passwd',
  '\u0000\u0001\u001f',
  '%00%0d%0aSet-Cookie: x=1',
  '${7*7}{{7*7}}',
  '\u202e\ufeff\ud83d\ude00',
  '__proto__',
  'constructor',
  'x'.repeat(5000),
];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const hostileNumber = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.1 + 0.2, -1),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A deeply nested array, past any sane recursion limit. */
const deepNesting = fc.integer({ min: 200, max: 2000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));

/** JSON text that does not parse. */
const malformedJson = fc.oneof(
  fc.constantFrom('{', '{"a":', "{'single': 'quotes'}", '{"a":1,}', 'undefined', 'NaN', '{"a":1}{"b":2}', '\u0000', ''),
  fc.string({ maxLength: 60 }).filter((text) => {
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  }),
);

/** Any JSON that is not an object (every body schema here is an object). */
const notAnObject = fc.oneof(fc.array(hostileValue, { maxLength: 3 }), hostileString, hostileNumber, fc.boolean(), fc.constant(null));

function typesOf(schema: JsonSchema): string[] {
  if (schema.anyOf) return schema.anyOf.flatMap(typesOf);
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** Values of JSON types a property does not accept (and that no z.coerce could turn into one). */
function wrongTyped(schema: JsonSchema): fc.Arbitrary<unknown> | null {
  const accepted = new Set(typesOf(schema));
  if (accepted.size === 0) return null;
  const options: fc.Arbitrary<unknown>[] = [];
  if (!accepted.has('string')) options.push(hostileString.map((text) => `x${text}`));
  if (!accepted.has('number') && !accepted.has('integer') && !accepted.has('string')) options.push(hostileNumber);
  if (!accepted.has('object')) options.push(fc.dictionary(hostileString, hostileValue, { maxKeys: 3 }));
  if (!accepted.has('array') && !accepted.has('number') && !accepted.has('integer')) options.push(fc.array(hostileValue, { maxLength: 3 }));
  if (!accepted.has('boolean') && !accepted.has('string') && !accepted.has('number') && !accepted.has('integer')) options.push(fc.boolean());
  if (!accepted.has('null')) options.push(fc.constant(null));
  return options.length ? fc.oneof(...options) : null;
}

/** Objects with hostile extra keys and one property set to a value it cannot accept. */
function invalidObjects(schema: JsonSchema): fc.Arbitrary<unknown>[] {
  const properties = Object.entries(schema.properties ?? {});
  const base = fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor')), hostileValue, { maxKeys: 3 });
  const out: fc.Arbitrary<unknown>[] = [];
  const wrong = properties.flatMap(([name, property]) => {
    const value = wrongTyped(property);
    return value ? [value.map((bad) => [name, bad] as const)] : [];
  });
  if (wrong.length) out.push(fc.tuple(base, fc.oneof(...wrong)).map(([extra, [name, bad]]) => JSON.parse(JSON.stringify({ ...extra, [name]: bad })) as unknown));
  const tooLong = properties.flatMap(([name, property]) => {
    const max = property.maxLength;
    if (max === undefined || max > 50_000) return [];
    return [fc.tuple(fc.constantFrom(...HOSTILE_STRINGS), fc.integer({ min: 1, max: 200 })).map(([text, extra]) => [name, text.repeat(Math.ceil((max + extra) / text.length))] as const)];
  });
  if (tooLong.length) out.push(fc.tuple(base, fc.oneof(...tooLong)).map(([extra, [name, long]]) => ({ ...extra, [name]: long })));
  return out;
}

type Payload = { kind: 'text'; text: string } | { kind: 'json'; value: unknown };

function bodyPayloads(schema: JsonSchema): fc.Arbitrary<Payload> {
  return fc.oneof(
    malformedJson.map((text): Payload => ({ kind: 'text', text })),
    deepNesting.map((text): Payload => ({ kind: 'text', text })),
    notAnObject.map((value): Payload => ({ kind: 'json', value })),
    ...invalidObjects(schema).map((objects) => objects.map((value): Payload => ({ kind: 'json', value }))),
  );
}

/** Path parameter values that name nothing (hostile, encoded so they stay one segment). */
const hostileParam = fc.oneof(hostileString, fc.constantFrom('..', '.', '%2e%2e', ' ', 'null', 'undefined', '0', '-1')).filter((text) => {
  try {
    encodeURIComponent(text);
    return text.length > 0;
  } catch {
    return false;
  }
});

function writeRoutes(server: TestServer, document: OpenApiDocument, dataDir: string): WriteRoute[] {
  const app = createApp({ db: server.db, config: testConfig(), serveSite: true, settings: { dataDir } });
  const seen = new Set<string>();
  const routes: WriteRoute[] = [];
  for (const route of app.routes) {
    if (['GET', 'HEAD', 'ALL'].includes(route.method)) continue;
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const operation = document.paths[route.path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()];
    const body = operation?.requestBody?.content?.['application/json']?.schema ?? null;
    const schema = body?.anyOf?.[0] ?? body;
    routes.push({ method: route.method, pattern: route.path, body: schema });
  }
  return routes;
}

/** One request on its own connection; the answer counts even if the server hangs up mid-upload. */
function oneShotRequest(url: string, method: string, body: string, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') responseHeaders.set(name, value);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: responseHeaders }));
      });
    });
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(body);
  });
}

describe('fuzzed writes', () => {
  let server: TestServer;
  let ids: SeededIds;
  let routes: WriteRoute[];
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'headroom-fuzz-'));
    server = await startTestServer({
      settings: { dataDir, bodyLimitBytes: BODY_LIMIT, rateLimits: { publicReadsPerMinute: 1e6, subscribePerMinute: 1e6, tokenWritesPerMinute: 1e6 } },
    });
    ids = await seedRecords(server, (field) => `A normal ${field}`);
    const document = (await (await server.request('/api/v1/openapi.json')).json()) as OpenApiDocument;
    routes = writeRoutes(server, document, dataDir);
    // The admin token's last-used time is written once a minute; write it now, not during the fuzz.
    await server.request('/api/v1/tokens');
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Real ids where a route needs one, so that the body is the only thing standing between it and a write. */
  function realPath(pattern: string): string {
    return pattern
      .replace('/incidents/:id', `/incidents/${ids.incidentId}`)
      .replace(':updateId', ids.updateId)
      .replace('/maintenances/:id', `/maintenances/${ids.maintenanceId}`)
      .replace('/near-misses/:id', `/near-misses/${ids.nearMissId}`)
      .replace('/postmortems/:id', `/postmortems/${ids.postmortemId}`)
      .replace('/action-items/:id', `/action-items/${ids.actionItemId}`)
      .replace('/heartbeats/:key', '/heartbeats/api-health')
      .replace('/components/:key', '/components/api')
      .replace(':token', 'not-the-heartbeat-token-0123456789')
      .replace(/:[A-Za-z]+/g, 'no-such-id');
  }

  async function expectRejected(route: string, response: Response, before: string): Promise<void> {
    const status = response.status;
    const text = await response.text();
    const context = `${route} → ${status} ${text.slice(0, 300)}`;
    expect(status, context).toBeLessThan(500);
    const after = await databaseFingerprint(server.db);
    expect(after === before, `${context}: the database changed`).toBe(true);
    expect(status, context).toBeGreaterThanOrEqual(400);
    expect(response.headers.get('content-type'), context).toContain('application/problem+json');
    const problem = JSON.parse(text) as { status?: unknown; code?: unknown; title?: unknown; detail?: unknown; issues?: unknown };
    expect(problem.status, context).toBe(status);
    expect(typeof problem.code === 'string' && problem.code.length > 0, context).toBe(true);
    expect(typeof problem.detail === 'string' && problem.detail.length > 5, context).toBe(true);
    if (status === 422 && problem.code === 'validation_failed') expect(Array.isArray(problem.issues) && problem.issues.length > 0, context).toBe(true);
  }

  it('knows how to fuzz every write route the app has', () => {
    expect(routes.length).toBeGreaterThan(25);
    const unfuzzable = routes.filter((route) => !route.body && !NO_JSON_BODY.has(`${route.method} ${route.pattern}`));
    expect(unfuzzable.map((route) => `${route.method} ${route.pattern}`), 'write routes with neither a documented JSON body nor a NO_JSON_BODY entry').toEqual([]);
  });

  it('answers malformed, wrong-typed, over-long and hostile JSON bodies with a 4xx problem and writes nothing', async () => {
    for (const route of routes) {
      if (!route.body) continue;
      const key = `${route.method} ${route.pattern}`;
      const path = realPath(route.pattern);
      await fc.assert(
        fc.asyncProperty(bodyPayloads(route.body), async (payload) => {
          const before = await databaseFingerprint(server.db);
          const body = payload.kind === 'text' ? payload.text : JSON.stringify(payload.value);
          const response = await server.request(path, { method: route.method, body, headers: { 'content-type': 'application/json' } });
          await expectRejected(key, response, before);
        }),
        { numRuns: RUNS_PER_ROUTE, seed: 8 },
      );
    }
  }, 120_000);

  it('answers hostile path parameters and secrets with a 4xx problem and writes nothing', async () => {
    for (const route of routes) {
      const key = `${route.method} ${route.pattern}`;
      const hasParams = route.pattern.includes(':');
      const hasQuery = key === 'POST /api/v1/subscribers/unsubscribe';
      if (!hasParams && !hasQuery) continue;
      await fc.assert(
        fc.asyncProperty(hostileParam, async (value) => {
          const before = await databaseFingerprint(server.db);
          const path = hasQuery ? `${route.pattern}?token=${encodeURIComponent(value)}` : route.pattern.replace(/:[A-Za-z]+/g, encodeURIComponent(value));
          const response = await server.request(path, { method: route.method, ...(route.body ? { json: {} } : {}) });
          await expectRejected(key, response, before);
        }),
        { numRuns: RUNS_PER_ROUTE, seed: 8 },
      );
    }
  }, 120_000);

  it('answers an OpenSLO import of hostile text with a 422 problem and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(hostileString, malformedJson, fc.constantFrom('apiVersion: openslo/v1\nkind: SLO\n', '- [a\n', 'a: &x [*x]', '!!js/function "f(){}"')), async (text) => {
        const before = await databaseFingerprint(server.db);
        const response = await server.request('/api/v1/slos/import', { method: 'POST', body: text, headers: { 'content-type': 'application/yaml' } });
        await expectRejected('POST /api/v1/slos/import', response, before);
      }),
      { numRuns: 30, seed: 8 },
    );
  });

  it('answers a body over the size limit with 413 on every write route and writes nothing', async () => {
    const huge = JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT + 1) });
    for (const route of routes) {
      const key = `${route.method} ${route.pattern}`;
      const before = await databaseFingerprint(server.db);
      // The server answers before reading the whole body and closes the connection, which fetch
      // reports as a failed upload; a plain one-shot HTTP request sees the 413 like curl does.
      const response = await oneShotRequest(`${server.baseUrl}${realPath(route.pattern)}`, route.method, huge, {
        authorization: `Bearer ${server.adminToken}`,
        'content-type': 'application/json',
      });
      expect(response.status, key).toBe(413);
      await expectRejected(key, response, before);
    }
  });
});
