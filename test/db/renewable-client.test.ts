import { createClient } from '@libsql/client';
import { afterEach, describe, expect, it } from 'vitest';
import { RenewableClient } from '../../db/renewable-client.ts';
import { createTempDb, type TempDatabase } from '../helpers/temp-db.ts';

describe('database writes after SQLITE_BUSY', () => {
  let database: TempDatabase | undefined;
  afterEach(() => database?.destroy());

  it('fail while another connection holds the write lock, then succeed again with nothing lost, without cutting off an open read', async () => {
    database = await createTempDb();
    const db = database;
    await db.write((tx) => tx.$client.execute("INSERT INTO app_meta (key, value, updated_at) VALUES ('before', '1', '2025-01-01T00:00:00Z')"));
    // Writes run on the database's dedicated write client; that is the one renewed.
    expect(db.writer).toBeInstanceOf(RenewableClient);
    const renewable = db.writer as RenewableClient;

    // A read transaction opened before the failure keeps its connection until it ends.
    const reader = await db.client.transaction('read');
    // A second connection (as another process would) takes the write lock.
    const holder = createClient({ url: db.url });
    const lock = await holder.transaction('write');
    await lock.execute("INSERT INTO app_meta (key, value, updated_at) VALUES ('holder', '1', '2025-01-01T00:00:00Z')");

    await expect(
      db.write((tx) => tx.$client.execute("INSERT INTO app_meta (key, value, updated_at) VALUES ('during', '1', '2025-01-01T00:00:00Z')")),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(renewable.renewals).toBe(1);
    await lock.rollback();
    lock.close();
    holder.close();

    // Without the renewal, every later commit failed with "SQL statements in progress".
    for (const key of ['after-1', 'after-2', 'after-3']) {
      await db.write((tx) => tx.$client.execute({ sql: "INSERT INTO app_meta (key, value, updated_at) VALUES (?, '1', '2025-01-01T00:00:00Z')", args: [key] }));
    }
    const read = await reader.execute('SELECT count(*) AS n FROM app_meta');
    expect(Number(read.rows[0]?.['n'])).toBeGreaterThanOrEqual(1);
    reader.close();

    const rows = await db.client.execute("SELECT key FROM app_meta WHERE key IN ('before', 'holder', 'during', 'after-1', 'after-2', 'after-3') ORDER BY key");
    expect(rows.rows.map((row) => String(row['key']))).toEqual(['after-1', 'after-2', 'after-3', 'before']);
    expect(renewable.renewals).toBe(1);
  }, 30_000);
});
