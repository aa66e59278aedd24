import { Module, type OnModuleDestroy, Inject } from '@nestjs/common';
import { COUNTER_STORE, STORE_CLOCK, systemClock, type Clock } from './counter-store';
import { BudgetBook } from './budget-book';
import { InMemoryCounterStore } from './in-memory-counter-store';

/** The shared-state store every instance counts in; one instance keeps it in memory. */
@Module({
  providers: [
    { provide: STORE_CLOCK, useValue: systemClock },
    { provide: COUNTER_STORE, useFactory: (clock: Clock) => new InMemoryCounterStore(clock), inject: [STORE_CLOCK] },
    BudgetBook,
  ],
  exports: [COUNTER_STORE, STORE_CLOCK, BudgetBook],
})
export class StoreModule implements OnModuleDestroy {
  constructor(@Inject(COUNTER_STORE) private readonly store: InMemoryCounterStore) {}

  onModuleDestroy(): void {
    this.store.close();
  }
}
