import { Inject, Injectable } from '@nestjs/common';
import { COUNTER_STORE, type AdmissionPlan, type AdmissionResult, type BudgetReading, type BudgetRef, type BudgetSeed, type CounterStore } from './counter-store';

/** Where budgets the store has not seen yet get their state from (the spend ledger's counters in the database). */
export interface BudgetSeedSource {
  /** The committed spend and window end of each budget key; a key with no row yet is spend 0, no window. */
  seeds(keys: readonly string[]): Promise<BudgetSeed[]>;
}

const MAX_SEED_ROUNDS = 3;

/**
 * The counter store with its budgets seeded on demand: admission and reads of a budget the store has never seen
 * (or forgot) first fetch its state from the registered {@link BudgetSeedSource}. The source registers itself at
 * boot, so the store's module depends on nothing.
 */
@Injectable()
export class BudgetBook {
  private source?: BudgetSeedSource;

  constructor(@Inject(COUNTER_STORE) readonly store: CounterStore) {}

  useSeedSource(source: BudgetSeedSource): void {
    this.source = source;
  }

  /** `store.admit`, seeding what it asks for first. Never answers `unseeded`. */
  async admit(plan: AdmissionPlan): Promise<Exclude<AdmissionResult, { status: 'unseeded' }>> {
    for (let round = 0; ; round++) {
      const result = await this.store.admit(plan);
      if (result.status !== 'unseeded') return result;
      if (round >= MAX_SEED_ROUNDS) throw new Error('budgets could not be seeded');
      await this.seed(result.keys);
    }
  }

  /** Committed spend and window of each budget, seeding the ones the store does not hold. */
  async read(refs: readonly BudgetRef[]): Promise<BudgetReading[]> {
    let readings = await this.store.readBudgets(refs);
    const missing = refs.filter((_, i) => readings[i] === undefined).map((ref) => ref.key);
    if (missing.length > 0) {
      await this.seed(missing);
      readings = await this.store.readBudgets(refs);
    }
    return readings.map((reading) => reading ?? { spend: 0, resetAt: null });
  }

  /**
   * Replaces what the store holds for `keys` with the database's state (budgets charged while the store was
   * unreachable and calls went ahead unchecked).
   */
  async reseed(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const seeds = this.source ? await this.source.seeds(keys) : [];
    for (const seed of seeds) await this.store.resetBudget(seed);
  }

  private async seed(keys: readonly string[]): Promise<void> {
    const seeds = this.source ? await this.source.seeds(keys) : keys.map((key) => ({ key, spend: 0, resetAt: null }));
    await this.store.seedBudgets(seeds);
  }
}
