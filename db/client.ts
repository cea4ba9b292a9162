import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type Transaction } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { RenewableClient } from './renewable-client.ts';
import { createWriteQueue } from './write-queue.ts';
import * as schema from './schema/index.ts';

export type Db = LibSQLDatabase<typeof schema>;
/**
 * The handle a write transaction callback receives: drizzle bound to one libSQL transaction,
 * with that transaction as `$client` for the few hot paths (ingest, rollups) that send
 * prebuilt multi-row SQL instead of paying drizzle's per-parameter query building.
 */
export type Tx = Omit<Db, '$client' | 'transaction'> & {
  $client: Transaction;
  /** The database's own client (identifies the database, e.g. for caches keyed by it). */
  $root: Client;
  /** Runs `callback` once the transaction has committed (never on rollback), e.g. to drop cached reads. */
  afterCommit(callback: () => void): void;
};

export interface Database {
  orm: Db;
  /** Reads (and the database's identity for caches). */
  client: Client;
  /** The connection writes run on (the same client for in-memory and server databases). */
  writer: Client;
  url: string;
  /**
   * Runs `fn` in one write transaction. Writes are queued in-process first: the embedded
   * driver is synchronous, so two transactions racing for SQLite's write lock would block the
   * event loop inside the busy handler while the holder can never finish. The queue makes them
   * take turns instead; a libSQL server still arbitrates between separate processes. Writes that
   * queue up together share one transaction, each in its own savepoint (group commit, see
   * write-queue.ts): a failing write still fails alone, and callers hear back after the commit.
   */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Folds the WAL back into the database file (embedded files; a no-op for servers), e.g. before a clean exit. */
  checkpoint(): Promise<void>;
  close(): void;
}

export interface DbOptions {
  url: string;
  authToken?: string | undefined;
}

/** Page cache per connection, in KiB (negative = KiB in SQLite): 64 MiB instead of the default 2 MiB. */
export const CACHE_SIZE = -65_536;
/**
 * Checkpoint the WAL every 10,000 pages (~40 MiB) instead of 1,000: an ingest batch of random
 * UUID keys dirties hundreds of pages, and checkpointing less often writes each hot page to the
 * database file once per checkpoint instead of once per batch.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function isEmbeddedUrl(url: string): boolean {
  return url.startsWith('file:');
}

/** Opens libSQL (an embedded `file:` database or a `libsql://`/`http(s)://` server) with WAL. */
export async function createDb({ url, authToken }: DbOptions): Promise<Database> {
  if (isEmbeddedUrl(url)) {
    const path = url.slice('file:'.length);
    if (path && path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  }
  const embedded = isEmbeddedUrl(url);
  const inMemory = url.includes(':memory:');
  const open = (concurrency?: number) => () => createClient({ url, authToken, timeout: 5000, ...(concurrency ? { concurrency } : {}) });
  // Embedded files only: after SQLITE_BUSY the embedded driver's connection stays broken, so the
  // client is swapped for a fresh one (see renewable-client.ts). An in-memory database would be
  // lost by that, and a libSQL server's streams do not have the defect.
  const renewable = embedded && !inMemory;
  const client: Client = renewable ? new RenewableClient(open()) : open()();
  // Writes are serialised by the queue below anyway, so an embedded file gets one dedicated
  // write connection, tuned once (PRAGMAs are per connection and the read pool's connections
  // come and go): synchronous=NORMAL, which WAL makes safe against a process crash, and a
  // larger page cache. An in-memory database has only one connection, so it writes on it.
  const writer: Client = renewable ? new RenewableClient(open(1)) : client;
  if (embedded) {
    // WAL lets readers (the site build, public reads) run while ingest writes; it persists in the file.
    await client.execute('PRAGMA journal_mode = WAL');
  }
  let tunedGeneration = -1;
  const tuneWriter = async () => {
    const generation = writer instanceof RenewableClient ? writer.renewals : 0;
    if (!embedded || generation === tunedGeneration) return;
    await writer.execute('PRAGMA synchronous = NORMAL');
    await writer.execute(`PRAGMA cache_size = ${CACHE_SIZE}`);
    await writer.execute(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    tunedGeneration = generation;
  };
  const db = drizzle(client, { schema });
  const write = createWriteQueue<Tx>({
    begin: async () => {
      await tuneWriter();
      return writer.transaction('write');
    },
    // drizzle's libSQL session only calls execute/batch on its client, which a Transaction has.
    handle: (transaction, committed) =>
      Object.assign(drizzle({ client: transaction as unknown as Client, schema }), {
        $root: client,
        afterCommit: (callback: () => void) => void committed.push(callback),
      }) as unknown as Tx,
  });
  return {
    orm: db,
    client,
    writer,
    url,
    write,
    async checkpoint() {
      if (!embedded || inMemory) return;
      // Behind any queued write, on the write connection, so it never interleaves with one.
      await write(async () => undefined);
      await writer.execute('PRAGMA wal_checkpoint(TRUNCATE)');
    },
    close: () => {
      if (writer !== client) writer.close();
      client.close();
    },
  };
}

/** Applies the committed drizzle-kit migrations; safe to run on every start. */
export async function migrateDb(database: Database): Promise<void> {
  await migrate(database.orm, { migrationsFolder: MIGRATIONS_FOLDER });
}

/** True when every committed migration has been applied (for /readyz). */
export async function migrationsApplied(database: Database): Promise<boolean> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const expected = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
  try {
    const rows = await database.client.execute('SELECT count(*) AS n FROM __drizzle_migrations');
    return Number(rows.rows[0]?.['n'] ?? 0) >= expected;
  } catch {
    return false;
  }
}
