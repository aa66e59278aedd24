import type { CounterStore, Hold } from '../store/counter-store';

export interface SettledUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

const EMPTY_USAGE: SettledUsage = {};

/**
 * The committed spend of each budget a settlement charged (by its spend account), right after the store's atomic
 * increment: `after - cost` is exactly where this call's charge started, whatever other instances did meanwhile.
 * Null when the store could not say (admitted unchecked while it was down, or the hold had expired).
 */
export type SpendAfter = ReadonlyMap<string, number>;

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
    private readonly onSettle: (cost: number, usage: SettledUsage) => Promise<SpendAfter | null>,
    /** Admitted without the store (fail_open while it was down): there is nothing to give back or renew. */
    private readonly unchecked = false,
  ) {}

  /**
   * Charges the actual cost (USD) and usage of the call to every subject, then gives back what was reserved.
   * @returns the charged budgets' spend after the charge (null when unknown, or when already settled or released)
   */
  async settle(cost: number, usage: SettledUsage | null | undefined): Promise<SpendAfter | null> {
    if (this.done) return null;
    this.done = true;
    return this.onSettle(Number.isFinite(cost) && cost > 0 ? cost : 0, usage ?? EMPTY_USAGE);
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
