import { createHash } from 'node:crypto';
import type { Database } from '../../db/client.ts';

/**
 * A hash of every row of every table (in rowid order), to prove a rejected request changed
 * nothing at all — not the audit log, not a counter, not a timestamp.
 */
export async function databaseFingerprint(database: Database): Promise<string> {
  const tables = await database.client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  const hash = createHash('sha256');
  for (const table of tables.rows) {
    const name = String(table['name']);
    const rows = await database.client.execute(`SELECT * FROM "${name.replace(/"/g, '""')}"`);
    hash.update(name);
    hash.update(JSON.stringify(rows.rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
  }
  return hash.digest('hex');
}
