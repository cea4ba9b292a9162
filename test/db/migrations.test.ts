import { afterEach, describe, expect, it } from 'vitest';
import { createDb, migrateDb, migrationsApplied } from '../../db/client.ts';
import { createTempDb, type TempDatabase } from '../helpers/temp-db.ts';

const EXPECTED_TABLES = [
  'action_items',
  'api_tokens',
  'audit_log',
  'burn_alerts',
  'changes',
  'component_groups',
  'components',
  'incident_components',
  'incident_updates',
  'incidents',
  'maintenances',
  'monitor_state',
  'monitors',
  'near_misses',
  'outbox',
  'postmortems',
  'probe_results',
  'rollups_day',
  'rollups_hour',
  'rollups_minute',
  'slos',
  'subscribers',
];

describe('migrations', () => {
  let db: TempDatabase | undefined;
  afterEach(() => db?.destroy());

  it('create every table of the model on a fresh database', async () => {
    db = await createTempDb();
    const rows = await db.client.execute("SELECT name FROM sqlite_master WHERE type = 'table'");
    const tables = rows.rows.map((row) => String(row['name']));
    for (const table of EXPECTED_TABLES) expect(tables).toContain(table);
    expect(await migrationsApplied(db)).toBe(true);
  });

  it('are safe to apply twice (every start applies them)', async () => {
    db = await createTempDb();
    await migrateDb(db);
    const rows = await db.client.execute('SELECT count(*) AS n FROM __drizzle_migrations');
    expect(Number(rows.rows[0]?.['n'])).toBeGreaterThan(0);
    expect(await migrationsApplied(db)).toBe(true);
  });

  it('open embedded databases in WAL mode', async () => {
    db = await createTempDb();
    const rows = await db.client.execute('PRAGMA journal_mode');
    expect(String(rows.rows[0]?.['journal_mode'])).toBe('wal');
  });

  it('report not applied on an empty database', async () => {
    db = await createTempDb();
    const empty = await createDb({ url: `file:${db.dir}/empty.db` });
    expect(await migrationsApplied(empty)).toBe(false);
    empty.close();
  });
});

describe('Database.write', () => {
  let db: TempDatabase | undefined;
  afterEach(() => db?.destroy());

  it('runs concurrent write transactions one after another without SQLITE_BUSY', async () => {
    db = await createTempDb();
    const database = db;
    await database.client.execute('CREATE TABLE counter (n INTEGER NOT NULL)');
    await database.client.execute('INSERT INTO counter VALUES (0)');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        database.write(async (tx) => {
          const [row] = await tx.all<{ n: number }>('SELECT n FROM counter');
          await new Promise((resolve) => setTimeout(resolve, 1));
          await tx.run(`UPDATE counter SET n = ${(row?.n ?? 0) + 1}`);
        }),
      ),
    );
    const rows = await database.client.execute('SELECT n FROM counter');
    expect(Number(rows.rows[0]?.['n'])).toBe(20);
  });

  it('rolls back everything when the callback throws, and keeps serving later writes', async () => {
    db = await createTempDb();
    const database = db;
    await database.client.execute('CREATE TABLE t (v TEXT)');
    await expect(
      database.write(async (tx) => {
        await tx.run("INSERT INTO t VALUES ('a')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await database.write((tx) => tx.run("INSERT INTO t VALUES ('b')"));
    const rows = await database.client.execute('SELECT v FROM t');
    expect(rows.rows.map((row) => row['v'])).toEqual(['b']);
  });
});

describe('Database.write group commit', () => {
  let db: TempDatabase | undefined;
  afterEach(() => db?.destroy());

  it('commits writes that queued together, rejecting only the one that failed, after the commit', async () => {
    db = await createTempDb();
    const database = db;
    await database.client.execute('CREATE TABLE t (v TEXT NOT NULL)');
    const committedOrder: string[] = [];
    const results = await Promise.allSettled(
      ['a', 'b', 'bad', 'c'].map((value) =>
        database.write(async (tx) => {
          tx.afterCommit(() => committedOrder.push(value));
          await tx.$client.execute({ sql: 'INSERT INTO t VALUES (?)', args: [value] });
          if (value === 'bad') throw new Error('rejected on purpose');
          return value;
        }),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await database.client.execute('SELECT v FROM t ORDER BY rowid');
    expect(rows.rows.map((row) => row['v'])).toEqual(['a', 'b', 'c']);
    // After-commit callbacks run only for writes that were kept.
    expect(committedOrder).toEqual(['a', 'b', 'c']);
  });
});
