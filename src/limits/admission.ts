import type { CounterStore, Hold } from '../store/counter-store';

export interface SettledUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

const EMPTY_USAGE: SettledUsage = {};

/**
 * What an admitted call holds while it runs: slots and budget reservations in the counter store. `settle` turns
 * the estimate into the actual cost; `release` gives everything back on failure or abort. Both are idempotent and
 * only the first one counts, so every exit path can call them without double counting.
 */
export class Admission {
  private done = false;

  constructor(
    private readonly store: CounterStore,
    private readonly hold: Hold,
    /** `x-ratelimit-*` and `x-litellm-key-*` headers describing the caller's own limits. */
    readonly headers: Readonly<Record<string, string>>,
    private readonly onSettle: (cost: number, usage: SettledUsage) => Promise<void>,
    /** Admitted without the store (fail_open while it was down): there is nothing to give back or renew. */
    private readonly unchecked = false,
  ) {}

  /** Charges the actual cost (USD) and usage of the call to every subject, then gives back what was reserved. */
  async settle(cost: number, usage: SettledUsage | null | undefined): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.onSettle(Number.isFinite(cost) && cost > 0 ? cost : 0, usage ?? EMPTY_USAGE);
  }

  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (!this.unchecked) await this.store.release(this.hold);
  }

  /** Keeps the hold alive through a long stream; a renewal that fails leaves the lease to run out, never the call. */
  async renew(leaseMs: number): Promise<void> {
    if (this.unchecked) return;
    await this.store.renew(this.hold, leaseMs).catch(() => undefined);
  }
}
