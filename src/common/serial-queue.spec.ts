import { SerialQueue } from './serial-queue';

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
