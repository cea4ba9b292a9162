import { lt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../../api/config/load.ts';
import { syncConfig } from '../../../../api/config/sync.ts';
import { activeSlos, evaluateSlos, type SloEvaluation } from '../../../../api/services/evaluate-slo.ts';
import { addToRollups } from '../../../../api/services/rollup-writer.ts';
import { MINUTE_HORIZON_KEY } from '../../../../api/services/slo/rollup-reader.ts';
import { segmentCacheFor } from '../../../../api/services/slo/segment-cache.ts';
import { createDb, type Database } from '../../../../db/client.ts';
import { rollupsMinute } from '../../../../db/schema/rollups.ts';
import { appMeta } from '../../../../db/schema/security.ts';
import { createTempDb, type TempDatabase } from '../../../helpers/temp-db.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.parse('2026-11-03T10:17:00Z');

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const config = validateConfig({
  slos: [
    { key: 'rolling', name: 'Rolling', service: 'a', sli: { kind: 'events' }, target: 0.99, window: '2d' },
    { key: 'monthly', name: 'Monthly', service: 'a', sli: { kind: 'events' }, target: 0.9, window: 'month', timeZone: 'Asia/Kolkata' },
    // Fed fractional counts (as Prometheus increases can be): never carried, always summed afresh.
    { key: 'fractions', name: 'Fractions', service: 'a', sli: { kind: 'events' }, target: 0.9, window: '1d' },
  ],
});

/** What a reader sees, minus the instant-independent parts. */
const numbers = (evaluations: SloEvaluation[]) =>
  evaluations.map((e) => ({ id: e.id, sli: e.sli, budget: e.errorBudget, burn: e.burnRates, alerts: e.alerts, window: [e.windowStart, e.windowEnd] }));

describe('window sums carried from one evaluation to the next', () => {
  let db: TempDatabase;
  /** A second client on the same file: its own (empty) cache, so every evaluation is summed from segments. */
  let fresh: Database;
  const random = seeded(42);

  const write = (seriesId: string, atMs: number, fractional = false) => {
    const total = 1 + Math.floor(random() * 20);
    const good = Math.max(0, total - (random() < 0.2 ? Math.floor(random() * total) : 0));
    const scale = fractional ? 0.37 : 1;
    return db.write((tx) => addToRollups(tx, [{ series: `slo:${seriesId}`, atMs, total: total * scale, good: good * scale }]));
  };

  beforeAll(async () => {
    db = await createTempDb();
    fresh = await createDb({ url: db.url });
    await syncConfig(db, config, new Date(START));
    // Three days of history, one observation every 7 minutes per SLO.
    for (let at = START - 3 * DAY; at < START; at += 7 * MIN) {
      await write('rolling', at);
      await write('monthly', at + MIN);
      await write('fractions', at + 2 * MIN, true);
    }
  });
  afterAll(() => {
    fresh.close();
    db.destroy();
  });

  it('give exactly the numbers summed afresh, through moves, late data, jumps back and a moving minute horizon', async () => {
    const rows = await activeSlos(db);
    let at = START + 30_000;
    const steps: string[] = [];
    for (let step = 0; step < 120; step += 1) {
      const roll = random();
      let move = MIN;
      if (roll < 0.1) move = 0;
      else if (roll < 0.2) move = 7 * MIN;
      else if (roll < 0.25) move = 61 * MIN;
      else if (roll < 0.3) move = -30 * MIN;
      at += move;
      // Live data in the current minute (not counted yet) and, now and then, late data deep inside the windows.
      await write('rolling', at);
      await write('fractions', at, true);
      if (random() < 0.3) await write(random() < 0.5 ? 'rolling' : 'monthly', at - Math.floor(random() * 2 * DAY));
      if (random() < 0.2) await write('fractions', at - Math.floor(random() * DAY), true);
      if (step === 60) {
        // Compaction moved the minute horizon and dropped the minutes before it: heads older
        // than this are read from whole hours, and no carried sum may reach for those minutes.
        const horizon = at - DAY - 13 * MIN;
        await db.write(async (tx) => {
          await tx.insert(appMeta).values({ key: MINUTE_HORIZON_KEY, value: String(horizon), updatedAt: new Date(at) });
          await tx.delete(rollupsMinute).where(lt(rollupsMinute.bucket, horizon));
        });
      }
      steps.push(`${move / MIN}m`);
      const carried = numbers(await evaluateSlos(db, rows, new Date(at)));
      segmentCacheFor(fresh.client).clear();
      const summed = numbers(await evaluateSlos(fresh, rows, new Date(at)));
      expect(carried, `after steps ${steps.join(' ')}`).toEqual(summed);
    }
    // The windows really moved and really had data.
    expect(numbers(await evaluateSlos(db, rows, new Date(at))).every((e) => e.sli.total > 0)).toBe(true);
  });

  it('carries sums only for whole counts', async () => {
    const cache = segmentCacheFor(db.client);
    const now = Date.now();
    expect(cache.entry('slo:rolling', 'window:-1', now)).toBeDefined();
    expect(cache.entry('slo:fractions', 'window:-1', now)).toBeUndefined();
  });
});
