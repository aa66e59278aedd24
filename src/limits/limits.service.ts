import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { CustomersService } from '../customers/customers.service';
import type { EndUserRecord } from '../customers/end-user';
import { KeysService } from '../keys/keys.service';
import type { VirtualKeyRecord } from '../keys/virtual-key';
import { Admission, SettledUsage } from './admission';
import { BudgetCounterService } from './budget-counter.service';
import { COUNTER_STORE, CounterStore } from './counter-store';
import { BudgetExceededError, EndUserBlockedError, RateLimitedError } from './limits.errors';

const MINUTE_MS = 60_000;
/** Reservation for a reply of unknown length before a key has any history. */
const DEFAULT_COMPLETION_ESTIMATE = 256;
const MAX_TRACKED_AVERAGES = 100_000;

export interface AdmissionInput {
  /** The caller's virtual key; absent for the master key and an open proxy. */
  key?: VirtualKeyRecord;
  /** The request's `user` (end user / customer) and its record when one exists. */
  endUserId?: string;
  endUser?: EndUserRecord | null;
  /** The model group the call goes to (after key aliases). */
  model: string;
  /** Estimated cost of the call in USD, reserved against budgets until the call settles. */
  estimatedCost: number;
}

export interface SoftBudgetCrossed {
  token: string;
  keyAlias: string | null;
  spend: number;
  softBudget: number;
}

/**
 * Admission control for LLM calls: parallel slots, per-minute request and token windows, and budget
 * reservations, all in the CounterStore so the same rules hold across instances once it is Redis-backed.
 * A call is admitted while committed spend + open reservations < max budget, which bounds overspend under
 * concurrency to one estimate instead of one per in-flight call.
 */
@Injectable()
export class LimitsService {
  private readonly logger = new Logger('Limits');
  /** Emits `soft_budget_crossed` (SoftBudgetCrossed) for alerting. */
  readonly events = new EventEmitter();
  private readonly globalMaxParallel?: number;
  private readonly proxyMaxBudget?: number;
  private readonly completionAverages = new Map<string, number>();
  private readonly trackEndUserSpend: boolean;

  constructor(
    @Inject(COUNTER_STORE) private readonly store: CounterStore,
    private readonly keys: KeysService,
    private readonly counters: BudgetCounterService,
    private readonly customers: CustomersService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.globalMaxParallel = config.general_settings.global_max_parallel_requests;
    this.proxyMaxBudget = config.litellm_settings.max_budget;
    this.trackEndUserSpend = config.litellm_settings.disable_end_user_cost_tracking !== true;
  }

  /**
   * @throws BudgetExceededError (400 budget_exceeded) when a key or the proxy budget has no headroom.
   * @throws RateLimitedError (429 + retry-after) when a parallel, rpm or tpm limit is reached.
   */
  async admit(input: AdmissionInput): Promise<Admission> {
    const { key, model } = input;
    const estimate = Math.max(0, input.estimatedCost);
    const slots: string[] = [];
    const reservations: { key: string; amount: number }[] = [];
    const headers: Record<string, string> = {};
    const counted: string[] = [];
    const giveBack = async (): Promise<void> => {
      for (const slot of slots) await this.store.releaseSlot(slot);
      for (const r of reservations) await this.store.unreserve(r.key, r.amount);
      // A refused call must not use up the request windows it was already counted in.
      for (const window of counted) await this.store.addInWindow(window, MINUTE_MS, -1);
    };
    try {
      if (this.proxyMaxBudget !== undefined) {
        const committed = this.counters.proxySpend();
        if (!(await this.store.reserve('budget:proxy', estimate, committed, this.proxyMaxBudget))) {
          throw new BudgetExceededError(committed, this.proxyMaxBudget, 'proxy');
        }
        reservations.push({ key: 'budget:proxy', amount: estimate });
      }
      if (key) await this.admitKey(key, model, estimate, slots, reservations, headers, counted);
      if (input.endUser) await this.admitEndUser(input.endUser, estimate, slots, reservations, counted);
      if (this.globalMaxParallel !== undefined) {
        if (!(await this.store.acquireSlot('parallel:global', this.globalMaxParallel))) {
          throw new RateLimitedError(
            `Max parallel request limit reached. Hit limit for global_max_parallel_requests: ${this.globalMaxParallel}`,
            1,
          );
        }
        slots.push('parallel:global');
      }
    } catch (error) {
      await giveBack();
      throw error;
    }
    const endUser = input.endUser ?? undefined;
    const endUserId = input.endUserId;
    return new Admission(this.store, slots, reservations, headers, (cost, usage) => this.onSettled(key, model, cost, usage, endUserId, endUser));
  }

