import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type {
  AdmissionCheck,
  AdmissionPlan,
  AdmissionResult,
  BudgetReading,
  BudgetRef,
  BudgetSeed,
  Clock,
  CounterStore,
  Hold,
  RolledBudget,
  Settlement,
  SettleResult,
} from '../counter-store';
import { SharedStoreUnavailableError } from '../store.errors';
import { redisScript, type RedisConnection } from './redis-connection';
import * as lua from './redis-scripts';

export interface RedisCounterStoreOptions {
  /** Prefix of every key; a hash tag is added so that all counters share one Redis Cluster slot. */
  keyPrefix?: string;
  /** A hold's marker outlives its leases by this much, so a late settle (after an outage) still counts once. */
  holdGraceMs?: number;
  /** Budgets untouched this long are forgotten; the next call seeds them again from the database. */
  budgetIdleMs?: number;
  /** Most settlements and releases kept while Redis is down, to apply when it is back. */
  maxPendingSettlements?: number;
  /**
   * Renew the leases this instance holds while it runs (default true), so a living instance never loses a slot or
   * reservation to its lease however long a call takes; only a dead one does. Specs that play a vanished holder
   * turn it off.
   */
  renewLeases?: boolean;
}

const SCRIPTS = {
  admit: redisScript(lua.ADMIT),
  release: redisScript(lua.RELEASE),
  settle: redisScript(lua.SETTLE),
  renew: redisScript(lua.RENEW),
  renewSlot: redisScript(lua.RENEW_SLOT),
  seed: redisScript(lua.SEED),
  reset: redisScript(lua.RESET),
  readBudgets: redisScript(lua.READ_BUDGETS),
  addToWindow: redisScript(lua.ADD_TO_WINDOW),
  readWindows: redisScript(lua.READ_WINDOWS),
  acquireSlot: redisScript(lua.ACQUIRE_SLOT),
  slotsInUse: redisScript(lua.SLOTS_IN_USE),
  addSample: redisScript(lua.ADD_SAMPLE),
  sampleMeans: redisScript(lua.SAMPLE_MEANS),
};

const HOLD_GRACE_MS = 10 * 60_000;
const BUDGET_IDLE_MS = 24 * 60 * 60_000;
const SAMPLES_TTL_MS = 24 * 60 * 60_000;
const MAX_PENDING = 100_000;
const PENDING_RETRY_MS = 1_000;

/** A lease this instance holds: renewed while it runs, by one timer for all of them. */
interface OwnLease {
  readonly leaseMs: number;
  renewedAt: number;
}

type Pending = { readonly kind: 'release'; readonly hold: Hold } | { readonly kind: 'settle'; readonly hold: Hold; readonly settlement: Settlement };

/**
 * The CounterStore on Redis, shared by every instance: each operation is one Lua script (see redis-scripts.ts), so
 * an admission plan is all-or-nothing across instances exactly as it is in one process. Slots and reservations
 * are leases: an instance killed mid-call stops holding them when the lease ends; `renew` extends them.
 *
 * Redis Cluster: every key carries the same hash tag, so a plan's keys (a key's, its team's, the proxy's
 * counters) are always in one slot and one script stays atomic. The counters then live on one shard; the
 * response cache, which needs no atomicity across keys, spreads over the cluster.
 *
 * When Redis cannot be reached, admissions and reads throw SharedStoreUnavailableError (the failure mode decides
 * what a call does); settlements and releases are kept and applied, once each, when it is back, so a call that
 * finished during the outage is still charged exactly once.
 */
