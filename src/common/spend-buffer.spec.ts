import { SerialQueue, SpendBuffer } from './spend-buffer';

describe(SpendBuffer.name, () => {
  let sut: SpendBuffer;

  beforeEach(() => {
    sut = new SpendBuffer();
  });

  it('should coalesce increments per key', () => {
    sut.add('a', 1);
    sut.add('a', 2);
    sut.add('b', 0.5);
    const batch = sut.take();
    expect([...batch.increments]).toEqual([
      ['a', 3],
      ['b', 0.5],
    ]);
    expect(sut.isEmpty).toBe(true);
  });

  it('should put a failed batch back, merged with what came in meanwhile', () => {
    sut.add('a', 1);
    const batch = sut.take();
    sut.add('a', 2);
    sut.restore(batch);
    expect(sut.pendingFor('a')).toBe(3);
  });

  it('should not put back increments from before a discard', () => {
    sut.add('a', 1);
    const batch = sut.take();
    sut.discard('a');
    sut.add('a', 2);
    sut.restore(batch);
    expect(sut.pendingFor('a')).toBe(2);
  });

  it('should move what a key owes to its new hash', () => {
    sut.add('old', 4);
    sut.move('old', 'new');
    expect(sut.pendingFor('old')).toBe(0);
    expect(sut.pendingFor('new')).toBe(4);
  });
});

describe(SerialQueue.name, () => {
  it('should run tasks one at a time in order, past failures', async () => {
    const sut = new SerialQueue();
    const order: string[] = [];
    const slow = sut.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('slow');
    });
    const failing = sut.run(async () => {
      order.push('failing');
      throw new Error('boom');
    });
    const fast = sut.run(async () => {
      order.push('fast');
      return 42;
    });
    await expect(failing).rejects.toThrow('boom');
    await expect(fast).resolves.toBe(42);
    await slow;
    expect(order).toEqual(['slow', 'failing', 'fast']);
  });
});
