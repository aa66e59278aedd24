/**
 * The one place where counters that several gateway instances must share live: rate windows, parallel
 * request slots and budget reservations. This release has the in-memory implementation; a Redis one
 * implements the same contract for multi-instance deployments. Every method is atomic on its key.
 */
export interface CounterStore {
  /**
   * Adds `delta` to the counter of `key` in the current fixed window of `windowMs` when the result stays
   * within `limit` (no limit: always), and returns whether it did plus the value after the attempt.
   */
  addInWindow(key: string, windowMs: number, delta: number, limit?: number): Promise<{ accepted: boolean; value: number }>;
  /** Current value of a windowed counter. */
  readWindow(key: string, windowMs: number): Promise<number>;
  /** Takes one of `limit` concurrent slots; false when all are taken. */
  acquireSlot(key: string, limit: number): Promise<boolean>;
  releaseSlot(key: string): Promise<void>;
  /**
   * Reserves `amount` against a budget when `committed + already reserved < max`, atomically, so that
   * concurrent calls cannot all see the same headroom. Returns false without reserving otherwise.
   */
  reserve(key: string, amount: number, committed: number, max: number): Promise<boolean>;
  /** Gives back a reservation (settled or abandoned). */
  unreserve(key: string, amount: number): Promise<void>;
  /** Sum of open reservations of `key`. */
  reserved(key: string): Promise<number>;
}

export const COUNTER_STORE = Symbol('COUNTER_STORE');