export class RedisCounterStore implements CounterStore {
  private readonly logger = new Logger('RedisCounterStore');
  private readonly p: string;
  private readonly holdGraceMs: number;
  private readonly budgetIdleMs: number;
  private readonly maxPending: number;
  private readonly rollListeners: ((rolled: RolledBudget) => void)[] = [];
  /** Slot holders this instance took with acquireSlot, so releaseSlot gives back one of its own. */
  private readonly ownSlots = new Map<string, (OwnLease & { readonly holder: string })[]>();
  /** Holds of admitted calls still running here. */
  private readonly openHolds = new Map<string, OwnLease & { readonly hold: Hold }>();
  private readonly renewLeases: boolean;
  private renewTimer?: NodeJS.Timeout;
  private renewEveryMs = Number.POSITIVE_INFINITY;
  private pending: Pending[] = [];
  private retryTimer?: NodeJS.Timeout;
  private draining = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly clock: Clock,
    options: RedisCounterStoreOptions = {},
  ) {
    this.p = `${options.keyPrefix ?? 'tollgate:'}{counters}:`;
    this.holdGraceMs = options.holdGraceMs ?? HOLD_GRACE_MS;
    this.budgetIdleMs = options.budgetIdleMs ?? BUDGET_IDLE_MS;
    this.maxPending = options.maxPendingSettlements ?? MAX_PENDING;
    this.renewLeases = options.renewLeases ?? true;
    connection.onHealthChange((healthy) => {
      if (healthy) void this.drainPending();
    });
  }

  get healthy(): boolean {
    return this.connection.healthy;
  }

  async admit(plan: AdmissionPlan): Promise<AdmissionResult> {
    const holdId = randomUUID();
    const keys = [this.holdKey(holdId)];
    const args: (string | number)[] = [this.clock.now(), plan.leaseMs, this.holdGraceMs, this.budgetIdleMs, holdId];
    for (const check of plan.checks) {
      if (check.kind === 'budget') {
        keys.push(this.k('b', check.key), this.k('bl', check.key), this.k('ba', check.key));
        args.push('b', optional(check.windowMs), optional(check.max), finite(check.amount), check.key);
      } else if (check.kind === 'slot') {
        keys.push(this.k('s', check.key));
        args.push('s', limitOf(check.limit));
      } else {
        keys.push(this.k('w', check.key));
        args.push('r', check.windowMs, check.limit, check.cost);
      }
    }
    const reply = (await this.connection.run(SCRIPTS.admit, keys, args)) as AdmitReply;
    if (reply[0] === 'unseeded') return { status: 'unseeded', keys: reply[1].map((index) => plan.checks[index].key) };
    if (reply[0] === 'refused') {
      this.announce(reply[3]);
      return { status: 'refused', index: reply[1], values: reply[2].map(Number) };
    }
    this.announce(reply[2]);
    const hold = holdOf(holdId, plan.checks);
    this.own(plan.leaseMs, () => this.openHolds.set(hold.id, { hold, leaseMs: plan.leaseMs, renewedAt: Date.now() }));
    return { status: 'admitted', hold, values: reply[1].map(Number) };
  }

  async release(hold: Hold): Promise<void> {
    this.openHolds.delete(hold.id);
    try {
      await this.connection.run(SCRIPTS.release, this.giveBackKeys(hold), [hold.id, hold.slots.length, hold.reservations.length]);
    } catch (error) {
      if (!(error instanceof SharedStoreUnavailableError)) throw error;
      this.keep({ kind: 'release', hold });
    }
  }

  async settle(hold: Hold, settlement: Settlement): Promise<SettleResult> {
    this.openHolds.delete(hold.id);
    try {
      return await this.settleNow(hold, settlement);
    } catch (error) {
      if (!(error instanceof SharedStoreUnavailableError)) throw error;
      // The call happened and its ledger row is written; the counters get the charge when Redis is back.
      this.keep({ kind: 'settle', hold, settlement });
      return { spendAfter: null };
    }
  }

  async renew(hold: Hold, leaseMs: number): Promise<void> {
    const keys = [this.holdKey(hold.id), ...hold.slots.map((key) => this.k('s', key)), ...hold.reservations.map(({ key }) => this.k('bl', key))];
    await this.connection.run(SCRIPTS.renew, keys, [hold.id, hold.slots.length, hold.reservations.length, this.clock.now(), leaseMs, this.holdGraceMs]);
  }

  async seedBudgets(seeds: readonly BudgetSeed[]): Promise<void> {
    if (seeds.length === 0) return;
    const args: (string | number)[] = [this.budgetIdleMs];
    for (const seed of seeds) args.push(number(seed.spend), optional(seed.resetAt));
    await this.connection.run(
      SCRIPTS.seed,
      seeds.map((seed) => this.k('b', seed.key)),
      args,
    );
  }

  async resetBudget(seed: BudgetSeed): Promise<void> {
    await this.connection.run(SCRIPTS.reset, [this.k('b', seed.key)], [this.budgetIdleMs, number(seed.spend), optional(seed.resetAt)]);
  }

  async readBudgets(budgets: readonly BudgetRef[]): Promise<(BudgetReading | undefined)[]> {
    if (budgets.length === 0) return [];
    const args: (string | number)[] = [this.clock.now(), this.budgetIdleMs];
    for (const budget of budgets) args.push(optional(budget.windowMs), budget.key);
    const [readings, rolled] = (await this.connection.run(
      SCRIPTS.readBudgets,
      budgets.map((budget) => this.k('b', budget.key)),
      args,
    )) as [([string, string] | '')[], RolledReply[]];
    this.announce(rolled);
    return readings.map((reading) => (reading === '' ? undefined : { spend: Number(reading[0]), resetAt: reading[1] === '' ? null : Number(reading[1]) }));
  }

  async addToWindow(key: string, windowMs: number, delta: number): Promise<number> {
    return Number(await this.connection.run(SCRIPTS.addToWindow, [this.k('w', key)], [this.clock.now(), windowMs, delta]));
  }

  async readWindows(keys: readonly string[], windowMs: number): Promise<number[]> {
    if (keys.length === 0) return [];
    const values = (await this.connection.run(
      SCRIPTS.readWindows,
      keys.map((key) => this.k('w', key)),
      [this.clock.now(), windowMs],
    )) as string[];
    return values.map(Number);
  }

  async clearWindow(key: string): Promise<void> {
    await this.connection.call(() => this.connection.client.del(this.k('w', key)));
  }

  async acquireSlot(key: string, limit: number, leaseMs: number): Promise<boolean> {
    const holder = randomUUID();
    const taken = (await this.connection.run(SCRIPTS.acquireSlot, [this.k('s', key)], [this.clock.now(), limitOf(limit), leaseMs, holder])) === 1;
    if (taken) {
      this.own(leaseMs, () => {
        const entry = { holder, leaseMs, renewedAt: Date.now() };
        const own = this.ownSlots.get(key);
        if (own) own.push(entry);
        else this.ownSlots.set(key, [entry]);
      });
    }
    return taken;
  }

  async releaseSlot(key: string): Promise<void> {
    const own = this.ownSlots.get(key);
    const holder = own?.pop()?.holder;
    if (own && own.length === 0) this.ownSlots.delete(key);
    if (holder === undefined) return;
    // A slot that cannot be given back now is freed by its lease.
    await this.connection.call(() => this.connection.client.zrem(this.k('s', key), holder)).catch(() => undefined);
  }

  async slotsInUse(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    return (await this.connection.run(
      SCRIPTS.slotsInUse,
      keys.map((key) => this.k('s', key)),
      [this.clock.now()],
    )) as number[];
  }

  async markUntil(key: string, untilMs: number): Promise<void> {
    const ttl = Math.ceil(untilMs - this.clock.now());
    if (ttl <= 0) {
      await this.connection.call(() => this.connection.client.del(this.k('m', key)));
      return;
    }
    await this.connection.call(() => this.connection.client.set(this.k('m', key), String(untilMs), 'PX', ttl));
  }

  async marks(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.connection.call(() => this.connection.client.mget(...keys.map((key) => this.k('m', key))));
    const now = this.clock.now();
    return values.map((value) => {
      const until = value === null ? undefined : Number(value);
      return until !== undefined && until > now ? until : undefined;
    });
  }

  async addSample(key: string, value: number, keep: number): Promise<void> {
    await this.connection.run(SCRIPTS.addSample, [this.k('l', key)], [value, keep, SAMPLES_TTL_MS]);
  }

  async sampleMeans(keys: readonly string[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    const means = (await this.connection.run(
      SCRIPTS.sampleMeans,
      keys.map((key) => this.k('l', key)),
      [],
    )) as string[];
    return means.map((mean) => (mean === '' ? undefined : Number(mean)));
  }

  onBudgetRolled(listener: (rolled: RolledBudget) => void): void {
    this.rollListeners.push(listener);
  }

  /** Settlements and releases waiting for Redis to come back. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Tries once more to apply what waits, then stops retrying (shutdown). */
  async close(): Promise<void> {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    await this.drainPending();
    if (this.pending.length > 0) this.logger.error(`${this.pending.length} settlement(s) could not reach Redis before shutdown; their ledger rows are written`);
  }

  private async settleNow(hold: Hold, settlement: Settlement): Promise<SettleResult> {
    const keys = this.giveBackKeys(hold);
    const args: (string | number)[] = [
      hold.id,
      hold.slots.length,
      hold.reservations.length,
      this.clock.now(),
      this.budgetIdleMs,
      settlement.charges.length,
      settlement.windows.length,
    ];
    for (const charge of settlement.charges) {
      keys.push(this.k('b', charge.key));
      args.push(optional(charge.windowMs), finite(charge.amount), charge.key);
    }
    for (const window of settlement.windows) {
      keys.push(this.k('w', window.key));
      args.push(window.windowMs, finite(window.delta));
    }
    const reply = (await this.connection.run(SCRIPTS.settle, keys, args)) as [string[], RolledReply[]] | null;
    if (!reply) return { spendAfter: null };
    this.announce(reply[1]);
    // A budget Redis no longer held (its data was lost) was not charged here: the database has the row.
    return { spendAfter: reply[0].map((after) => (after === '' ? 0 : Number(after))) };
  }

  /** Records a lease this instance holds (when it renews its leases), starting the renewal timer as needed. */
  private own(leaseMs: number, record: () => void): void {
    record();
    if (!this.renewLeases) return;
    const every = Math.max(250, Math.floor(leaseMs / 3));
    if (every >= this.renewEveryMs && this.renewTimer) return;
    clearInterval(this.renewTimer);
    this.renewEveryMs = every;
    this.renewTimer = setInterval(() => void this.renewOwn(), every);
    this.renewTimer.unref();
  }

  /**
   * Renews what this instance holds for longer than a third of its lease: one timer for every open hold and slot,
   * no timer per call. A renewal that fails (Redis down) leaves the lease to run out; the call goes on.
   */
  private async renewOwn(): Promise<void> {
    const now = Date.now();
    const due = (lease: OwnLease): boolean => now - lease.renewedAt >= lease.leaseMs / 3;
    const renewals: Promise<unknown>[] = [];
    for (const entry of this.openHolds.values()) {
      if (!due(entry)) continue;
      entry.renewedAt = now;
      renewals.push(this.renew(entry.hold, entry.leaseMs).catch(() => undefined));
    }
    for (const [key, holders] of this.ownSlots) {
      for (const entry of holders) {
        if (!due(entry)) continue;
        entry.renewedAt = now;
        const expiry = this.clock.now() + entry.leaseMs;
        renewals.push(this.connection.run(SCRIPTS.renewSlot, [this.k('s', key)], [expiry, entry.holder, entry.leaseMs]).catch(() => undefined));
      }
    }
    await Promise.all(renewals);
  }

  private keep(pending: Pending): void {
    if (this.pending.length >= this.maxPending) {
      // Bounded memory through a long outage: the oldest is dropped; its ledger row still carries the spend.
      this.pending.shift();
      this.logger.error('too many settlements waiting for Redis: the oldest is dropped (its ledger row is written; reseed from the database)');
    }
    this.pending.push(pending);
    this.retryTimer ??= setInterval(() => void this.drainPending(), PENDING_RETRY_MS);
    this.retryTimer.unref();
  }

  /** Applies waiting settlements and releases in order; each is once-only on the server (the hold's marker). */
  private async drainPending(): Promise<void> {
    if (this.draining || this.pending.length === 0) return;
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const next = this.pending[0];
        try {
          if (next.kind === 'settle') await this.settleNow(next.hold, next.settlement);
          else await this.connection.run(SCRIPTS.release, this.giveBackKeys(next.hold), [next.hold.id, next.hold.slots.length, next.hold.reservations.length]);
        } catch (error) {
          if (error instanceof SharedStoreUnavailableError) return;
          this.logger.error(`a waiting settlement failed (${error instanceof Error ? error.name : typeof error}); it is dropped`);
        }
        this.pending.shift();
      }
      clearInterval(this.retryTimer);
      this.retryTimer = undefined;
    } finally {
      this.draining = false;
    }
  }

  private giveBackKeys(hold: Hold): string[] {
    const keys = [this.holdKey(hold.id)];
    for (const key of hold.slots) keys.push(this.k('s', key));
    for (const { key } of hold.reservations) keys.push(this.k('b', key), this.k('bl', key), this.k('ba', key));
    return keys;
  }

  private holdKey(id: string): string {
    return `${this.p}h:${id}`;
  }

  private k(kind: string, key: string): string {
    return `${this.p}${kind}:${key}`;
  }

  private announce(rolled: readonly RolledReply[]): void {
    for (const [key, resetAt, previous] of rolled) {
      const event: RolledBudget = { key, resetAt: Number(resetAt), previousResetAt: previous === '' ? null : Number(previous) };
      for (const listener of this.rollListeners) {
        try {
          listener(event);
        } catch {
          // A listener (the database follow-up) failing must not fail the call that rolled the window.
        }
      }
    }
  }
}

type RolledReply = [string, string, string];
type AdmitReply = ['unseeded', number[]] | ['refused', number, string[], RolledReply[]] | ['admitted', string[], RolledReply[]];

/** The hold as the script took it: slots in plan order, reservations of the budget checks that have a max. */
function holdOf(id: string, checks: readonly AdmissionCheck[]): Hold {
  const slots: string[] = [];
  const reservations: { key: string; amount: number }[] = [];
  for (const check of checks) {
    if (check.kind === 'slot') slots.push(check.key);
    else if (check.kind === 'budget' && check.max !== null) reservations.push({ key: check.key, amount: Math.max(0, finite(check.amount)) });
  }
  return { id, slots, reservations };
}

function optional(value: number | null): string | number {
  return value === null ? '' : number(value);
}

/** Redis takes numbers as text; JavaScript's shortest form parses back (in Lua too) to the very same double. */
function number(value: number): string {
  return Number.isFinite(value) ? String(value) : '0';
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** -1 stands for "no limit" (a deployment without max_parallel_requests still counts its calls). */
function limitOf(limit: number): number {
  return Number.isFinite(limit) ? limit : -1;
}
