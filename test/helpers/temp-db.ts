import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, migrateDb, type Database } from '../../db/client.ts';

export interface TempDatabase extends Database {
  dir: string;
  /** Closes the client and deletes the files. */
  destroy(): void;
}

/** A fresh libSQL file in its own temp folder, migrated with the committed migrations. */
export async function createTempDb(): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-test-'));
  const database = await createDb({ url: `file:${join(dir, 'test.db')}` });
  await migrateDb(database);
  return {
    ...database,
    dir,
    destroy() {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
