import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { DAY_MS, HOUR_MS, bucketStart, monitorSeries, type Observation } from '../../api/domain/rollups.ts';
import { addToRollups } from '../../api/services/rollup-writer.ts';
import type { TestServer } from './server.ts';

/**
 * History for the site: `days` days of day and hour rollups per monitor region, written straight
 * into the rollup tables (older than the ingest horizon, so the API would refuse them), with
 * `badDays` (days ago → uptime) carrying failures.
 */
export async function seedHistory(
  database: Database,
  monitors: readonly { key: string; regions: readonly string[] }[],
  now: Date,
  options: { days?: number; badDays?: Record<number, number>; perDay?: number } = {},
): Promise<void> {
  const days = options.days ?? 90;
  const perDay = options.perDay ?? 300;
  const today = bucketStart(now.getTime(), 'day');
  const observations: Observation[] = [];
  for (const monitor of monitors) {
    for (const region of monitor.regions) {
      for (let ago = days - 1; ago >= 1; ago -= 1) {
        const uptime = options.badDays?.[ago] ?? 1;
        const good = Math.round(perDay * uptime);
        // Spread over 24 hourly observations so hour rollups exist too.
        for (let hour = 0; hour < 24; hour += 1) {
          const total = hour === 23 ? perDay - Math.floor(perDay / 24) * 23 : Math.floor(perDay / 24);
          const goodHere = Math.min(total, Math.max(0, good - Math.floor(perDay / 24) * hour));
          observations.push({
            series: monitorSeries(monitor.key, region),
            atMs: today - ago * DAY_MS + hour * HOUR_MS,
            total,
            good: goodHere,
            latencyMs: 80 + ((ago * 7 + hour) % 60),
          });
        }
      }
    }
  }
  // addToRollups writes the minute, hour and day levels, exactly as ingest does.
  await database.write(async (tx) => {
    for (let index = 0; index < observations.length; index += 5000) await addToRollups(tx, observations.slice(index, index + 5000));
  });
}

/** Posts `count` recent results per monitor region through the real ingest API. */
export async function postRecentResults(
  server: TestServer,
  monitors: readonly { key: string; regions: readonly string[] }[],
  options: { count?: number; ok?: (monitor: string) => boolean; latencyMs?: number } = {},
): Promise<void> {
  const token = await server.tokenWith('ingest');
  const now = server.clock.now().getTime();
  const results = monitors.flatMap((monitor) =>
    monitor.regions.flatMap((region) =>
      Array.from({ length: options.count ?? 3 }, (_, index) => ({
        id: randomUUID(),
        monitor: monitor.key,
        region,
        at: new Date(now - (index + 1) * 30_000).toISOString(),
        ok: options.ok ? options.ok(monitor.key) : true,
        latencyMs: options.latencyMs ?? 120,
      })),
    ),
  );
  const response = await server.request('/api/v1/results', { method: 'POST', json: { results }, token });
  if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
}
