import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { CustomersService } from '../customers/customers.service';
import type { EndUserBudget, EndUserRecord } from '../customers/end-user';
import type { TeamMembershipRecord, TeamRecord, UserRecord } from '../teams/team';
import { TeamsService } from '../teams/teams.service';
import { KeysService } from '../keys/keys.service';
import type { VirtualKeyRecord } from '../keys/virtual-key';
import { Admission, SettledUsage } from './admission';
import { BudgetCounterService } from './budget-counter.service';
import { COUNTER_STORE, CounterStore } from './counter-store';
import { BudgetExceededError, EndUserBlockedError, RateLimitedError, TeamBlockedError } from './limits.errors';

const MINUTE_MS = 60_000;
/** Reservation for a reply of unknown length before a key has any history. */
const DEFAULT_COMPLETION_ESTIMATE = 256;
const MAX_TRACKED_AVERAGES = 100_000;

export interface AdmissionInput {
  /** The caller's virtual key; absent for the master key and an open proxy. */
  key?: VirtualKeyRecord;
  /** The shared budget the key names with `budget_id`, when it exists. */
  keyBudget?: EndUserBudget | null;
  /** The key's team, its owner (internal user) and the owner's membership in the team, when they exist. */
  team?: TeamRecord | null;
  user?: UserRecord | null;
  membership?: TeamMembershipRecord | null;
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

type LimitType = 'key' | 'team' | 'user' | 'team_member' | 'customer';

/** Anything that holds a budget and limits: a key, a team, an internal user, a team membership, an end user. */
interface LimitSubject {
  /** Counter namespace, stable across key rotations: `key:<id>`, `team:<id>`, … */
  readonly ns: string;
  readonly type: LimitType;
  /** How LiteLLM's texts name it, e.g. `api_key: sk-...abcd`. */
  readonly label: string;
  readonly spend: number;
  readonly maxBudget: number | null;
  readonly maxParallel: number | null;
  readonly rpm: number | null;
  readonly tpm: number | null;
}

interface Holdings {
  slots: string[];
  reservations: { key: string; amount: number }[];
  counted: string[];
  headers: Record<string, string>;
}


/**
 * Admission control for LLM calls: parallel slots, per-minute request and token windows, and budget
 * reservations for every holder a call is charged to (key, team, internal user, team membership, end user,
 * the proxy), all in the CounterStore so the same rules hold across instances once it is Redis-backed.
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
    private readonly teams: TeamsService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.globalMaxParallel = config.general_settings.global_max_parallel_requests;
    this.proxyMaxBudget = config.litellm_settings.max_budget;
    this.trackEndUserSpend = config.litellm_settings.disable_end_user_cost_tracking !== true;
  }

  /**
   * @throws BudgetExceededError (400 budget_exceeded) when any budget the call is charged to has no headroom.
   * @throws RateLimitedError (429 + retry-after) when a parallel, rpm or tpm limit is reached.
   * @throws TeamBlockedError / EndUserBlockedError for a blocked team or end user.
   */
  async admit(input: AdmissionInput): Promise<Admission> {
    const { key, model } = input;
    const estimate = Math.max(0, input.estimatedCost);
    const held: Holdings = { slots: [], reservations: [], counted: [], headers: {} };
    try {
      if (input.team?.blocked) throw new TeamBlockedError(input.team.teamId);
      if (input.endUser?.blocked) throw new EndUserBlockedError(input.endUser.userId);
      if (this.proxyMaxBudget !== undefined) {
        const committed = this.counters.proxySpend();
        if (!(await this.store.reserve('budget:proxy', estimate, committed, this.proxyMaxBudget))) {
          throw new BudgetExceededError(committed, this.proxyMaxBudget, 'proxy');
        }
        held.reservations.push({ key: 'budget:proxy', amount: estimate });
      }
      if (key) {
        await this.admitSubject(keySubject(key, input.keyBudget), estimate, held, true);
        held.headers['x-litellm-key-spend'] = String(key.spend);
        const modelRpm = key.modelRpmLimit[model];
        const modelTpm = key.modelTpmLimit[model];
        if (modelRpm !== undefined || modelTpm !== undefined) await this.admitModelWindows(key, model, modelRpm ?? null, modelTpm ?? null, held);
      }
      for (const subject of subjectsOf(input)) await this.admitSubject(subject, estimate, held, false);
      if (this.globalMaxParallel !== undefined) {
        if (!(await this.store.acquireSlot('parallel:global', this.globalMaxParallel))) {
          throw new RateLimitedError(
            `Max parallel request limit reached. Hit limit for global_max_parallel_requests: ${this.globalMaxParallel}`,
            1,
          );
        }
        held.slots.push('parallel:global');
      }
    } catch (error) {
      await this.giveBack(held);
      throw error;
    }
    return new Admission(this.store, held.slots, held.reservations, held.headers, (cost, usage) => this.onSettled(input, cost, usage));
  }

