import { InMemoryCounterStore } from '../../store/in-memory-counter-store';
import { StoreRouterState } from './store-router-state';

describe(StoreRouterState.name, () => {
  const clock = { value: 120_000, now: () => clock.value };
  let sut: StoreRouterState;

  beforeEach(() => {
    clock.value = 120_000;
    const store = new InMemoryCounterStore(clock);
    store.close();
    sut = new StoreRouterState(store, clock);
  });

  it('should count failures per window and forget them when the window ends', async () => {
    expect(await sut.addFailure('d', 60_000)).toBe(1);
    expect(await sut.addFailure('d', 60_000)).toBe(2);
    clock.value += 60_000;
    expect(await sut.addFailure('d', 60_000)).toBe(1);
  });

  it('should keep a deployment cooling down until its time is up', async () => {
    await sut.startCooldown('d', 5_000);
    expect(await sut.cooldowns(['d', 'e'])).toEqual(new Map([['d', 125_000]]));
    clock.value += 5_000;
    expect((await sut.cooldowns(['d'])).size).toBe(0);
  });

  it('should hold parallel slots, minute usage and recent latencies', async () => {
    expect(await sut.acquireSlot('d', 1)).toBe(true);
    expect(await sut.acquireSlot('d', 1)).toBe(false);
    expect(await sut.inFlight(['d', 'e'])).toEqual(
      new Map([
        ['d', 1],
        ['e', 0],
      ]),
    );
    await sut.releaseSlot('d');
    expect(await sut.acquireSlot('d', 1)).toBe(true);

    await sut.addUsage('d', 1, 100);
    await sut.addUsage('d', 1, 50);
    expect((await sut.usage(['d'])).get('d')).toEqual({ requests: 2, tokens: 150 });
    clock.value += 60_000;
    expect((await sut.usage(['d'])).get('d')).toEqual({ requests: 0, tokens: 0 });

    for (let i = 1; i <= 12; i++) await sut.recordLatency('d', i * 10);
    // The last 10 samples: 30 … 120.
    expect((await sut.latencies(['d', 'e'])).get('d')).toBe(75);
    expect((await sut.latencies(['e'])).has('e')).toBe(false);
  });
});
