import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { CounterStore } from './counter-store';

interface Window {
  start: number;
  value: number;
}

/**
 * Single-instance CounterStore. Node runs one request's check-and-update without interleaving, so each
 * method is atomic; async only to share the contract with the Redis implementation.
 */
@Injectable()
export class InMemoryCounterStore implements CounterStore, OnModuleDestroy {
  private readonly windows = new Map<string, Window>();
  private readonly slots = new Map<string, number>();
  private readonly reservations = new Map<string, number>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  async addInWindow(key: string, windowMs: number, delta: number, limit?: number): Promise<{ accepted: boolean; value: number }> {
    const window = this.current(key, windowMs);
    if (limit !== undefined && window.value + delta > limit) return { accepted: false, value: window.value };
    window.value += delta;
    return { accepted: true, value: window.value };
  }

  async readWindow(key: string, windowMs: number): Promise<number> {
    return this.current(key, windowMs).value;
  }

  async acquireSlot(key: string, limit: number): Promise<boolean> {
    const used = this.slots.get(key) ?? 0;
    if (used >= limit) return false;
    this.slots.set(key, used + 1);
    return true;
  }

  async releaseSlot(key: string): Promise<void> {
    const used = (this.slots.get(key) ?? 0) - 1;
    if (used > 0) this.slots.set(key, used);
    else this.slots.delete(key);
  }

  async reserve(key: string, amount: number, committed: number, max: number): Promise<boolean> {
    const open = this.reservations.get(key) ?? 0;
    if (!(committed + open < max)) return false;
    this.reservations.set(key, open + amount);
    return true;
  }

  async unreserve(key: string, amount: number): Promise<void> {
    const open = (this.reservations.get(key) ?? 0) - amount;
    // Float sums drift; anything this small is an empty reservation book.
    if (open > 1e-12) this.reservations.set(key, open);
    else this.reservations.delete(key);
  }

  async reserved(key: string): Promise<number> {
    return this.reservations.get(key) ?? 0;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private current(key: string, windowMs: number): Window {
    const start = Math.floor(Date.now() / windowMs) * windowMs;
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, value: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Drops windows that ended, so keys seen once do not stay in memory forever. */
  private sweep(): void {
    const now = Date.now();
    for (const [key, window] of this.windows) {
      if (now - window.start > 120_000) this.windows.delete(key);
    }
  }
}