  /** Whether a budget applies to this caller, i.e. whether estimating the call's cost is worth its CPU. */
  needsEstimate(key: VirtualKeyRecord | undefined, endUser?: EndUserRecord | null): boolean {
    return this.proxyMaxBudget !== undefined || (key !== undefined && key.maxBudget !== null) || (endUser?.budget?.maxBudget ?? null) !== null;
  }

  /** Completion tokens this key's calls usually take (moving average), for calls without max_tokens. */
  typicalCompletionTokens(key: VirtualKeyRecord | undefined): number {
    return (key && this.completionAverages.get(key.id)) ?? DEFAULT_COMPLETION_ESTIMATE;
  }

  private async admitKey(
    key: VirtualKeyRecord,
    model: string,
    estimate: number,
    slots: string[],
    reservations: { key: string; amount: number }[],
    headers: Record<string, string>,
    counted: string[],
  ): Promise<void> {
    // The stable id, not the token: rotating a key must not reset its windows or hide its reservations.
    const id = key.id;
    if (key.maxBudget !== null) {
      const budgetKey = `budget:key:${id}`;
      if (!(await this.store.reserve(budgetKey, estimate, key.spend, key.maxBudget))) {
        throw new BudgetExceededError(key.spend, key.maxBudget, 'key');
      }
      reservations.push({ key: budgetKey, amount: estimate });
      headers['x-litellm-key-max-budget'] = String(key.maxBudget);
    }
    headers['x-litellm-key-spend'] = String(key.spend);
    if (key.maxParallelRequests !== null) {
      const slot = `parallel:key:${id}`;
      if (!(await this.store.acquireSlot(slot, key.maxParallelRequests))) {
        throw new RateLimitedError(
          `Max parallel request limit reached. Hit limit for api_key: ${key.keyName}. max_parallel_requests: ${key.maxParallelRequests}`,
          1,
        );
      }
      slots.push(slot);
    }
    await this.admitWindows(`key:${id}`, key.rpmLimit, key.tpmLimit, `api_key: ${key.keyName}`, headers, '', counted);
    const modelRpm = key.modelRpmLimit[model];
    const modelTpm = key.modelTpmLimit[model];
    if (modelRpm !== undefined || modelTpm !== undefined) {
      await this.admitWindows(`key:${id}:model:${model}`, modelRpm ?? null, modelTpm ?? null, `api_key: ${key.keyName}, model: ${model}`, headers, model, counted);
    }
  }

  /** The request's `user`: blocked list, its budget (own or a shared `budget_id`) and its limits. */
  private async admitEndUser(
    endUser: EndUserRecord,
    estimate: number,
    slots: string[],
    reservations: { key: string; amount: number }[],
    counted: string[],
  ): Promise<void> {
    if (endUser.blocked) throw new EndUserBlockedError(endUser.userId);
    const budget = endUser.budget;
    if (!budget) return;
    const id = endUser.userId;
    if (budget.maxBudget !== null) {
      const budgetKey = `budget:enduser:${id}`;
      if (!(await this.store.reserve(budgetKey, estimate, endUser.spend, budget.maxBudget))) {
        throw new BudgetExceededError(endUser.spend, budget.maxBudget, 'end_user');
      }
      reservations.push({ key: budgetKey, amount: estimate });
    }
    if (budget.maxParallelRequests !== null) {
      const slot = `parallel:enduser:${id}`;
      if (!(await this.store.acquireSlot(slot, budget.maxParallelRequests))) {
        throw new RateLimitedError(`Max parallel request limit reached. Hit limit for customer: ${id}. max_parallel_requests: ${budget.maxParallelRequests}`, 1);
      }
      slots.push(slot);
    }
    await this.admitWindows(`enduser:${id}`, budget.rpmLimit, budget.tpmLimit, `customer: ${id}`, {}, '', counted, 'customer');
  }

