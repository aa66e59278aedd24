import { randomUUID } from 'node:crypto';
import {
  nextWindowEnd,
  type AdmissionPlan,
  type AdmissionResult,
  type BudgetReading,
  type BudgetRef,
  type BudgetSeed,
  type Clock,
  type CounterStore,
  type Hold,
  type RolledBudget,
  type Settlement,
  type SettleResult,
} from './counter-store';

interface Window {
  start: number;
  value: number;
}

interface Budget {
  spend: number;
  resetAt: number | null;
  reserved: number;
  lastUsed: number;
}

/** Budgets idle this long with nothing reserved are forgotten; the next call seeds them again from the database. */
const IDLE_BUDGET_MS = 60 * 60_000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Single-instance CounterStore. Node runs each method to completion without interleaving, so every operation is
 * atomic; the methods are async only to share the contract with the Redis implementation. Leases are not needed
 * here: a process that dies takes its holds with it.
 */
export class InMemoryCounterStore implements CounterStore {
  readonly healthy = true;
  private readonly windows = new Map<string, Window>();
  private readonly slots = new Map<string, number>();
  private readonly budgets = new Map<string, Budget>();
  private readonly marksUntil = new Map<string, number>();
  private readonly samples = new Map<string, number[]>();
  /** Holds already given back: settle and release are idempotent per hold. */
  private readonly givenBack = new WeakSet<Hold>();
  private readonly rollListeners: ((rolled: RolledBudget) => void)[] = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async admit(plan: AdmissionPlan): Promise<AdmissionResult> {
    const now = this.clock.now();
    const unseeded = plan.checks.filter((check) => check.kind === 'budget' && !this.budgets.has(check.key)).map((check) => check.key);
    if (unseeded.length > 0) return { status: 'unseeded', keys: unseeded };
    const values: number[] = new Array<number>(plan.checks.length).fill(0);
    const slots: string[] = [];
    const reservations: { key: string; amount: number }[] = [];
    const counted: { key: string; windowMs: number; cost: number }[] = [];
    const undo = (): void => {
      for (const key of slots) this.freeSlot(key);
      for (const { key, amount } of reservations) this.unreserve(key, amount);
      for (const { key, windowMs, cost } of counted) this.window(key, windowMs, now).value -= cost;
    };
    for (let index = 0; index < plan.checks.length; index++) {
      const check = plan.checks[index];
      if (check.kind === 'budget') {
        const budget = this.current(check.key, check.windowMs, now);
        budget.lastUsed = now;
        values[index] = budget.spend;
        if (check.max === null) continue;
        if (!(budget.spend + budget.reserved < check.max)) {
          undo();
          return { status: 'refused', index, values };
        }
        const amount = Math.max(0, check.amount);
        budget.reserved += amount;
        reservations.push({ key: check.key, amount });
      } else if (check.kind === 'slot') {
        const used = this.slots.get(check.key) ?? 0;
        if (used >= check.limit) {
          values[index] = used;
          undo();
          return { status: 'refused', index, values };
        }
        this.slots.set(check.key, used + 1);
        slots.push(check.key);
        values[index] = used + 1;
      } else {
        const window = this.window(check.key, check.windowMs, now);
        const refuses = check.cost > 0 ? window.value + check.cost > check.limit : window.value >= check.limit;
        if (refuses) {
          values[index] = window.value;
          undo();
          return { status: 'refused', index, values };
        }
        window.value += check.cost;
        if (check.cost > 0) counted.push({ key: check.key, windowMs: check.windowMs, cost: check.cost });
        values[index] = window.value;
      }
    }
    return { status: 'admitted', hold: { id: randomUUID(), slots, reservations }, values };
  }

  async release(hold: Hold): Promise<void> {
    this.giveBack(hold);
  }

  async settle(hold: Hold, settlement: Settlement): Promise<SettleResult> {
    if (!this.giveBack(hold)) return { spendAfter: null };
    const now = this.clock.now();
    const spendAfter = settlement.charges.map(({ key, windowMs, amount }) => {
      const budget = this.current(key, windowMs, now);
      if (Number.isFinite(amount) && amount > 0) budget.spend += amount;
      budget.lastUsed = now;
      return budget.spend;
    });
    for (const { key, windowMs, delta } of settlement.windows) this.window(key, windowMs, now).value += delta;
    return { spendAfter };
  }

  async renew(): Promise<void> {
    // Nothing expires in one process.
  }

  async seedBudgets(seeds: readonly BudgetSeed[]): Promise<void> {
    const now = this.clock.now();
    for (const seed of seeds) {
      if (!this.budgets.has(seed.key)) this.budgets.set(seed.key, { spend: seed.spend, resetAt: seed.resetAt, reserved: 0, lastUsed: now });
    }
  }

  async resetBudget(seed: BudgetSeed): Promise<void> {
    const reserved = this.budgets.get(seed.key)?.reserved ?? 0;
    this.budgets.set(seed.key, { spend: seed.spend, resetAt: seed.resetAt, reserved, lastUsed: this.clock.now() });
  }

