import { isConnectionFailure } from './errors/connection-failure';

export interface MissMemoryOptions {
  /** How long "no such id" is trusted before the database is asked again. */
  ttlMs?: number;
  /** Oldest entries go first beyond this many. */
  maxEntries?: number;
}

/**
 * Short-lived "no such id" answers, so a flood of requests naming unknown keys or end users does not each reach the
 * database. An expired answer is kept (within the bound) rather than dropped: while the database cannot be reached
 * it is still the best knowledge there is, and refusing every such request for the length of an outage would turn
 * a known "nobody" into a 500.
 */
export class MissMemory {
  private readonly untilById = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: MissMemoryOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** True while a remembered miss is fresh; an expired one makes the caller read the database again. */
  isKnown(id: string, now: number): boolean {
    const until = this.untilById.get(id);
    return until !== undefined && until > now;
  }

  remember(id: string, now: number): void {
    this.untilById.delete(id);
    // Oldest first: Map iteration order is insertion order.
    while (this.untilById.size >= this.maxEntries) this.untilById.delete(this.untilById.keys().next().value as string);
    this.untilById.set(id, now + this.ttlMs);
  }

  forget(id: string): void {
    this.untilById.delete(id);
  }

  clear(): void {
    this.untilById.clear();
  }

  /**
   * A re-read of a remembered miss failed: when the failure is the database being unreachable, the miss stands
   * for another TTL (the id is still unknown, as it was a moment ago) and this returns true; otherwise false and
   * the caller rethrows.
   */
  heldThroughOutage(id: string, error: unknown, now: number): boolean {
    if (!this.untilById.has(id) || !isConnectionFailure(error)) return false;
    this.remember(id, now);
    return true;
  }
}
