import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../api/config/load.ts';
import { syncConfig } from '../../../api/config/sync.ts';
import type { HeadroomConfig } from '../../../api/config/schema.ts';
import { backfillDemoHistory } from '../../../api/demo/backfill.ts';
import { advanceStreak, INITIAL_STREAK } from '../../../api/domain/monitor-state.ts';
import { loadComponentStatuses } from '../../../api/services/component-status.ts';
import { monitors, monitorState } from '../../../db/schema/monitors.ts';
import { probeResults } from '../../../db/schema/probe-results.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';

const DEMO_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../../api/demo/headroom.config.yaml');
const MINUTE = 60_000;
const DAY = 86_400_000;
// 10:30 UTC on a day of the demo script's 45-minute API outage (day % 23 === 5, 10:00–10:45).
const firstDay = Math.floor(Date.parse('2026-11-01T00:00:00Z') / DAY);
const outageDay = firstDay + ((5 - (firstDay % 23) + 23) % 23);
const DURING_OUTAGE = new Date(outageDay * DAY + 630 * MINUTE);

describe('demo backfill', () => {
  let db: TempDatabase;
  let config: HeadroomConfig;
  beforeAll(async () => {
    db = await createTempDb();
    config = loadConfigFile(DEMO_CONFIG);
    await syncConfig(db, config, DURING_OUTAGE);
    await backfillDemoHistory(db, config, DURING_OUTAGE);
  }, 120_000);
  afterAll(() => db.destroy());

  it('leaves every demo monitor with the state its whole backfilled history gives, up to the last result', async () => {
    const monitorRows = await db.orm.select().from(monitors);
    expect(monitorRows.length).toBe(config.monitors.length);
    for (const monitor of monitorRows) {
      for (const region of monitor.regions) {
        const history = await db.orm
          .select({ at: probeResults.at, ok: probeResults.ok, latencyMs: probeResults.latencyMs })
          .from(probeResults)
          .where(and(eq(probeResults.monitorId, monitor.id), eq(probeResults.region, region)))
          .orderBy(asc(probeResults.at));
        expect(history.length).toBeGreaterThan(20_000);
        // Replayed here with the live path's pure rule, independently of how the backfill did it.
        let expected = INITIAL_STREAK;
        for (const result of history) {
          expected = advanceStreak(expected, result, { downAfter: monitor.downAfter, upAfter: monitor.upAfter, degradedLatencyMs: monitor.degradedLatencyMs });
        }
        const [state] = await db.orm
          .select()
          .from(monitorState)
          .where(and(eq(monitorState.monitorId, monitor.id), eq(monitorState.region, region)));
        expect(state, `${monitor.id}/${region}`).toMatchObject({ ...expected, lastResultAt: history.at(-1)?.at });
        expect(state?.status).not.toBe('unknown');
      }
    }
  });

  it('shows the present on the page at once: fresh data, the API in its scripted outage, the rest operational', async () => {
    const statuses = await loadComponentStatuses(db, DURING_OUTAGE, 10 * MINUTE);
    expect(statuses.map((entry) => [entry.id, entry.status, entry.source, entry.dataState])).toEqual([
      ['api', 'major_outage', 'monitors', 'fresh'],
      ['auth', 'operational', 'monitors', 'fresh'],
      ['database', 'operational', 'monitors', 'fresh'],
      ['website', 'operational', 'monitors', 'fresh'],
      ['checkout', 'operational', 'monitors', 'fresh'],
    ]);
  });

  it('moves the state on when a later start backfills the gap (the API recovered)', async () => {
    const later = new Date(DURING_OUTAGE.getTime() + 2 * 3_600_000);
    await backfillDemoHistory(db, config, later);
    const api = (await loadComponentStatuses(db, later, 10 * MINUTE)).find((entry) => entry.id === 'api');
    expect(api).toMatchObject({ status: 'operational', dataState: 'fresh' });
    const [state] = await db.orm.select().from(monitorState).where(eq(monitorState.monitorId, 'api-health'));
    expect(state).toMatchObject({ status: 'up', consecutiveFailures: 0 });
    expect(state?.consecutiveSuccesses).toBeGreaterThanOrEqual(10);
  });
});