  /** Fixed one-minute windows, as LiteLLM's limiter: requests counted at admission, tokens at settlement. */
  private async admitWindows(
    subject: string,
    rpmLimit: number | null,
    tpmLimit: number | null,
    label: string,
    headers: Record<string, string>,
    model: string,
    counted: string[],
    limitType: 'key' | 'customer' = 'key',
  ): Promise<void> {
    const retryAfter = (MINUTE_MS - (Date.now() % MINUTE_MS)) / 1000;
    const suffix = model ? `-${model}` : '';
    if (tpmLimit !== null) {
      const used = await this.store.readWindow(`tpm:${subject}`, MINUTE_MS);
      const remaining = Math.max(0, tpmLimit - used);
      if (model) headers[`x-litellm-key-remaining-tokens${suffix}`] = String(remaining);
      else {
        headers['x-ratelimit-limit-tokens'] = String(tpmLimit);
        headers['x-ratelimit-remaining-tokens'] = String(remaining);
        headers['x-litellm-key-tpm-limit'] = String(tpmLimit);
      }
      if (used >= tpmLimit) {
        throw new RateLimitedError(
          `LiteLLM Rate Limit Handler for rate limit type = ${limitType}. Crossed TPM Limit. ${label}, tpm_limit: ${tpmLimit}, current_tpm: ${used}`,
          retryAfter,
          headers,
        );
      }
    }
    if (rpmLimit !== null) {
      const { accepted, value } = await this.store.addInWindow(`rpm:${subject}`, MINUTE_MS, 1, rpmLimit);
      if (accepted) counted.push(`rpm:${subject}`);
      const remaining = Math.max(0, rpmLimit - value);
      if (model) headers[`x-litellm-key-remaining-requests${suffix}`] = String(remaining);
      else {
        headers['x-ratelimit-limit-requests'] = String(rpmLimit);
        headers['x-ratelimit-remaining-requests'] = String(remaining);
        headers['x-litellm-key-rpm-limit'] = String(rpmLimit);
      }
      if (!accepted) {
        throw new RateLimitedError(
          `LiteLLM Rate Limit Handler for rate limit type = ${limitType}. Crossed RPM Limit. ${label}, rpm_limit: ${rpmLimit}, current_rpm: ${value}`,
          retryAfter,
          headers,
        );
      }
    }
  }

  private onSettled(
    key: VirtualKeyRecord | undefined,
    model: string,
    cost: number,
    usage: SettledUsage,
    endUserId: string | undefined,
    endUser: EndUserRecord | undefined,
  ): void {
    this.counters.recordProxySpend(cost);
    const totalTokens = usage.total_tokens ?? 0;
    if (endUserId !== undefined && this.trackEndUserSpend && cost > 0) this.customers.recordSpend(endUserId, cost);
    if (endUser?.budget?.tpmLimit != null && totalTokens > 0) void this.store.addInWindow(`tpm:enduser:${endUser.userId}`, MINUTE_MS, totalTokens);
    if (!key) return;
    if (usage.completion_tokens !== undefined) {
      const previous = this.completionAverages.get(key.id);
      const next = previous === undefined ? usage.completion_tokens : previous * 0.8 + usage.completion_tokens * 0.2;
      if (previous !== undefined || this.completionAverages.size < MAX_TRACKED_AVERAGES) this.completionAverages.set(key.id, next);
    }
    const before = key.spend;
    this.keys.recordSpend(key.token, cost);
    if (totalTokens > 0) {
      if (key.tpmLimit !== null) void this.store.addInWindow(`tpm:key:${key.id}`, MINUTE_MS, totalTokens);
      if (key.modelTpmLimit[model] !== undefined) void this.store.addInWindow(`tpm:key:${key.id}:model:${model}`, MINUTE_MS, totalTokens);
    }
    const soft = key.softBudget;
    if (soft !== null && before < soft && key.spend >= soft) {
      const event: SoftBudgetCrossed = { token: key.token, keyAlias: key.keyAlias, spend: key.spend, softBudget: soft };
      this.logger.warn(`key ${key.keyAlias ?? key.keyName} crossed its soft budget ${soft} (spend ${key.spend})`);
      try {
        this.events.emit('soft_budget_crossed', event);
      } catch (error) {
        // An alerting listener failing must not fail a call whose spend is already recorded.
        this.logger.error(`soft_budget_crossed listener failed: ${(error as Error).name}`);
      }
    }
  }
}
