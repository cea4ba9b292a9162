import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { appMeta } from '../../db/schema/security.ts';
import type { HeadroomConfig } from '../config/schema.ts';
import { ingestResults, type ProbeResult } from '../services/ingest-results.ts';
import { advanceStatuses } from '../services/monitor-status.ts';
import { demoResponse } from './script.ts';

const STEP_MS = 5 * 60_000;
const BATCH = 5000;
export const DEMO_HISTORY_DAYS = 90;
const META_KEY = 'demo.backfilled_until';

/** A UUID derived from its inputs, so a re-run backfill produces the same ids and adds nothing. */
export function stableUuid(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Fills the last 90 days with results that follow the demo script, through the real ingest
 * path (so rollups and SLO series are built exactly as live data would be), and advances each
 * monitor's state and its component's derived status with them. Idempotent.
 */
export async function backfillDemoHistory(database: Database, config: HeadroomConfig, now: Date): Promise<number> {
  const [done] = await database.orm.select().from(appMeta).where(eq(appMeta.key, META_KEY));
  const from = done ? Number(done.value) : now.getTime() - DEMO_HISTORY_DAYS * 86_400_000;
  const until = Math.floor(now.getTime() / STEP_MS) * STEP_MS;
  let batch: ProbeResult[] = [];
  let written = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const summary = await ingestResults(database, batch, {
      now,
      backfillHorizonMs: (DEMO_HISTORY_DAYS + 1) * 86_400_000,
      // Monitor state and component status follow the history exactly as live ingest moves them
      // (batches are in time order), so the first site build shows the present, not `no_data`.
      // Monitoring incidents are not opened: the past outage is history, not news to notify.
      afterInsert: async (tx, inserted) => void (await advanceStatuses(tx, inserted, now)),
    });
    written += summary.accepted;
    batch = [];
  };
  for (let at = Math.ceil(from / STEP_MS) * STEP_MS; at < until; at += STEP_MS) {
    for (const monitor of config.monitors) {
      if (monitor.kind === 'heartbeat') continue;
      const path = monitor.kind === 'http' ? new URL(monitor.url).pathname : '/tcp';
      const response = monitor.kind === 'http' ? demoResponse(path, at) : { status: 200, latencyMs: 2, body: '' };
      for (const region of monitor.regions) {
        batch.push({
          id: stableUuid(monitor.key, region, String(at)),
          monitor: monitor.key,
          region,
          at: new Date(at),
          ok: response.status < 400,
          latencyMs: Math.round(response.latencyMs),
          statusCode: monitor.kind === 'http' ? response.status : undefined,
          error: response.status >= 400 ? `HTTP ${response.status}` : undefined,
        });
        if (batch.length >= BATCH) await flush();
      }
    }
  }
  await flush();
  await database.write((tx) =>
    tx
      .insert(appMeta)
      .values({ key: META_KEY, value: String(until), updatedAt: now })
      .onConflictDoUpdate({ target: appMeta.key, set: { value: String(until), updatedAt: now } }),
  );
  return written;
}
