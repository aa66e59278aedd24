import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { BudgetBook } from '../store/budget-book';
import { STORE_HEALTH, type AdmissionCheck, type BudgetReading, type Hold, type StoreHealth } from '../store/counter-store';
import { SharedStoreUnavailableError } from '../store/store.errors';
import { STORE_SETTINGS, type StoreSettings } from '../store/store.tokens';
import { Admission, type SettledUsage, type SpendAfter } from './admission';
import { BudgetExceededError, RateLimitedError } from './limits.errors';

const MINUTE_MS = 60_000;
/** Slots and reservations of an instance that died mid-call are freed after this long (`redis_lease_seconds`). */
const DEFAULT_SETTINGS: StoreSettings = { leaseMs: 10 * MINUTE_MS, failureMode: 'fail_closed' };

/** How LiteLLM's texts name the holder of a limit. */
export type LimitType = 'key' | 'team' | 'user' | 'team_member' | 'organization' | 'customer' | 'proxy';

/**
 * Anything a call is charged to and limited by: a key, a team, an internal user, a team membership, an
 * organization, an end user, the whole proxy. Built by the call pipeline from the charged parties; Limits knows
 * nothing of the records behind it.
 */
export interface LimitSubject {
  /** Store namespace, stable across key rotations: `key:<id>`, `team:<id>`, … Also the budget's key. */
  readonly ns: string;
  readonly type: LimitType;
  /** How LiteLLM's texts name it, e.g. `api_key: sk-...abcd`. */
  readonly label: string;
  /** The subject's spend account; null: nothing is charged to it (a limit-only subject). */
  readonly budget: SubjectBudget | null;
  readonly maxParallel: number | null;
  readonly rpm: number | null;
  readonly tpm: number | null;
  /** The caller's own limits: reported in `x-ratelimit-*` and `x-litellm-key-*` headers. */
  readonly describesCaller?: boolean;
  /** Per-model request and token limits (a key's `model_rpm_limit`, `model_tpm_limit`) for the call's model. */
  readonly modelLimits?: { readonly model: string; readonly rpm: number | null; readonly tpm: number | null };
}

export interface SubjectBudget {
  /** Null: charged and tracked, never refused for spend. */
  readonly max: number | null;
  /** Length of the budget window (`budget_duration`); null: spend never resets. */
  readonly windowMs: number | null;
  readonly soft?: number | null;
}

export interface AdmissionRequest {
  /** In the order refusals take precedence. */
  readonly subjects: readonly LimitSubject[];
  /** Estimated cost in USD, reserved against every budget until the call settles. */
  readonly estimatedCost: number;
}

export interface SoftBudgetCrossed {
  readonly ns: string;
  readonly label: string;
  readonly spend: number;
  readonly softBudget: number;
}

/** What check i of the plan stands for, to word a refusal and the caller's headers. */
interface PlannedCheck {
  readonly subject: LimitSubject;
  readonly what: 'budget' | 'parallel' | 'tpm' | 'rpm' | 'model_tpm' | 'model_rpm';
}

/**
 * Admission control for every governed call: budget reservations, parallel slots and per-minute request and
 * token windows for every subject the call is charged to, taken in one all-or-nothing step of the counter store.
 * A call is admitted while committed spend + open reservations < max budget, which bounds overspend under
 * concurrency to one estimate instead of one per in-flight call; settlement charges the actual cost.
 */
@Injectable()
export class LimitsService {
  private readonly logger = new Logger('Limits');
  /** Emits `soft_budget_crossed` (SoftBudgetCrossed) for alerting. */
  readonly events = new EventEmitter();
  /** Calls refused (fail_closed) or admitted without checks (fail_open) because the shared store was unreachable. */
  private degraded = 0;
  /** fail_open: budgets charged while Redis was away, seeded again from the database when it is back. */
  private readonly chargedUnchecked = new Set<string>();
  private readonly settings: StoreSettings;

  constructor(
    private readonly book: BudgetBook,
    @Optional() @Inject(STORE_SETTINGS) settings?: StoreSettings,
    @Optional() @Inject(STORE_HEALTH) health?: StoreHealth,
  ) {
    this.settings = settings ?? DEFAULT_SETTINGS;
    health?.onHealthChange((healthy) => {
      if (healthy && this.chargedUnchecked.size > 0) void this.reseedChargedUnchecked();
    });
  }

  /** How many calls the shared store's outages refused or let through unchecked (a metric reads it). */
  get degradedCalls(): number {
    return this.degraded;
  }

