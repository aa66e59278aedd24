import { MissMemory } from './miss-memory';

export interface RecordCacheOptions {
  /** How long "no such id" is remembered, so calls naming unknown ids do not each reach the database. */
  missTtlMs?: number;
  maxMisses?: number;
  maxRecords?: number;
}

/**
 * In-process view of records by id (teams, users, memberships, end users), LRU-bounded, with short-lived
 * negative entries. Exact on one instance because every mutation goes through the owning service, which
 * updates this cache before answering; `epoch` lets a database read that raced a mutation notice it and not
 * cache what it read. Records are mutable: spend grows in place.
 */
export class RecordCache<T> {
  private readonly records = new Map<string, T>();
  private readonly misses: MissMemory;
  private readonly maxRecords: number;
  private mutations = 0;

  constructor(options: RecordCacheOptions = {}) {
    this.misses = new MissMemory({ ttlMs: options.missTtlMs, maxEntries: options.maxMisses });
    this.maxRecords = options.maxRecords ?? 100_000;
  }

  get epoch(): number {
    return this.mutations;
  }

  get size(): number {
    return this.records.size;
  }

  /** Marks that something changed which an in-flight read may not have seen. */
  touch(): void {
    this.mutations++;
  }

  get(id: string): T | undefined {
    const record = this.records.get(id);
    if (record !== undefined) {
      this.records.delete(id);
      this.records.set(id, record);
    }
    return record;
  }

  /** Caches a record read from the database (no mutation: the epoch stays). */
  adopt(id: string, record: T): void {
    this.records.delete(id);
    while (this.records.size >= this.maxRecords) this.records.delete(this.records.keys().next().value as string);
    this.records.set(id, record);
    this.misses.forget(id);
  }

  /** Stores a created or changed record: the answer callers get from now on. */
  put(id: string, record: T): void {
    this.mutations++;
    this.adopt(id, record);
  }

  evict(id: string): void {
    this.mutations++;
    this.records.delete(id);
    this.misses.forget(id);
  }

  /** Evicts every record matching `predicate`. */
  evictWhere(predicate: (id: string, record: T) => boolean): void {
    this.mutations++;
    for (const [id, record] of [...this.records]) if (predicate(id, record)) this.records.delete(id);
    this.misses.clear();
  }

  isKnownMiss(id: string, now: number): boolean {
    return this.misses.isKnown(id, now);
  }

  forgetMiss(id: string): void {
    this.misses.forget(id);
  }

  /** See MissMemory.heldThroughOutage: true when `id` stays a miss because the database cannot be reached. */
  missHeldThroughOutage(id: string, error: unknown, now: number): boolean {
    return this.misses.heldThroughOutage(id, error, now);
  }

  /** Every cached record, for changes that must reach all records sharing something (e.g. a budget). */
  values(): IterableIterator<T> {
    return this.records.values();
  }

  rememberMiss(id: string, now: number): void {
    this.misses.remember(id, now);
  }
}