  async readBudgets(budgets: readonly BudgetRef[]): Promise<(BudgetReading | undefined)[]> {
    const now = this.clock.now();
    return budgets.map(({ key, windowMs }) => {
      if (!this.budgets.has(key)) return undefined;
      const budget = this.current(key, windowMs, now);
      return { spend: budget.spend, resetAt: budget.resetAt };
    });
  }

  async addToWindow(key: string, windowMs: number, delta: number): Promise<number> {
    const window = this.window(key, windowMs, this.clock.now());
    window.value += delta;
    return window.value;
  }

  async readWindows(keys: readonly string[], windowMs: number): Promise<number[]> {
    const now = this.clock.now();
    return keys.map((key) => {
      const window = this.windows.get(key);
      return window && window.start === windowStart(now, windowMs) ? window.value : 0;
    });
  }

  async clearWindow(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async acquireSlot(key: string, limit: number): Promise<boolean> {
    const used = this.slots.get(key) ?? 0;
    if (used >= limit) return false;
    this.slots.set(key, used + 1);
    return true;
  }

  async releaseSlot(key: string): Promise<void> {
    this.freeSlot(key);
  }

  async slotsInUse(keys: readonly string[]): Promise<number[]> {
    return keys.map((key) => this.slots.get(key) ?? 0);
  }

  async markUntil(key: string, untilMs: number): Promise<void> {
    this.marksUntil.set(key, untilMs);
  }

  async marks(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (this.marksUntil.size === 0) return keys.map(() => undefined);
    const now = this.clock.now();
    return keys.map((key) => {
      const until = this.marksUntil.get(key);
      if (until === undefined) return undefined;
      if (until > now) return until;
      this.marksUntil.delete(key);
      return undefined;
    });
  }

  async addSample(key: string, value: number, keep: number): Promise<void> {
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    list.push(value);
    while (list.length > keep) list.shift();
  }

  async sampleMeans(keys: readonly string[]): Promise<(number | undefined)[]> {
    return keys.map((key) => {
      const list = this.samples.get(key);
      return list && list.length > 0 ? list.reduce((sum, value) => sum + value, 0) / list.length : undefined;
    });
  }

  onBudgetRolled(listener: (rolled: RolledBudget) => void): void {
    this.rollListeners.push(listener);
  }

  /** Stops the sweeper (tests and shutdown). */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** @returns false when the hold was already given back. */
  private giveBack(hold: Hold): boolean {
    if (this.givenBack.has(hold)) return false;
    this.givenBack.add(hold);
    for (const key of hold.slots) this.freeSlot(key);
    for (const { key, amount } of hold.reservations) this.unreserve(key, amount);
    return true;
  }

  private freeSlot(key: string): void {
    const used = (this.slots.get(key) ?? 0) - 1;
    if (used > 0) this.slots.set(key, used);
    else this.slots.delete(key);
  }

  private unreserve(key: string, amount: number): void {
    const budget = this.budgets.get(key);
    if (!budget) return;
    budget.reserved -= amount;
    // Float sums drift by ulps; anything this small is an empty reservation book.
    if (budget.reserved < 1e-12) budget.reserved = 0;
  }

  /** The budget with its window rolled over when it has ended (spend back to 0), reported to the listeners. */
  private current(key: string, windowMs: number | null, now: number): Budget {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = { spend: 0, resetAt: null, reserved: 0, lastUsed: now };
      this.budgets.set(key, budget);
    }
    if (windowMs === null || windowMs <= 0) return budget;
    if (budget.resetAt === null) {
      budget.resetAt = now + windowMs;
      this.announce({ key, resetAt: budget.resetAt, previousResetAt: null });
    } else if (budget.resetAt <= now) {
      const previousResetAt = budget.resetAt;
      budget.spend = 0;
      budget.resetAt = nextWindowEnd(previousResetAt, windowMs, now);
      this.announce({ key, resetAt: budget.resetAt, previousResetAt });
    }
    return budget;
  }

  private announce(rolled: RolledBudget): void {
    for (const listener of this.rollListeners) {
      try {
        listener(rolled);
      } catch {
        // A listener (the database follow-up) failing must not fail the call that rolled the window.
      }
    }
  }

  private window(key: string, windowMs: number, now: number): Window {
    const start = windowStart(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, value: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Forgets ended windows and idle budgets, so keys seen once do not stay in memory forever. */
  private sweep(): void {
    const now = this.clock.now();
    for (const [key, window] of this.windows) if (now - window.start > 10 * 60_000) this.windows.delete(key);
    for (const [key, budget] of this.budgets) if (budget.reserved === 0 && now - budget.lastUsed > IDLE_BUDGET_MS) this.budgets.delete(key);
    for (const [key, until] of this.marksUntil) if (until <= now) this.marksUntil.delete(key);
  }
}

function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}
