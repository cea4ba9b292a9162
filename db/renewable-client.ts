import type { Client, InArgs, InStatement, Replicated, ResultSet, Transaction, TransactionMode } from '@libsql/client';

/**
 * SQLITE_BUSY / SQLITE_LOCKED straight from the driver (no wrapping at this level). Extended
 * codes (`SQLITE_BUSY_SNAPSHOT`, ...) count too.
 */
export function isBusyError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** One underlying client and the operations still running on it. */
interface Generation {
  client: Client;
  inFlight: number;
  retired: boolean;
}

/**
 * A libSQL `Client` whose underlying client is replaced after a SQLITE_BUSY error.
 *
 * Why: the embedded driver never resets a statement that failed with SQLITE_BUSY, and the
 * pooled connection that ran it fails every later COMMIT with "cannot commit transaction - SQL
 * statements in progress" (tursodatabase/libsql-client-ts#352). The pool keeps no handle we can
 * reach to drop that one connection, so the whole client is retired instead: new operations go
 * to a fresh client at once, and the old one is closed only when its last operation (a read in
 * flight, an open transaction) has finished, so nothing running is cut off. Drizzle, caches and
 * the rest of the app keep this object's identity; only what it delegates to changes.
 */
export class RenewableClient implements Client {
  #current: Generation;
  readonly #open: () => Client;
  readonly #retired = new Set<Generation>();
  #renewals = 0;

  constructor(open: () => Client) {
    this.#open = open;
    this.#current = { client: open(), inFlight: 0, retired: false };
  }

  /** How many times the underlying client was replaced (for logs and tests). */
  get renewals(): number {
    return this.#renewals;
  }

  get closed(): boolean {
    return this.#current.client.closed;
  }

  get protocol(): string {
    return this.#current.client.protocol;
  }

  execute(stmt: InStatement): Promise<ResultSet>;
  execute(sql: string, args?: InArgs): Promise<ResultSet>;
  execute(stmtOrSql: InStatement | string, args?: InArgs): Promise<ResultSet> {
    return this.#run((client) => (typeof stmtOrSql === 'string' ? client.execute(stmtOrSql, args) : client.execute(stmtOrSql)));
  }

  batch(stmts: Array<InStatement | [string, InArgs?]>, mode?: TransactionMode): Promise<ResultSet[]> {
    return this.#run((client) => client.batch(stmts, mode));
  }

  migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    return this.#run((client) => client.migrate(stmts));
  }

  executeMultiple(sql: string): Promise<void> {
    return this.#run((client) => client.executeMultiple(sql));
  }

  sync(): Promise<Replicated> {
    return this.#run((client) => client.sync());
  }

  async transaction(mode?: TransactionMode): Promise<Transaction> {
    const generation = this.#current;
    generation.inFlight += 1;
    let inner: Transaction;
    try {
      inner = await generation.client.transaction(mode);
    } catch (error) {
      this.#settle(generation, error);
      throw error;
    }
    return this.#wrapTransaction(generation, inner);
  }

  close(): void {
    this.#current.client.close();
    for (const generation of this.#retired) generation.client.close();
    this.#retired.clear();
  }

  reconnect(): void {
    this.#current.client.reconnect();
  }

  async #run<T>(operation: (client: Client) => Promise<T>): Promise<T> {
    const generation = this.#current;
    generation.inFlight += 1;
    let failure: unknown;
    try {
      return await operation(generation.client);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      this.#settle(generation, failure);
    }
  }

  /** One operation on `generation` is over; a busy failure retires that generation. */
  #settle(generation: Generation, error: unknown): void {
    generation.inFlight -= 1;
    if (error !== undefined && isBusyError(error)) this.#retire(generation);
    if (generation.retired && generation.inFlight === 0 && this.#retired.delete(generation)) generation.client.close();
  }

  #retire(generation: Generation): void {
    if (generation.retired || generation !== this.#current) return;
    generation.retired = true;
    this.#retired.add(generation);
    this.#current = { client: this.#open(), inFlight: 0, retired: false };
    this.#renewals += 1;
  }

  #wrapTransaction(generation: Generation, inner: Transaction): Transaction {
    let settled = false;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      this.#settle(generation, error);
    };
    const watch = async <T>(operation: () => Promise<T>): Promise<T> => {
      try {
        return await operation();
      } catch (error) {
        // New work moves to a fresh client now; this one closes when the transaction is over.
        if (isBusyError(error)) this.#retire(generation);
        throw error;
      }
    };
    return {
      execute: (stmt: InStatement) => watch(() => inner.execute(stmt)),
      batch: (stmts: InStatement[]) => watch(() => inner.batch(stmts)),
      executeMultiple: (sql: string) => watch(() => inner.executeMultiple(sql)),
      commit: async () => {
        let failure: unknown;
        try {
          await watch(() => inner.commit());
        } catch (error) {
          failure = error;
          throw error;
        } finally {
          // A failed commit leaves the transaction open for a rollback; settle only once it is over.
          if (failure === undefined || inner.closed) finish(failure);
        }
      },
      rollback: async () => {
        try {
          await watch(() => inner.rollback());
        } finally {
          finish(undefined);
        }
      },
      close: () => {
        try {
          inner.close();
        } finally {
          finish(undefined);
        }
      },
      get closed() {
        return inner.closed;
      },
    };
  }
}
