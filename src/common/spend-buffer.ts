/** Increments taken for one flush, with the generation of each token so a failed flush can put them back. */
export interface SpendBatch {
  readonly increments: ReadonlyMap<string, number>;
  readonly generations: ReadonlyMap<string, number>;
  readonly size: number;
}

/**
 * Spend not yet written, coalesced per key hash. A failed flush gives its batch back so no increment is lost;
 * `discard` (budget reset, spend set by an admin, key deleted) bumps the key's generation, so increments from
 * before it are not put back by a flush that was already under way.
 */
export class SpendBuffer {
  private pending = new Map<string, number>();
  private readonly generations = new Map<string, number>();

  get isEmpty(): boolean {
    return this.pending.size === 0;
  }

  add(token: string, amount: number): void {
    this.pending.set(token, (this.pending.get(token) ?? 0) + amount);
  }

  pendingFor(token: string): number {
    return this.pending.get(token) ?? 0;
  }

  take(): SpendBatch {
    const increments = this.pending;
    this.pending = new Map();
    const generations = new Map<string, number>();
    for (const token of increments.keys()) generations.set(token, this.generations.get(token) ?? 0);
    return { increments, generations, size: increments.size };
  }

  restore(batch: SpendBatch): void {
    for (const [token, amount] of batch.increments) {
      if ((this.generations.get(token) ?? 0) === batch.generations.get(token)) this.add(token, amount);
    }
  }

  discard(token: string): void {
    this.pending.delete(token);
    this.generations.set(token, (this.generations.get(token) ?? 0) + 1);
  }

  /** A key's hash changed: what it owes moves with it. */
  move(from: string, to: string): void {
    const amount = this.pending.get(from);
    this.discard(from);
    if (amount !== undefined) this.add(to, amount);
  }
}

/** Runs tasks one at a time in call order, so writes to a key never overtake each other. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything queued so far has finished. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

const SHUTDOWN_FLUSH_ATTEMPTS = 5;
const SHUTDOWN_RETRY_DELAY_MS = 200;

/**
 * Shutdown's last chance for buffered spend: flushes until nothing is pending or the attempts run out (the
 * database may be restarting too), then waits for queued writes.
 * @returns whether everything was written.
 */
export async function flushBeforeExit(isEmpty: () => boolean, flush: () => Promise<void>, writes: SerialQueue): Promise<boolean> {
  for (let attempt = 0; attempt < SHUTDOWN_FLUSH_ATTEMPTS && !isEmpty(); attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, SHUTDOWN_RETRY_DELAY_MS));
    await flush();
  }
  await writes.drain();
  return isEmpty();
}
