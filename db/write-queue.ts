import type { Transaction } from '@libsql/client';

interface Job<Tx> {
  run(tx: Tx): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface WriteQueueOptions<Tx> {
  /** Opens the write transaction (BEGIN IMMEDIATE on the write connection). */
  begin(): Promise<Transaction>;
  /** The handle a job receives, bound to the transaction; `committed` collects its after-commit callbacks. */
  handle(transaction: Transaction, committed: Array<() => void>): Tx;
  /** At most this many queued writes share one transaction. */
  maxGroup?: number;
}

/**
 * Runs writes one transaction at a time, in order (see `Database.write` for why), with group
 * commit: writes that queued up while a transaction was running share the next one, each inside
 * its own SAVEPOINT. A write that throws is rolled back to its savepoint and only its caller
 * sees the error; the others commit together, and each caller is answered after the commit.
 * This halves (or better) the commits and the fixed per-transaction work under concurrent
 * ingest without changing what any single write means.
 */
export function createWriteQueue<Tx>(options: WriteQueueOptions<Tx>): <T>(run: (tx: Tx) => Promise<T>) => Promise<T> {
  const maxGroup = options.maxGroup ?? 32;
  const pending: Job<Tx>[] = [];
  let draining = false;

  async function runGroup(group: Job<Tx>[]): Promise<void> {
    let transaction: Transaction;
    try {
      transaction = await options.begin();
    } catch (error) {
      for (const job of group) job.reject(error);
      return;
    }
    const single = group.length === 1;
    const done: Array<{ job: Job<Tx>; value: unknown; committed: Array<() => void> }> = [];
    const failed: Array<{ job: Job<Tx>; error: unknown }> = [];
    try {
      for (const job of group) {
        const committed: Array<() => void> = [];
        if (!single) await transaction.execute('SAVEPOINT queued_write');
        try {
          const value = await job.run(options.handle(transaction, committed));
          if (!single) await transaction.execute('RELEASE queued_write');
          done.push({ job, value, committed });
        } catch (error) {
          if (single) throw error;
          await transaction.execute('ROLLBACK TO queued_write');
          await transaction.execute('RELEASE queued_write');
          failed.push({ job, error });
        }
      }
      await transaction.commit();
    } catch (error) {
      // The transaction itself failed (or the only write did): nothing of the group is stored.
      await transaction.rollback().catch(() => undefined);
      transaction.close();
      for (const job of group) {
        const own = failed.find((entry) => entry.job === job);
        job.reject(own ? own.error : error);
      }
      return;
    }
    transaction.close();
    for (const { job, value, committed } of done) {
      for (const callback of committed) callback();
      job.resolve(value);
    }
    for (const { job, error } of failed) job.reject(error);
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (pending.length > 0) await runGroup(pending.splice(0, maxGroup));
    } finally {
      draining = false;
    }
  }

  return <T>(run: (tx: Tx) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      pending.push({ run, resolve: (value) => resolve(value as T), reject });
      void drain();
    });
}
