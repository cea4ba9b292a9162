import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface BufferState {
  /** Which log file is current; compaction starts a new generation. */
  generation: number;
  /** Lines at the start of the current log that were sent (or dropped). */
  offset: number;
  /** Results dropped because the buffer was full, over its lifetime. */
  dropped: number;
}

const COMPACT_AFTER = 10_000;

/**
 * A bounded first-in-first-out buffer of JSON items on disk, for an agent that must not lose
 * results while the API is unreachable, even across its own restart. Items are appended to a
 * log file; a small state file (replaced atomically) says how many were already sent.
 * Compaction writes the remaining items to a new log generation and then switches the state
 * file, so a crash at any point leaves a consistent pair. Beyond `maxItems` the oldest are
 * dropped (and counted): bounded disk use matters more than very old data.
 */
export class DiskBuffer<T> {
  readonly #dir: string;
  readonly #maxItems: number;
  #state: BufferState;
  #items: T[];

  constructor(dir: string, maxItems: number) {
    this.#dir = dir;
    this.#maxItems = maxItems;
    mkdirSync(dir, { recursive: true });
    this.#state = this.#readState();
    this.#items = this.#readLog();
  }

  get size(): number {
    return this.#items.length;
  }

  get dropped(): number {
    return this.#state.dropped;
  }

  append(items: readonly T[]): void {
    if (items.length === 0) return;
    appendFileSync(this.#logPath(this.#state.generation), items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    this.#items.push(...items);
    const excess = this.#items.length - this.#maxItems;
    if (excess > 0) {
      this.#items.splice(0, excess);
      this.#state = { ...this.#state, offset: this.#state.offset + excess, dropped: this.#state.dropped + excess };
      this.#writeState();
    }
  }

  /** The oldest `count` items, still buffered until `ack`. */
  peek(count: number): T[] {
    return this.#items.slice(0, count);
  }

  /** Forgets the oldest `count` items (they were delivered). */
  ack(count: number): void {
    const n = Math.min(count, this.#items.length);
    if (n === 0) return;
    this.#items.splice(0, n);
    this.#state = { ...this.#state, offset: this.#state.offset + n };
    if (this.#state.offset >= COMPACT_AFTER) this.#compact();
    else this.#writeState();
  }

  #logPath(generation: number): string {
    return join(this.#dir, `results-${generation}.jsonl`);
  }

  #readState(): BufferState {
    const path = join(this.#dir, 'state.json');
    if (!existsSync(path)) return { generation: 0, offset: 0, dropped: 0 };
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<BufferState>;
    return { generation: parsed.generation ?? 0, offset: parsed.offset ?? 0, dropped: parsed.dropped ?? 0 };
  }

  #writeState(): void {
    const path = join(this.#dir, 'state.json');
    writeFileSync(`${path}.tmp`, JSON.stringify(this.#state));
    renameSync(`${path}.tmp`, path);
  }

  #readLog(): T[] {
    const path = this.#logPath(this.#state.generation);
    if (!existsSync(path)) return [];
    const text = readFileSync(path, 'utf8');
    const end = text.lastIndexOf('\n');
    // A line cut short by a crash mid-append is removed so the next append starts clean.
    if (end + 1 < Buffer.byteLength(text)) truncateSync(path, Buffer.byteLength(text.slice(0, end + 1)));
    const lines = end < 0 ? [] : text.slice(0, end).split('\n');
    return lines.slice(this.#state.offset).map((line) => JSON.parse(line) as T);
  }

  #compact(): void {
    const next = this.#state.generation + 1;
    writeFileSync(this.#logPath(next), this.#items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    const previous = this.#state.generation;
    this.#state = { ...this.#state, generation: next, offset: 0 };
    this.#writeState();
    rmSync(this.#logPath(previous), { force: true });
  }
}
