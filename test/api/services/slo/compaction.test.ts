import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../../api/config/load.ts';
import { syncConfig } from '../../../../api/config/sync.ts';
import { activeSlos, evaluateSlos } from '../../../../api/services/evaluate-slo.ts';
import { ingestResults } from '../../../../api/services/ingest-results.ts';
import { compact } from '../../../../api/services/slo/compaction.ts';
import { probeResults, rollupsHour, rollupsMinute } from '../../../../db/schema/index.ts';
import { createTempDb, type TempDatabase } from '../../../helpers/temp-db.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = Date.parse('2026-11-01T12:00:00Z');

const config = validateConfig({
  monitors: [{ key: 'm', kind: 'http', url: 'http://127.0.0.1:9/', regions: ['eu'] }],
  slos: [
    { key: 'occ', name: 'Occurrences', service: 's', sli: { kind: 'availability', monitors: ['m'] }, target: 0.99, window: '7d' },
    { key: 'sliced', name: 'Slices', service: 's', sli: { kind: 'availability', monitors: ['m'] }, target: 0.9, window: '7d', budgetingMethod: 'Timeslices', timeSliceTarget: 0.5, timeSliceWindow: '5m' },
  ],
  sloEngine: { rawRetention: '3d', minuteRetention: '2d', hourRetention: '30d' },
});

describe('rollup compaction', () => {
  let db: TempDatabase;
  beforeAll(async () => {
    db = await createTempDb();
    await syncConfig(db, config, new Date(NOW));
    const results = [];
    for (let at = NOW - 9 * DAY; at < NOW; at += 13 * MIN) {
      results.push({ id: randomUUID(), monitor: 'm', region: 'eu', at: new Date(at), ok: at % 7 !== 0 && Math.floor(at / 3_600_000) % 11 !== 0, latencyMs: 10 });
    }
    await ingestResults(db, results, { now: new Date(NOW), backfillHorizonMs: 10 * DAY });
  });
  afterAll(() => db.destroy());

  it('drops old raw results and minute rows but leaves SLOs at whole-hour instants unchanged', async () => {
    const instants = [NOW, NOW - 5 * 3_600_000].map((ms) => new Date(ms));
    const before = await Promise.all(instants.map(async (at) => evaluateSlos(db, await activeSlos(db), at)));
    const summary = await compact(db, new Date(NOW), config.sloEngine, 3 * DAY);
    expect(summary.raw).toBeGreaterThan(0);
    expect(summary.minute).toBeGreaterThan(0);
    const oldestRaw = Math.min(...(await db.orm.select().from(probeResults)).map((row) => row.at.getTime()));
    expect(oldestRaw).toBeGreaterThanOrEqual(NOW - 3 * DAY);
    const minutes = await db.orm.select().from(rollupsMinute);
    const occMinutes = minutes.filter((row) => row.series !== 'slo:sliced');
    expect(Math.min(...occMinutes.map((row) => row.bucket))).toBeGreaterThanOrEqual(NOW - 2 * DAY - 3_600_000);
    // The 5-minute time-slice SLO keeps its minute rows for its whole 7-day window.
    expect(Math.min(...minutes.filter((row) => row.series === 'slo:sliced').map((row) => row.bucket))).toBeLessThan(NOW - 7 * DAY);
    const after = await Promise.all(instants.map(async (at) => evaluateSlos(db, await activeSlos(db), at)));
    expect(after).toEqual(before);
    // Running again deletes nothing more.
    expect(await compact(db, new Date(NOW), config.sloEngine, 3 * DAY)).toEqual({ raw: 0, events: 0, minute: 0, hour: 0 });
    expect((await db.orm.select().from(rollupsHour)).length).toBeGreaterThan(0);
  });

  it('widens a window head older than the minute horizon to its hour instead of losing it', async () => {
    const at = new Date(NOW - 17 * MIN);
    const [occ] = await evaluateSlos(db, (await activeSlos(db)).filter((slo) => slo.id === 'occ'), at);
    const hourRows = (await db.orm.select().from(rollupsHour)).filter((row) => row.series === 'slo:occ');
    const minuteRows = (await db.orm.select().from(rollupsMinute)).filter((row) => row.series === 'slo:occ');
    const end = Math.floor(at.getTime() / MIN) * MIN;
    const headHour = Math.floor((end - 7 * DAY) / 3_600_000) * 3_600_000;
    const tailHour = Math.floor(end / 3_600_000) * 3_600_000;
    const expected =
      hourRows.filter((row) => row.bucket >= headHour && row.bucket < tailHour).reduce((sum, row) => sum + row.total, 0) +
      minuteRows.filter((row) => row.bucket >= tailHour && row.bucket < end).reduce((sum, row) => sum + row.total, 0);
    expect(occ?.sli.total).toBe(expected);
    expect(occ?.windowStart).toBe(new Date(end - 7 * DAY).toISOString());
  });
});