  /** Whether a budget applies to this call, i.e. whether estimating its cost is worth the CPU. */
  needsEstimate(input: Omit<AdmissionInput, 'model' | 'estimatedCost'>): boolean {
    if (this.proxyMaxBudget !== undefined || (input.key !== undefined && keySubject(input.key, input.keyBudget).maxBudget !== null)) return true;
    return subjectsOf(input).some((subject) => subject.maxBudget !== null);
  }

  /** Completion tokens this key's calls usually take (moving average), for calls without max_tokens. */
  typicalCompletionTokens(key: VirtualKeyRecord | undefined): number {
    return (key && this.completionAverages.get(key.id)) ?? DEFAULT_COMPLETION_ESTIMATE;
  }

  private async admitSubject(subject: LimitSubject, estimate: number, held: Holdings, describeInHeaders: boolean): Promise<void> {
    if (subject.maxBudget !== null) {
      const budgetKey = `budget:${subject.ns}`;
      if (!(await this.store.reserve(budgetKey, estimate, subject.spend, subject.maxBudget))) {
        throw new BudgetExceededError(subject.spend, subject.maxBudget, subject.type);
      }
      held.reservations.push({ key: budgetKey, amount: estimate });
      if (describeInHeaders) held.headers['x-litellm-key-max-budget'] = String(subject.maxBudget);
    }
    if (subject.maxParallel !== null) {
      const slot = `parallel:${subject.ns}`;
      if (!(await this.store.acquireSlot(slot, subject.maxParallel))) {
        throw new RateLimitedError(`Max parallel request limit reached. Hit limit for ${subject.label}. max_parallel_requests: ${subject.maxParallel}`, 1);
      }
      held.slots.push(slot);
    }
    const retryAfter = secondsToNextMinute();
    const headers = describeInHeaders ? held.headers : {};
    if (subject.tpm !== null) {
      const used = await this.store.readWindow(`tpm:${subject.ns}`, MINUTE_MS);
      headers['x-ratelimit-limit-tokens'] = String(subject.tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, subject.tpm - used));
      headers['x-litellm-key-tpm-limit'] = String(subject.tpm);
      if (used >= subject.tpm) {
        throw new RateLimitedError(
          `LiteLLM Rate Limit Handler for rate limit type = ${subject.type}. Crossed TPM Limit. ${subject.label}, tpm_limit: ${subject.tpm}, current_tpm: ${used}`,
          retryAfter,
          headers,
        );
      }
    }
    if (subject.rpm !== null) {
      const { accepted, value } = await this.store.addInWindow(`rpm:${subject.ns}`, MINUTE_MS, 1, subject.rpm);
      if (accepted) held.counted.push(`rpm:${subject.ns}`);
      headers['x-ratelimit-limit-requests'] = String(subject.rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, subject.rpm - value));
      headers['x-litellm-key-rpm-limit'] = String(subject.rpm);
      if (!accepted) {
        throw new RateLimitedError(
          `LiteLLM Rate Limit Handler for rate limit type = ${subject.type}. Crossed RPM Limit. ${subject.label}, rpm_limit: ${subject.rpm}, current_rpm: ${value}`,
          retryAfter,
          headers,
        );
      }
    }
  }

  /** A key's per-model limits (`model_rpm_limit`, `model_tpm_limit`), reported per model in headers. */
  private async admitModelWindows(key: VirtualKeyRecord, model: string, rpm: number | null, tpm: number | null, held: Holdings): Promise<void> {
    const ns = `key:${key.id}:model:${model}`;
    const label = `api_key: ${key.keyName}, model: ${model}`;
    if (tpm !== null) {
      const used = await this.store.readWindow(`tpm:${ns}`, MINUTE_MS);
      held.headers[`x-litellm-key-remaining-tokens-${model}`] = String(Math.max(0, tpm - used));
      if (used >= tpm) {
        throw new RateLimitedError(`LiteLLM Rate Limit Handler for rate limit type = key. Crossed TPM Limit. ${label}, tpm_limit: ${tpm}, current_tpm: ${used}`, secondsToNextMinute(), held.headers);
      }
    }
    if (rpm !== null) {
      const { accepted, value } = await this.store.addInWindow(`rpm:${ns}`, MINUTE_MS, 1, rpm);
      if (accepted) held.counted.push(`rpm:${ns}`);
      held.headers[`x-litellm-key-remaining-requests-${model}`] = String(Math.max(0, rpm - value));
      if (!accepted) {
        throw new RateLimitedError(`LiteLLM Rate Limit Handler for rate limit type = key. Crossed RPM Limit. ${label}, rpm_limit: ${rpm}, current_rpm: ${value}`, secondsToNextMinute(), held.headers);
      }
    }
  }

  private async giveBack(held: Holdings): Promise<void> {
    for (const slot of held.slots) await this.store.releaseSlot(slot);
    for (const r of held.reservations) await this.store.unreserve(r.key, r.amount);
    // A refused call must not use up the request windows it was already counted in.
    for (const window of held.counted) await this.store.addInWindow(window, MINUTE_MS, -1);
  }

  private onSettled(input: AdmissionInput, cost: number, usage: SettledUsage): void {
    const { key, model } = input;
    this.counters.recordProxySpend(cost);
    const totalTokens = usage.total_tokens ?? 0;
    if (input.endUserId !== undefined && this.trackEndUserSpend && cost > 0) this.customers.recordSpend(input.endUserId, cost);
    const teamId = input.team?.teamId ?? key?.teamId ?? null;
    const userId = input.user?.userId ?? key?.userId ?? null;
    if ((teamId !== null || userId !== null) && cost > 0) this.teams.recordSpend({ teamId, userId }, cost);
    if (totalTokens > 0) {
      for (const subject of subjectsOf(input)) {
        if (subject.tpm !== null) void this.store.addInWindow(`tpm:${subject.ns}`, MINUTE_MS, totalTokens);
      }
    }
    if (!key) return;
    if (usage.completion_tokens !== undefined) {
      const previous = this.completionAverages.get(key.id);
      const next = previous === undefined ? usage.completion_tokens : previous * 0.8 + usage.completion_tokens * 0.2;
      if (previous !== undefined || this.completionAverages.size < MAX_TRACKED_AVERAGES) this.completionAverages.set(key.id, next);
    }
    const before = key.spend;
    this.keys.recordSpend(key.token, cost);
    if (totalTokens > 0) {
      if (keySubject(key, input.keyBudget).tpm !== null) void this.store.addInWindow(`tpm:key:${key.id}`, MINUTE_MS, totalTokens);
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

function secondsToNextMinute(): number {
  return (MINUTE_MS - (Date.now() % MINUTE_MS)) / 1000;
}

/** The key's own limits, falling back to its shared budget's (`budget_id`) where it sets none. */
function keySubject(key: VirtualKeyRecord, budget?: EndUserBudget | null): LimitSubject {
  // The stable id, not the token: rotating a key must not reset its windows or hide its reservations.
  return {
    ns: `key:${key.id}`,
    type: 'key',
    label: `api_key: ${key.keyName}`,
    spend: key.spend,
    maxBudget: key.maxBudget ?? budget?.maxBudget ?? null,
    maxParallel: key.maxParallelRequests ?? budget?.maxParallelRequests ?? null,
    rpm: key.rpmLimit ?? budget?.rpmLimit ?? null,
    tpm: key.tpmLimit ?? budget?.tpmLimit ?? null,
  };
}

/** The holders other than the key a call is charged to and limited by. */
function subjectsOf(input: Omit<AdmissionInput, 'model' | 'estimatedCost'>): LimitSubject[] {
  const subjects: LimitSubject[] = [];
  const { team, user, membership, endUser } = input;
  if (team) {
    subjects.push({ ns: `team:${team.teamId}`, type: 'team', label: `team: ${team.teamId}`, spend: team.spend, maxBudget: team.maxBudget, maxParallel: team.maxParallelRequests, rpm: team.rpmLimit, tpm: team.tpmLimit });
  }
  if (membership && membership.maxBudgetInTeam !== null) {
    subjects.push({ ns: `member:${membership.teamId}:${membership.userId}`, type: 'team_member', label: `team member: ${membership.userId}`, spend: membership.spend, maxBudget: membership.maxBudgetInTeam, maxParallel: null, rpm: null, tpm: null });
  }
  if (user) {
    subjects.push({ ns: `user:${user.userId}`, type: 'user', label: `user: ${user.userId}`, spend: user.spend, maxBudget: user.maxBudget, maxParallel: null, rpm: user.rpmLimit, tpm: user.tpmLimit });
  }
  const budget = endUser?.budget;
  if (endUser && budget) {
    subjects.push({ ns: `enduser:${endUser.userId}`, type: 'customer', label: `customer: ${endUser.userId}`, spend: endUser.spend, maxBudget: budget.maxBudget, maxParallel: budget.maxParallelRequests, rpm: budget.rpmLimit, tpm: budget.tpmLimit });
  }
  return subjects;
}
