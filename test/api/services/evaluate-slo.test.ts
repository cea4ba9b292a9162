import { asc, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeSlos } from '../../../api/services/evaluate-slo.ts';
import { slos } from '../../../db/schema/index.ts';
import { createTempDb, type TempDatabase } from '../../helpers/temp-db.ts';

describe('activeSlos', () => {
  let db: TempDatabase;
  beforeAll(async () => {
    db = await createTempDb();
    const at = new Date('2026-11-01T12:00:00.123Z');
    await db.write(async (tx) => {
      await tx.insert(slos).values([
        {
          id: 'full',
          name: 'Every column set',
          description: 'with "quotes", \\ and ünïcode',
          service: 'api',
          componentId: null,
          sliKind: 'prometheus',
          sli: { prometheus: { url: 'http://127.0.0.1:9090', good: 'sum(good)', total: 'sum(total)' } },
          // Doubles that 15 significant digits would not give back.
          target: 0.1 + 0.2 + 0.6,
          window: 'month',
          timeZone: 'Asia/Kolkata',
          budgetingMethod: 'Timeslices',
          timeSliceTarget: 1 / 3,
          timeSliceWindowMs: 300_000,
          excludeMaintenance: false,
          alertRules: [{ name: 'fast', severity: 'page', longWindow: '1h', shortWindow: '5m', burnRate: 14.4 }],
          policy: { text: 'Freeze.', freezeReleases: true },
          public: true,
          origin: 'api',
          createdAt: at,
          updatedAt: new Date(at.getTime() + 1),
        },
        { id: 'bare', name: 'Defaults', service: 'web', sliKind: 'events', sli: {}, target: 0.999, window: '30d', createdAt: at, updatedAt: at },
        { id: 'gone', name: 'Archived', service: 'web', sliKind: 'events', sli: {}, target: 0.9, window: '7d', createdAt: at, updatedAt: at, archivedAt: at },
      ]);
    });
  });
  afterAll(() => db.destroy());

  it('returns exactly the rows drizzle selects, archived ones left out, in id order', async () => {
    const expected = await db.orm.select().from(slos).where(isNull(slos.archivedAt)).orderBy(asc(slos.id));
    const rows = await activeSlos(db);
    expect(rows.map((row) => row.id)).toEqual(['bare', 'full']);
    expect(rows).toEqual(expected);
    const full = rows.find((row) => row.id === 'full');
    expect(full?.target).toBe(0.1 + 0.2 + 0.6);
    expect(full?.timeSliceTarget).toBe(1 / 3);
    expect(full?.createdAt).toBeInstanceOf(Date);
    expect(full?.public).toBe(true);
  });
});
