/**
 * The one place for state that every gateway instance must see the same: committed spend and budget windows,
 * budget reservations, rate windows, parallel slots, and the router's per-deployment counters. Policy (which
 * limits apply to whom, what a refusal says) lives in the callers; the store only counts, atomically per
 * operation, so an in-memory implementation serves one instance and a Redis one serves many behind the same
 * contract (and the same contract test suite, `test/support/counter-store.contract.ts`).
 *
 * Keys are opaque strings chosen by the callers (`key:<id>`, `team:<id>`, `deployment:<id>` …). Times are epoch
 * milliseconds from the store's clock.
 */
export interface CounterStore {
  /**
   * Runs every check of `plan` as one all-or-nothing step: either all are taken (reservations made, slots held,
   * rate windows counted) and a {@link Hold} is returned, or none is and the first refusing check is named.
   * Budgets the store has never seen come back as `unseeded`: seed them ({@link seedBudgets}) and run the plan again.
   */
  admit(plan: AdmissionPlan): Promise<AdmissionResult>;
  /** Gives back what a hold took (slots and reservations; counted requests stay counted). Idempotent. */
  release(hold: Hold): Promise<void>;
  /**
   * Ends a hold with the call's actual cost: every charge is added to its budget's committed spend, tokens are
   * added to their windows, and the hold is given back. Idempotent per hold; a second settle or a release after
   * it does nothing. Returns each charged budget's committed spend after the charge.
   */
  settle(hold: Hold, settlement: Settlement): Promise<SettleResult>;
  /** Keeps a long call's slots and reservations from expiring (a stream that runs longer than the lease). */
  renew(hold: Hold, leaseMs: number): Promise<void>;

  /** Sets the state of budgets the store does not hold yet (from the database); a budget it holds is left alone. */
  seedBudgets(seeds: readonly BudgetSeed[]): Promise<void>;
  /** Replaces a budget's state (an admin set its spend or changed its window). */
  resetBudget(seed: BudgetSeed): Promise<void>;
  /**
   * Committed spend and window of each budget (windows that ended are rolled first); undefined for a budget the
   * store has not been seeded with.
   */
  readBudgets(budgets: readonly BudgetRef[]): Promise<(BudgetReading | undefined)[]>;

  /** Adds `delta` to a fixed window without a limit; returns the value after. */
  addToWindow(key: string, windowMs: number, delta: number): Promise<number>;
  /** Values of the current fixed windows of `keys`. */
  readWindows(keys: readonly string[], windowMs: number): Promise<number[]>;
  /** Forgets a window (a deployment that came back from a cooldown starts with a clean failure count). */
  clearWindow(key: string): Promise<void>;
  /** Takes one of `limit` slots of `key` outside any admission (a deployment's `max_parallel_requests`). */
  acquireSlot(key: string, limit: number, leaseMs: number): Promise<boolean>;
  releaseSlot(key: string): Promise<void>;
  /** Slots in use per key. */
  slotsInUse(keys: readonly string[]): Promise<number[]>;
  /** Marks `key` until `untilMs` (a cooldown). */
  markUntil(key: string, untilMs: number): Promise<void>;
  /** The mark of each key that is still in force (epoch ms), or undefined. */
  marks(keys: readonly string[]): Promise<(number | undefined)[]>;
  /** Appends a sample to the last `keep` samples of `key`. */
  addSample(key: string, value: number, keep: number): Promise<void>;
  /** Mean of each key's samples, or undefined when it has none. */
  sampleMeans(keys: readonly string[]): Promise<(number | undefined)[]>;

  /** Budget windows this store rolled over (their spend went back to 0), so the database can follow. */
  onBudgetRolled(listener: (rolled: RolledBudget) => void): void;
  /** True while the store can be reached (an in-memory store always can). */
  readonly healthy: boolean;
}

/** Which budget, and how long its window is (null: it never resets). */
export interface BudgetRef {
  readonly key: string;
  readonly windowMs: number | null;
}

