import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../api/config/load.ts';
import { syncConfig } from '../../../api/config/sync.ts';
import { seedDemoHistory } from '../../../api/demo/history.ts';
import { actionItems, changes, incidents, maintenances, nearMisses, postmortems } from '../../../db/schema/index.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';

const NOW = new Date('2026-11-21T08:00:00Z');

describe('demo history', () => {
  let db: TempDatabase;
  beforeEach(async () => {
    db = await createTempDb();
    await syncConfig(db, loadConfigFile('api/demo/headroom.config.yaml'), NOW);
  });
  afterEach(() => db.destroy());

  it('records the scripted outages of the last 90 days as resolved incidents, each after a deploy', async () => {
    const count = await seedDemoHistory(db, NOW, 'http://127.0.0.1:3000', 'Demo');
    // Days since the epoch with day % 23 === 5 (API) or day % 31 === 9 (checkout) in the 90 days before NOW.
    const first = Math.floor((NOW.getTime() - 90 * 86_400_000) / 86_400_000);
    const last = Math.floor(NOW.getTime() / 86_400_000);
    let expected = 0;
    for (let day = first; day < last; day += 1) if (day % 23 === 5 || day % 31 === 9) expected += 1;
    expect(count).toBe(expected);
    const rows = await db.orm.select().from(incidents);
    expect(rows).toHaveLength(expected);
    expect(rows.every((row) => row.status === 'resolved' && row.resolvedAt !== null && row.resolvedAt < NOW)).toBe(true);
    expect(await db.orm.select().from(changes)).toHaveLength(expected);
  });

  it('publishes one postmortem with action items, a near miss and an upcoming maintenance', async () => {
    await seedDemoHistory(db, NOW, 'http://127.0.0.1:3000', 'Demo');
    const [postmortem] = await db.orm.select().from(postmortems);
    expect(postmortem).toMatchObject({ status: 'published', visibility: 'public' });
    expect(await db.orm.select().from(actionItems)).toHaveLength(2);
    expect(await db.orm.select().from(nearMisses)).toHaveLength(1);
    const [maintenance] = await db.orm.select().from(maintenances);
    expect(maintenance?.status).toBe('scheduled');
    expect(maintenance?.scheduledFor.getTime()).toBeGreaterThan(NOW.getTime());
  });

  it('runs once: a second start adds nothing', async () => {
    await seedDemoHistory(db, NOW, 'http://127.0.0.1:3000', 'Demo');
    expect(await seedDemoHistory(db, new Date(NOW.getTime() + 60_000), 'http://127.0.0.1:3000', 'Demo')).toBe(0);
    expect(await db.orm.select().from(maintenances)).toHaveLength(1);
  });
});
