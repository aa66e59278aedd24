/**
 * A FIFO with a fixed capacity for the request path: `push` is O(1), never allocates beyond the cap, and drops
 * (and counts) what does not fit, so a stalled consumer costs bounded memory and never slows a call.
 */
export class BoundedQueue<T> {
  private items: T[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Items refused because the queue was full, since it was made. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** @returns false (and counts a drop) when the queue is full. */
  push(item: T): boolean {
    if (this.size >= this.capacity) {
      this.droppedCount++;
      return false;
    }
    this.items.push(item);
    return true;
  }

  /** Takes up to `max` items, oldest first. */
  take(max: number): T[] {
    const end = Math.min(this.items.length, this.head + max);
    const taken = this.items.slice(this.head, end);
    this.head = end;
    // Compacts once the consumed prefix dominates, so the array does not grow without bound.
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return taken;
  }
}