  /**
   * @throws BudgetExceededError (400 budget_exceeded) when any budget the call is charged to has no headroom.
   * @throws RateLimitedError (429 + retry-after) when a parallel, rpm or tpm limit is reached.
   */
  async admit(request: AdmissionRequest): Promise<Admission> {
    const estimate = Number.isFinite(request.estimatedCost) ? Math.max(0, request.estimatedCost) : 0;
    const checks: AdmissionCheck[] = [];
    const planned: PlannedCheck[] = [];
    const add = (check: AdmissionCheck, subject: LimitSubject, what: PlannedCheck['what']): void => {
      checks.push(check);
      planned.push({ subject, what });
    };
    for (const subject of request.subjects) {
      if (subject.budget) add({ kind: 'budget', key: subject.ns, windowMs: subject.budget.windowMs, max: subject.budget.max, amount: estimate }, subject, 'budget');
      if (subject.maxParallel !== null) add({ kind: 'slot', key: `parallel:${subject.ns}`, limit: subject.maxParallel }, subject, 'parallel');
      if (subject.tpm !== null) add({ kind: 'rate', key: `tpm:${subject.ns}`, windowMs: MINUTE_MS, limit: subject.tpm, cost: 0 }, subject, 'tpm');
      if (subject.rpm !== null) add({ kind: 'rate', key: `rpm:${subject.ns}`, windowMs: MINUTE_MS, limit: subject.rpm, cost: 1 }, subject, 'rpm');
      const model = subject.modelLimits;
      if (model?.tpm != null) add({ kind: 'rate', key: modelWindow('tpm', subject, model.model), windowMs: MINUTE_MS, limit: model.tpm, cost: 0 }, subject, 'model_tpm');
      if (model?.rpm != null) add({ kind: 'rate', key: modelWindow('rpm', subject, model.model), windowMs: MINUTE_MS, limit: model.rpm, cost: 1 }, subject, 'model_rpm');
    }
    let result: Awaited<ReturnType<BudgetBook['admit']>>;
    try {
      result = await this.book.admit({ checks, leaseMs: this.settings.leaseMs });
    } catch (error) {
      if (!(error instanceof SharedStoreUnavailableError)) throw error;
      this.degraded++;
      // The declared state: refused by default, never silently counted per instance.
      if (this.settings.failureMode === 'fail_closed') throw error;
      return this.admitUnchecked(request.subjects);
    }
    const headers = callerHeaders(planned, result.values, result.status === 'refused' ? result.index : planned.length);
    if (result.status === 'refused') throw refusal(planned[result.index], result.values[result.index], headers);
    const hold: Hold = result.hold;
    const subjects = request.subjects;
    return new Admission(this.book.store, hold, headers, (cost, usage) => this.settle(hold, subjects, cost, usage));
  }

  /**
   * fail_open while the shared store is down: the call goes ahead with no limit or budget checked. Its ledger row
   * still records the spend; the store is told when it can be, and the budgets charged meanwhile are seeded
   * again from the database once Redis is back.
   */
  private admitUnchecked(subjects: readonly LimitSubject[]): Admission {
    const noHold: Hold = { id: 'unchecked', slots: [], reservations: [] };
    return new Admission(
      this.book.store,
      noHold,
      {},
      async (cost) => {
        if (cost > 0) for (const subject of subjects) if (subject.budget) this.chargedUnchecked.add(subject.ns);
        return null;
      },
      true,
    );
  }

  private async reseedChargedUnchecked(): Promise<void> {
    const keys = [...this.chargedUnchecked.keys()];
    this.chargedUnchecked.clear();
    try {
      await this.book.reseed(keys);
      this.logger.log(`${keys.length} budget(s) charged while Redis was unreachable were seeded again from the database`);
    } catch {
      this.logger.warn('budgets charged while Redis was unreachable could not be seeded again yet');
      for (const key of keys) this.chargedUnchecked.add(key);
    }
  }

  /** Committed spend and window of budgets, for reports and the management API (seeded when unknown). */
  readBudgets(accounts: readonly { ns: string; windowMs: number | null }[]): Promise<BudgetReading[]> {
    return this.book.read(accounts.map((account) => ({ key: account.ns, windowMs: account.windowMs })));
  }

  private async settle(hold: Hold, subjects: readonly LimitSubject[], cost: number, usage: SettledUsage): Promise<SpendAfter | null> {
    const tokens = usage.total_tokens ?? 0;
    const windows: { key: string; windowMs: number; delta: number }[] = [];
    if (tokens > 0) {
      for (const subject of subjects) {
        if (subject.tpm !== null) windows.push({ key: `tpm:${subject.ns}`, windowMs: MINUTE_MS, delta: tokens });
        if (subject.modelLimits?.tpm != null) windows.push({ key: modelWindow('tpm', subject, subject.modelLimits.model), windowMs: MINUTE_MS, delta: tokens });
      }
    }
    const charged = subjects.filter((subject) => subject.budget !== null);
    const charges = charged.map((subject) => ({ key: subject.ns, windowMs: subject.budget!.windowMs, amount: cost }));
    const { spendAfter } = await this.book.store.settle(hold, { charges, windows });
    if (!spendAfter) return null;
    const spendOf = new Map<string, number>();
    charged.forEach((subject, i) => spendOf.set(subject.ns, spendAfter[i]));
    if (!(cost > 0)) return spendOf;
    charged.forEach((subject, i) => {
      const soft = subject.budget!.soft;
      const after = spendAfter[i];
      if (soft === null || soft === undefined || !(after - cost < soft && after >= soft)) return;
      this.logger.warn(`${subject.label} crossed its soft budget ${soft} (spend ${after})`);
      const event: SoftBudgetCrossed = { ns: subject.ns, label: subject.label, spend: after, softBudget: soft };
      try {
        this.events.emit('soft_budget_crossed', event);
      } catch (error) {
        // An alerting listener failing must not fail a call whose spend is already recorded.
        this.logger.error(`soft_budget_crossed listener failed: ${(error as Error).name}`);
      }
    });
    return spendOf;
  }
}