export interface BudgetReading {
  readonly spend: number;
  /** When the current window ends; null when the budget never resets. */
  readonly resetAt: number | null;
}

/** A budget's state as the database holds it. */
export interface BudgetSeed extends BudgetReading {
  readonly key: string;
}

export type AdmissionCheck =
  /**
   * Reserves `amount` while committed spend + open reservations < `max` (no reservation is made and nothing can
   * refuse when `max` is null: the budget is only charged). The window rolls over first when it has ended.
   */
  | { readonly kind: 'budget'; readonly key: string; readonly windowMs: number | null; readonly max: number | null; readonly amount: number }
  /** Takes one of `limit` parallel slots. */
  | { readonly kind: 'slot'; readonly key: string; readonly limit: number }
  /**
   * Rate window: `cost` > 0 counts into the current window if the result stays within `limit` (requests per
   * minute); `cost` 0 only checks that the window is below `limit` (tokens per minute, counted at settlement).
   */
  | { readonly kind: 'rate'; readonly key: string; readonly windowMs: number; readonly limit: number; readonly cost: number };

export interface AdmissionPlan {
  readonly checks: readonly AdmissionCheck[];
  /** How long slots and reservations live if their holder disappears without releasing them. */
  readonly leaseMs: number;
}

/**
 * `values[i]` describes check i as the store saw it: a budget's committed spend, a rate window's value after
 * the attempt, the slots in use after it. On a refusal, values after the refusing check are 0.
 */
export type AdmissionResult =
  | { readonly status: 'admitted'; readonly hold: Hold; readonly values: readonly number[] }
  | { readonly status: 'refused'; readonly index: number; readonly values: readonly number[] }
  | { readonly status: 'unseeded'; readonly keys: readonly string[] };

/** What an admitted call holds; opaque to callers beyond being serialisable. */
export interface Hold {
  readonly id: string;
  readonly slots: readonly string[];
  readonly reservations: readonly { readonly key: string; readonly amount: number }[];
}

export interface Settlement {
  /** Budgets charged with the call's cost (each seeded by the admission that made the hold). */
  readonly charges: readonly { readonly key: string; readonly windowMs: number | null; readonly amount: number }[];
  /** Token windows the call's usage counts into. */
  readonly windows: readonly { readonly key: string; readonly windowMs: number; readonly delta: number }[];
}

export interface SettleResult {
  /** Committed spend of each charge's budget after it (same order as `charges`), or null when already settled. */
  readonly spendAfter: readonly number[] | null;
}

export interface RolledBudget {
  readonly key: string;
  /** When the new window ends. */
  readonly resetAt: number;
  /** When the window that just ended had been due to end (null: the budget had no window yet). */
  readonly previousResetAt: number | null;
}

export const COUNTER_STORE = Symbol('COUNTER_STORE');

/**
 * Whether the shared store can be reached: readiness, a metric and the failure mode read it. An in-memory store
 * is always healthy; a Redis one is healthy while its server answers.
 */
export interface StoreHealth {
  readonly kind: 'memory' | 'redis';
  readonly healthy: boolean;
  /** Called once per change of `healthy`. */
  onHealthChange(listener: (healthy: boolean) => void): void;
}

export const STORE_HEALTH = Symbol('STORE_HEALTH');

/** The in-memory store's health: one process, always reachable. */
export const IN_PROCESS_HEALTH: StoreHealth = { kind: 'memory', healthy: true, onHealthChange: () => undefined };

/** Time source of a store, replaceable so tests move time instead of waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export const STORE_CLOCK = Symbol('STORE_CLOCK');

/**
 * The end of the window that contains `now` for a budget whose windows are `windowMs` long and one of which
 * ended at `dueAt`: windows stay aligned to the first reset time even when the budget sat idle for several.
 */
export function nextWindowEnd(dueAt: number, windowMs: number, now: number): number {
  return dueAt + windowMs * (Math.floor((now - dueAt) / windowMs) + 1);
}
