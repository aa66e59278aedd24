import { BudgetBook } from '../../store/budget-book';
import { InMemoryCounterStore } from '../../store/in-memory-counter-store';
import { LiveSpendService } from '../live-spend.service';
import { FakeSpendLedger } from './fake-spend-ledger';

/**
 * Live spend over a real in-memory counter store, for unit specs of services that show spend: `charge` is a
 * settled call, `seeds` what the database holds for accounts the store has not met.
 */
export class InMemoryLiveSpend {
  readonly store = new InMemoryCounterStore({ now: () => Date.now() });
  readonly book = new BudgetBook(this.store);
  readonly ledger = new FakeSpendLedger();
  readonly seeds = new Map<string, number>();
  readonly service = new LiveSpendService(this.book, this.ledger.service);

  constructor() {
    this.store.close();
    this.book.useSeedSource({ seeds: async (keys) => keys.map((key) => ({ key, spend: this.seeds.get(key) ?? 0, resetAt: null })) });
  }

  async charge(account: string, amount: number): Promise<void> {
    const admitted = await this.book.admit({ checks: [{ kind: 'budget', key: account, windowMs: null, max: null, amount: 0 }], leaseMs: 60_000 });
    if (admitted.status !== 'admitted') throw new Error('a budget without a maximum cannot refuse');
    await this.store.settle(admitted.hold, { charges: [{ key: account, windowMs: null, amount }], windows: [] });
  }
}
