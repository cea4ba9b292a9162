import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { syncConfig } from '../../../api/config/sync.ts';
import { components, monitors, slos } from '../../../db/schema/index.ts';
import { testConfig } from '../../helpers/config.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';

const T0 = new Date('2026-11-01T00:00:00Z');
const T1 = new Date('2026-11-02T00:00:00Z');

describe('config sync', () => {
  let db: TempDatabase;
  beforeEach(async () => {
    db = await createTempDb();
  });
  afterEach(() => db.destroy());

  it('creates every declared entry on the first run', async () => {
    const summary = await syncConfig(db, testConfig(), T0);
    expect(summary).toEqual({ created: 7, updated: 0, archived: 0, unchanged: 0 });
    const monitorRows = await db.orm.select().from(monitors);
    expect(monitorRows.map((row) => [row.id, row.componentId, row.regions, row.intervalMs])).toEqual([
      ['api-health', 'api', ['eu', 'us'], 60_000],
      ['web-home', 'web', ['eu'], 60_000],
    ]);
  });

  it('changes nothing when run twice with the same file', async () => {
    await syncConfig(db, testConfig(), T0);
    const before = await db.orm.select().from(components);
    const summary = await syncConfig(db, testConfig(), T1);
    expect(summary).toEqual({ created: 0, updated: 0, archived: 0, unchanged: 7 });
    expect(await db.orm.select().from(components)).toEqual(before);
  });

  it('updates only the entry that changed', async () => {
    await syncConfig(db, testConfig(), T0);
    const config = testConfig({
      components: [
        { key: 'api', name: 'Public API', group: 'core' },
        { key: 'web', name: 'Website' },
      ],
    });
    const summary = await syncConfig(db, config, T1);
    expect(summary.updated).toBe(1);
    const rows = await db.orm.select().from(components);
    expect(rows.find((row) => row.id === 'api')?.updatedAt).toEqual(T1);
    expect(rows.find((row) => row.id === 'web')?.updatedAt).toEqual(T0);
  });

  it('archives an entry removed from the file, keeps its row, and unarchives it when it returns', async () => {
    await syncConfig(db, testConfig(), T0);
    const withoutWeb = testConfig({
      components: [{ key: 'api', name: 'API', group: 'core' }],
      monitors: [{ key: 'api-health', component: 'api', kind: 'http', url: 'http://127.0.0.1:9/health', regions: ['eu', 'us'] }],
      slos: [
        {
          key: 'api-availability',
          name: 'API availability',
          service: 'api',
          sli: { kind: 'availability', monitors: ['api-health'] },
          target: 0.99,
          window: '30d',
        },
      ],
    });
    const summary = await syncConfig(db, withoutWeb, T1);
    expect(summary.archived).toBe(3);
    const web = (await db.orm.select().from(components)).find((row) => row.id === 'web');
    expect(web?.archivedAt).toEqual(T1);
    expect((await db.orm.select().from(slos)).find((row) => row.id === 'web-latency')?.archivedAt).toEqual(T1);

    await syncConfig(db, testConfig(), new Date('2026-11-03T00:00:00Z'));
    const back = (await db.orm.select().from(components)).find((row) => row.id === 'web');
    expect(back?.archivedAt).toBeNull();
    expect(back?.createdAt).toEqual(T0);
  });

  it('leaves SLOs created through the API alone', async () => {
    await syncConfig(db, testConfig(), T0);
    await db.write((tx) =>
      tx.insert(slos).values({
        id: 'from-api',
        name: 'Made by API',
        service: 'api',
        sliKind: 'events',
        sli: {},
        target: 0.9,
        window: '7d',
        origin: 'api',
        createdAt: T0,
        updatedAt: T0,
      }),
    );
    await syncConfig(db, testConfig(), T1);
    expect((await db.orm.select().from(slos)).find((row) => row.id === 'from-api')?.archivedAt).toBeNull();
  });
});
