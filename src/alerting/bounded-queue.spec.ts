import { BoundedQueue } from './bounded-queue';

describe(BoundedQueue.name, () => {
  it('should hold at most its capacity and count what it drops', () => {
    const queue = new BoundedQueue<number>(3);
    expect([1, 2, 3, 4, 5].map((n) => queue.push(n))).toEqual([true, true, true, false, false]);
    expect(queue.size).toBe(3);
    expect(queue.dropped).toBe(2);
    expect(queue.take(10)).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
  });

  it('should take oldest first, in slices, and take more once there is room again', () => {
    const queue = new BoundedQueue<number>(4);
    [1, 2, 3, 4].forEach((n) => queue.push(n));
    expect(queue.take(2)).toEqual([1, 2]);
    expect(queue.push(5)).toBe(true);
    expect(queue.push(6)).toBe(true);
    expect(queue.push(7)).toBe(false);
    expect(queue.take(10)).toEqual([3, 4, 5, 6]);
    expect(queue.dropped).toBe(1);
  });

  it('should keep its order through many pushes and takes (compaction)', () => {
    const queue = new BoundedQueue<number>(5000);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) queue.push(next++);
      out.push(...queue.take(250));
    }
    out.push(...queue.take(Infinity));
    expect(out).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('should refuse a capacity that is not a positive integer', () => {
    expect(() => new BoundedQueue(0)).toThrow(RangeError);
  });
});