function modelWindow(kind: 'rpm' | 'tpm', subject: LimitSubject, model: string): string {
  return `${kind}:${subject.ns}:model:${model}`;
}

function secondsToNextMinute(): number {
  return (MINUTE_MS - (Date.now() % MINUTE_MS)) / 1000;
}

/**
 * `x-ratelimit-*` and `x-litellm-key-*` headers for the caller's own subject, from the values the store saw for
 * the checks it ran (`upTo` excluded: a refused plan ran no further).
 */
function callerHeaders(planned: readonly PlannedCheck[], values: readonly number[], upTo: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < planned.length && i <= upTo; i++) {
    const { subject, what } = planned[i];
    if (!subject.describesCaller) continue;
    const value = values[i];
    if (what === 'budget' && i < upTo) {
      headers['x-litellm-key-spend'] = String(value);
      if (subject.budget?.max != null) headers['x-litellm-key-max-budget'] = String(subject.budget.max);
    } else if (what === 'tpm' && subject.tpm !== null) {
      headers['x-ratelimit-limit-tokens'] = String(subject.tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, subject.tpm - value));
      headers['x-litellm-key-tpm-limit'] = String(subject.tpm);
    } else if (what === 'rpm' && subject.rpm !== null) {
      headers['x-ratelimit-limit-requests'] = String(subject.rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, subject.rpm - value));
      headers['x-litellm-key-rpm-limit'] = String(subject.rpm);
    } else if (what === 'model_tpm' && subject.modelLimits?.tpm != null) {
      headers[`x-litellm-key-remaining-tokens-${subject.modelLimits.model}`] = String(Math.max(0, subject.modelLimits.tpm - value));
    } else if (what === 'model_rpm' && subject.modelLimits?.rpm != null) {
      headers[`x-litellm-key-remaining-requests-${subject.modelLimits.model}`] = String(Math.max(0, subject.modelLimits.rpm - value));
    }
  }
  return headers;
}

/** LiteLLM's wording for each kind of refusal. */
function refusal({ subject, what }: PlannedCheck, value: number, headers: Record<string, string>): Error {
  const rateHeaders = subject.describesCaller ? headers : {};
  switch (what) {
    case 'budget':
      return new BudgetExceededError(value, subject.budget?.max ?? 0, subject.type);
    case 'parallel':
      return subject.type === 'proxy'
        ? new RateLimitedError(`Max parallel request limit reached. Hit limit for global_max_parallel_requests: ${subject.maxParallel}`, 1)
        : new RateLimitedError(`Max parallel request limit reached. Hit limit for ${subject.label}. max_parallel_requests: ${subject.maxParallel}`, 1);
    case 'tpm':
      return new RateLimitedError(
        `LiteLLM Rate Limit Handler for rate limit type = ${subject.type}. Crossed TPM Limit. ${subject.label}, tpm_limit: ${subject.tpm}, current_tpm: ${value}`,
        secondsToNextMinute(),
        rateHeaders,
      );
    case 'rpm':
      return new RateLimitedError(
        `LiteLLM Rate Limit Handler for rate limit type = ${subject.type}. Crossed RPM Limit. ${subject.label}, rpm_limit: ${subject.rpm}, current_rpm: ${value}`,
        secondsToNextMinute(),
        rateHeaders,
      );
    case 'model_tpm':
      return new RateLimitedError(
        `LiteLLM Rate Limit Handler for rate limit type = ${subject.type}. Crossed TPM Limit. ${subject.label}, model: ${subject.modelLimits?.model}, tpm_limit: ${subject.modelLimits?.tpm}, current_tpm: ${value}`,
        secondsToNextMinute(),
        rateHeaders,
      );
    case 'model_rpm':
      return new RateLimitedError(
        `LiteLLM Rate Limit Handler for rate limit type = ${subject.type}. Crossed RPM Limit. ${subject.label}, model: ${subject.modelLimits?.model}, rpm_limit: ${subject.modelLimits?.rpm}, current_rpm: ${value}`,
        secondsToNextMinute(),
        rateHeaders,
      );
  }
}
