import type { EndUserRecord } from './end-user';

export interface EndUserCacheOptions {
  /** How long "no such end user" is remembered, so requests naming unknown users do not each reach the database. */
  missTtlMs?: number;
  maxMisses?: number;
  /** End users are many (one per customer of the applications): the least recently used are dropped beyond this. */
  maxRecords?: number;
}

/**
 * In-process view of end users by id. Exact on one instance because every mutation goes through
 * CustomersService, which updates this cache before answering; `epoch` lets a database read that raced a
 * mutation (or a spend flush) notice it and not cache what it read.
 */
export class EndUserCache {
  private readonly records = new Map<string, EndUserRecord>();
  private readonly misses = new Map<string, number>();
  private readonly missTtlMs: number;
  private readonly maxMisses: number;
  private readonly maxRecords: number;
  private mutations = 0;

  constructor(options: EndUserCacheOptions = {}) {
    this.missTtlMs = options.missTtlMs ?? 5_000;
    this.maxMisses = options.maxMisses ?? 10_000;
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

  get(userId: string): EndUserRecord | undefined {
    const record = this.records.get(userId);
    if (record) {
      // Most recently used last: Map iteration order is insertion order.
      this.records.delete(userId);
      this.records.set(userId, record);
    }
    return record;
  }

  /** Caches a record read from the database (no mutation: the epoch stays). */
  adopt(record: EndUserRecord): void {
    this.records.delete(record.userId);
    while (this.records.size >= this.maxRecords) this.records.delete(this.records.keys().next().value as string);
    this.records.set(record.userId, record);
    this.misses.delete(record.userId);
  }

  /** Stores a created or changed end user; the answer callers get from now on. */
  put(record: EndUserRecord): void {
    this.mutations++;
    this.adopt(record);
  }

  /** Forgets an end user (deleted, or changed in a way best re-read from the database). */
  evict(userId: string): void {
    this.mutations++;
    this.records.delete(userId);
    this.misses.delete(userId);
  }

  /** Cached records on a budget, for a budget change to reach them at once. */
  withBudget(budgetId: string): EndUserRecord[] {
    return [...this.records.values()].filter((record) => record.budget?.budgetId === budgetId);
  }

  isKnownMiss(userId: string, now: number): boolean {
    const until = this.misses.get(userId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.misses.delete(userId);
    return false;
  }

  rememberMiss(userId: string, now: number): void {
    this.misses.delete(userId);
    while (this.misses.size >= this.maxMisses) this.misses.delete(this.misses.keys().next().value as string);
    this.misses.set(userId, now + this.missTtlMs);
  }

  forgetMiss(userId: string): void {
    this.misses.delete(userId);
  }
}
