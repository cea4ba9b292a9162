/**
 * Another process holding SQLite's write lock: opens the database named by argv[2], takes the
 * lock with BEGIN IMMEDIATE, prints "locked", holds it for argv[3] ms, then rolls back and exits.
 */
import { createClient } from '@libsql/client';

const [url = '', holdText = '5000'] = process.argv.slice(2);
const client = createClient({ url });
// A write transaction (BEGIN IMMEDIATE) with a write in it, so the lock is certainly held.
const transaction = await client.transaction('write');
await transaction.execute("CREATE TABLE IF NOT EXISTS lock_holder (at TEXT)");
process.stdout.write('locked\n');
await new Promise((done) => setTimeout(done, Number(holdText)));
await transaction.rollback();
transaction.close();
client.close();
process.stdout.write('released\n');
