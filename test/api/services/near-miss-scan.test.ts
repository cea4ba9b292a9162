import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncConfig } from '../../../api/config/sync.ts';
import { ingestResults } from '../../../api/services/ingest-results.ts';
import { loadDetectionInput } from '../../../api/services/near-miss-scan.ts';
import { testConfig } from '../../helpers/config.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';

const NOW = Date.parse('2026-11-01T12:00:00Z');

describe('loadDetectionInput', () => {
  let db: TempDatabase;
  const config = testConfig();
  beforeEach(async () => {
    db = await createTempDb();
    await syncConfig(db, config, new Date(NOW));
    const results = Array.from({ length: 30 }, (_, index) => ({
      id: randomUUID(),
      monitor: 'api-health',
      region: index % 2 === 0 ? 'eu' : 'us',
      at: new Date(NOW - (30 - index) * 30_000),
      ok: true,
      latencyMs: index,
    }));
    await ingestResults(db, results, { now: new Date(NOW), backfillHorizonMs: 86_400_000 });
  });
  afterEach(() => db.destroy());

  it('reads every result in the range for an explicit scan', async () => {
    const input = await loadDetectionInput(db, config.nearMisses, NOW - 60_000, NOW);
    expect(input.samples).toHaveLength(30);
  });

  it('keeps only the newest results of each series for the live detector, oldest first', async () => {
    const input = await loadDetectionInput(db, config.nearMisses, NOW - 60_000, NOW, { maxSamplesPerSeries: 4 });
    expect(input.samples).toHaveLength(8);
    const eu = input.samples.filter((sample) => sample.region === 'eu').map((sample) => sample.latencyMs);
    expect(eu).toEqual([22, 24, 26, 28]);
    const times = input.samples.map((sample) => sample.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
