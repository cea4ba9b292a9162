import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createClient } from '@libsql/client';
import { createApp } from '../api/app.ts';
import { validateConfig } from '../api/config/load.ts';
import { syncConfig } from '../api/config/sync.ts';
import type { ProbeResultInput } from '../api/routes/results/schemas.ts';
import { ensureAdminToken } from '../api/services/tokens.ts';
import { CACHE_SIZE, createDb, migrateDb, WAL_AUTOCHECKPOINT_PAGES } from '../db/client.ts';
import { ratioOf, type Benchmark } from './harness.ts';

const TOTAL = Number(process.env['BENCH_INGEST_RESULTS'] ?? 1_000_000);
const BATCH = 1000;
const CONCURRENCY = 4;
const MONITORS = 100;
const REGIONS = ['eu-west', 'us-east'];

type Row = ProbeResultInput & { statusCode: number };

function makeRows(now: number): Row[][] {
  const batches: Row[][] = [];
  const perSeries = TOTAL / (MONITORS * REGIONS.length);
  let index = 0;
  for (let b = 0; b < TOTAL / BATCH; b += 1) {
    const batch: Row[] = [];
    for (let i = 0; i < BATCH; i += 1, index += 1) {
      const series = index % (MONITORS * REGIONS.length);
      const step = Math.floor(index / (MONITORS * REGIONS.length));
      batch.push({
        id: randomUUID(),
        monitor: `m${series % MONITORS}`,
        region: REGIONS[Math.floor(series / MONITORS)] ?? 'eu-west',
        at: new Date(now - (perSeries - step) * 10_000).toISOString(),
        ok: index % 97 !== 0,
        latencyMs: 20 + (index % 400),
        statusCode: 200,
      });
    }
    batches.push(batch);
  }
  return batches;
}

async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        if (item !== undefined) await work(item);
      }
    }),
  );
}

/** HTTP ingest (validation, idempotency, rollups, audit) vs plain multi-row inserts of the same rows. */
export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  async run() {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-ingest-'));
    try {
      const now = Date.now();
      const batches = makeRows(now);
      const config = validateConfig({
        components: [{ key: 'c', name: 'C' }],
        monitors: Array.from({ length: MONITORS }, (_, i) => ({
          key: `m${i}`,
          component: 'c',
          kind: 'http',
          url: 'http://127.0.0.1:9/',
          regions: REGIONS,
        })),
      });

      // Baseline: the same rows straight into an identical table, one multi-row INSERT per batch.
      const raw = createClient({ url: `file:${join(dir, 'raw.db')}`, timeout: 5000 });
      await raw.execute('PRAGMA journal_mode = WAL');
      await raw.execute('PRAGMA synchronous = NORMAL');
      // The same connection settings the app's write connection uses, so the ratio is the ingest path's cost.
      await raw.execute(`PRAGMA cache_size = ${CACHE_SIZE}`);
      await raw.execute(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      const database = await createDb({ url: `file:${join(dir, 'http.db')}` });
      await migrateDb(database);
      // Identical table: the same CREATE TABLE and the same indexes.
      const ddl = await database.client.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'probe_results' AND sql IS NOT NULL ORDER BY type DESC",
      );
      for (const row of ddl.rows) await raw.execute(String(row['sql']));
      const placeholders = Array.from({ length: BATCH }, () => '(?,?,?,?,?,?,?,?,?,?)').join(',');
      const rawStarted = performance.now();
      for (const batch of batches) {
        await raw.execute({
          sql: `INSERT INTO probe_results (id, monitor_id, region, at, ok, latency_ms, status_code, error, tls_expires_at, received_at) VALUES ${placeholders}`,
          args: batch.flatMap((row) => [row.id, row.monitor, row.region, Date.parse(row.at), row.ok ? 1 : 0, row.latencyMs, row.statusCode, null, null, now]),
        });
      }
      const rawSeconds = (performance.now() - rawStarted) / 1000;
      raw.close();

      // The real thing: the Hono app over HTTP on loopback.
      await syncConfig(database, config, new Date(now));
      const admin = (await ensureAdminToken(database, new Date(now))) ?? '';
      const app = createApp({ db: database, config });
      const server: ServerType = await new Promise((ready) => {
        const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => ready(listening));
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/results`;
      const bodies = batches.map((results) => JSON.stringify({ results }));
      let accepted = 0;
      const httpStarted = performance.now();
      await runPool(bodies, CONCURRENCY, async (body) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body,
        });
        if (response.status !== 200) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
        accepted += ((await response.json()) as { accepted: number }).accepted;
      });
      const httpSeconds = (performance.now() - httpStarted) / 1000;
      await new Promise<void>((done) => server.close(() => done()));
      database.close();
      if (accepted !== TOTAL) throw new Error(`expected ${TOTAL} accepted, got ${accepted}`);

      const httpRate = TOTAL / httpSeconds;
      const rawRate = TOTAL / rawSeconds;
      const ratio = ratioOf(httpRate, rawRate);
      return [
        {
          name: `HTTP ingest, ${TOTAL.toLocaleString('en-US')} results in batches of ${BATCH}`,
          figure: httpRate,
          unit: 'results/s',
          baseline: rawRate,
          baselineLabel: 'raw multi-row INSERT via @libsql/client',
          ratio,
          target: '≥ 0.5× raw',
          met: (ratio ?? 0) >= 0.5,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
