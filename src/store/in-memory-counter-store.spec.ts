import { describeCounterStoreContract } from '../../test/support/counter-store.contract';
import { InMemoryCounterStore } from './in-memory-counter-store';

describeCounterStoreContract(InMemoryCounterStore.name, async (startMs) => {
  const clock = { value: startMs, now: () => clock.value };
  const store = new InMemoryCounterStore(clock);
  return {
    store,
    advance: (ms) => {
      clock.value += ms;
    },
    close: () => store.close(),
  };
});
