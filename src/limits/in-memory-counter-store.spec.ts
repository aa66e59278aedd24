import { InMemoryCounterStore } from './in-memory-counter-store';

describe(InMemoryCounterStore.name, () => {
  let sut: InMemoryCounterStore;

  beforeEach(() => {
    sut = new InMemoryCounterStore();
  });

  afterEach(() => sut.onModuleDestroy());

  it('should count within a window up to the limit and refuse beyond it', async () => {
    expect(await sut.addInWindow('rpm', 60_000, 1, 2)).toEqual({ accepted: true, value: 1 });
    expect(await sut.addInWindow('rpm', 60_000, 1, 2)).toEqual({ accepted: true, value: 2 });
    expect(await sut.addInWindow('rpm', 60_000, 1, 2)).toEqual({ accepted: false, value: 2 });
    expect(await sut.readWindow('rpm', 60_000)).toBe(2);
  });

  it('should start a new window when the old one ends', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:59.000Z') });
    try {
      await sut.addInWindow('rpm', 60_000, 5);
      jest.setSystemTime(new Date('2026-01-01T00:01:00.000Z'));
      expect(await sut.readWindow('rpm', 60_000)).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('should hand out at most `limit` slots until released', async () => {
    expect(await sut.acquireSlot('p', 1)).toBe(true);
    expect(await sut.acquireSlot('p', 1)).toBe(false);
    await sut.releaseSlot('p');
    expect(await sut.acquireSlot('p', 1)).toBe(true);
  });

  it('should reserve only while committed plus reserved is under the maximum', async () => {
    expect(await sut.reserve('b', 4, 0, 10)).toBe(true);
    expect(await sut.reserve('b', 4, 0, 10)).toBe(true);
    expect(await sut.reserve('b', 4, 0, 10)).toBe(true); // 8 < 10 still admits: the last call may overshoot by one estimate
    expect(await sut.reserve('b', 4, 0, 10)).toBe(false);
    await sut.unreserve('b', 12);
    expect(await sut.reserved('b')).toBe(0);
    expect(await sut.reserve('b', 1, 0, 0)).toBe(false);
  });
});
