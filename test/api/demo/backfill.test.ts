import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../api/config/load.ts';
import { syncConfig } from '../../../api/config/sync.ts';
import type { HeadroomConfig } from '../../../api/config/schema.ts';
import { backfillDemoHistory } from '../../../api/demo/backfill.ts';
import { demoResponse } from '../../../api/demo/script.ts';
import { advanceStreak, INITIAL_STREAK } from '../../../api/domain/monitor-state.ts';
import { loadComponentStatuses } from '../../../api/services/component-status.ts';
import { monitors, monitorState } from '../../../db/schema/monitors.ts';
import { probeResults } from '../../../db/schema/probe-results.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';

const DEMO_CONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../../api/demo/headroom.config.yaml');
const MINUTE = 60_000;
const DAY = 86_400_000;
const STEP = 5 * MINUTE;

/**
 * A moment, found from the demo script itself, whose last three backfilled API results (one every
 * 5 minutes) all fail: `api-health` (downAfter 3) is down then, in one of its scripted outages.
 */
function duringScriptedOutage(): Date {
  const from = Math.ceil(Date.parse('2026-11-01T00:00:00Z') / STEP) * STEP;
  for (let step = from; step < from + 120 * DAY; step += STEP) {
    if ([1, 2, 3].every((back) => demoResponse('/api/health', step - back * STEP).status >= 400)) return new Date(step + 2 * MINUTE);
  }
  throw new Error('the demo script has no API outage of 15 minutes or more');
}
const DURING_OUTAGE = duringScriptedOutage();

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
    const lastSteps = [1, 2, 3].map((back) => Math.floor(later.getTime() / STEP) * STEP - back * STEP);
    expect(lastSteps.every((at) => demoResponse('/api/health', at).status < 400)).toBe(true);
    await backfillDemoHistory(db, config, later);
    const api = (await loadComponentStatuses(db, later, 10 * MINUTE)).find((entry) => entry.id === 'api');
    expect(api).toMatchObject({ status: 'operational', dataState: 'fresh' });
    const [state] = await db.orm.select().from(monitorState).where(eq(monitorState.monitorId, 'api-health'));
    expect(state).toMatchObject({ status: 'up', consecutiveFailures: 0 });
    expect(state?.consecutiveSuccesses).toBeGreaterThanOrEqual(10);
  });
});
