import type { VirtualKeyRecord } from '../common/access/virtual-key';
import { MissMemory } from '../common/miss-memory';

export interface GraceEntry {
  activeToken: string;
  revokeAt: Date;
}

export interface KeyCacheOptions {
  /** How long "no such key" is remembered, so a flood of bad keys does not reach the database. */
  missTtlMs?: number;
  maxMisses?: number;
  /** Rotated hashes whose late spend is forwarded to the key's new hash. */
  maxForwards?: number;
}

/**
 * In-process view of keys by hash. It is exact on one instance because every mutation goes through KeysService,
 * which updates this cache before answering; `epoch` lets a database read that raced a mutation notice it and
 * not cache what it read.
 */
export class KeyCache {
  private readonly records = new Map<string, VirtualKeyRecord>();
  private readonly misses: MissMemory;
  private readonly graces = new Map<string, GraceEntry>();
  private readonly forwards = new Map<string, string>();
  private readonly maxForwards: number;
  private mutations = 0;

  constructor(options: KeyCacheOptions = {}) {
    this.misses = new MissMemory({ ttlMs: options.missTtlMs, maxEntries: options.maxMisses });
    this.maxForwards = options.maxForwards ?? 10_000;
  }

  /** Changes whenever a key is created, changed, rotated or deleted. */
  get epoch(): number {
    return this.mutations;
  }

  /** Marks a change made outside the cache (spend committed by the ledger), so reads straddling it are not cached. */
  touch(): void {
    this.mutations++;
  }

  get(token: string): VirtualKeyRecord | undefined {
    return this.records.get(token);
  }

  /** Caches a record read from the database (no mutation: the epoch stays). */
  adopt(record: VirtualKeyRecord): void {
    this.records.set(record.token, record);
    this.misses.forget(record.token);
  }

  /** Stores a created or changed key; the answer callers get from now on. */
  put(record: VirtualKeyRecord): void {
    this.mutations++;
    this.adopt(record);
  }

  /** Forgets a deleted key, and the rotated-out hashes that led to it. */
  remove(token: string, now: number): void {
    this.mutations++;
    this.records.delete(token);
    for (const [old, grace] of this.graces) if (grace.activeToken === token) this.graces.delete(old);
    for (const [old, current] of this.forwards) if (current === token) this.forwards.delete(old);
    this.rememberMiss(token, now);
  }

  /** A key got a new hash: the old one stops at once, or resolves to the key until `graceUntil`. */
  rotate(oldToken: string, record: VirtualKeyRecord, graceUntil: Date | null, now: number): void {
    this.mutations++;
    this.records.delete(oldToken);
    this.adopt(record);
    for (const grace of this.graces.values()) if (grace.activeToken === oldToken) grace.activeToken = record.token;
    if (graceUntil) {
      this.graces.set(oldToken, { activeToken: record.token, revokeAt: graceUntil });
      this.misses.forget(oldToken);
    } else {
      this.rememberMiss(oldToken, now);
    }
    this.graces.delete(record.token);
    for (const [old, current] of this.forwards) if (current === oldToken) this.forwards.set(old, record.token);
    if (this.forwards.size >= this.maxForwards) this.forwards.delete(this.forwards.keys().next().value as string);
    this.forwards.set(oldToken, record.token);
  }

  /**
   * Forgets what is cached for a hash another instance changed (blocked, updated, rotated, deleted): the next
   * request reads the database. Rotation grace entries that led to it go too; they are read again as well.
   */
  evict(token: string): void {
    this.mutations++;
    this.records.delete(token);
    this.misses.forget(token);
    this.graces.delete(token);
    for (const [old, grace] of this.graces) if (grace.activeToken === token) this.graces.delete(old);
  }

  /** Forgets every record, miss and grace entry (invalidations may have been missed); rotation forwards stay. */
  clear(): void {
    this.mutations++;
    this.records.clear();
    this.misses.clear();
    this.graces.clear();
  }

  grace(token: string): GraceEntry | undefined {
    return this.graces.get(token);
  }

  adoptGrace(token: string, grace: GraceEntry): void {
    this.graces.set(token, { ...grace });
  }

  dropGrace(token: string): void {
    this.graces.delete(token);
  }

  /** The current hash of a key, following rotations, for spend recorded under a hash that has since rotated. */
  current(token: string): string {
    return this.forwards.get(token) ?? token;
  }

  isKnownMiss(token: string, now: number): boolean {
    return this.misses.isKnown(token, now);
  }

  rememberMiss(token: string, now: number): void {
    this.misses.remember(token, now);
  }

  /** See MissMemory.heldThroughOutage: an unknown key stays unknown (401, not 500) while the database is down. */
  missHeldThroughOutage(token: string, error: unknown, now: number): boolean {
    return this.misses.heldThroughOutage(token, error, now);
  }
}
