import type { CounterStore } from './counter-store';

export interface SettledUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

const EMPTY_USAGE: SettledUsage = {};

/**
 * What a call holds while it runs: a parallel slot or two and budget reservations. `settle` turns the
 * estimate into the actual cost; `release` gives everything back on failure or abort. Both are
 * idempotent and only the first one counts, so every exit path can call them without double counting.
 */
export class Admission {
  private done = false;

  constructor(
    private readonly store: CounterStore,
    private readonly slots: readonly string[],
    private readonly reservations: readonly { key: string; amount: number }[],
    /** `x-ratelimit-*` and `x-litellm-key-*` headers describing the caller's own limits. */
    readonly headers: Record<string, string>,
    private readonly onSettle: (cost: number, usage: SettledUsage) => void,
  ) {}

  /** Records the actual cost (USD) and usage of the call, then gives back what was reserved. */
  async settle(cost: number, usage: SettledUsage | null | undefined): Promise<void> {
    if (this.done) return;
    this.onSettle(Number.isFinite(cost) && cost > 0 ? cost : 0, usage ?? EMPTY_USAGE);
    await this.finish();
  }

  async release(): Promise<void> {
    if (this.done) return;
    await this.finish();
  }

  private async finish(): Promise<void> {
    this.done = true;
    for (const slot of this.slots) await this.store.releaseSlot(slot);
    for (const { key, amount } of this.reservations) await this.store.unreserve(key, amount);
  }
}
