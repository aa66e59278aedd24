import { AuditLogService } from '../audit/audit-log.service';
import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../common/access/caller';
import { addDuration, parseDuration } from '../common/duration';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { SerialQueue } from '../common/serial-queue';
import { UnitOfWork } from '../database/unit-of-work';
import { INVALIDATION_BUS, InvalidationTopic, type InvalidationBus, type InvalidationPayload } from '../store/invalidation-bus';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import { ModelRegistry } from '../routing/model-registry.service';
import { readBlockedUserList } from './blocked-user-list';
import type { BudgetEntity } from './budget.entity';
import { toBudget, toBudgetRow, toCustomerRow, toRecord, unstoredRecord } from './customer-mapper';
import { BudgetAndMaxBudgetError, BudgetNotFoundError, CustomerNotFoundError, InvalidCustomerRequestError, UnknownBudgetError, UnknownDefaultModelError } from './customers.errors';
import { BudgetChanges, BudgetWrite, CustomersRepository, EndUserChanges, NewBudget, NewEndUser } from './customers.repository';
import type { BudgetFieldsDto, NewBudgetDto, UpdateBudgetDto } from './dto/budget-request.dto';
import type { NewCustomerDto, UpdateCustomerDto } from './dto/customer-request.dto';
import type { BlockCustomersResponseDto, BudgetRowDto, CustomerRowDto, DeleteCustomersResponseDto, UnblockCustomersResponseDto } from './dto/customer-response.dto';
import { EndUserCache } from './end-user-cache';
import type { EndUserEntity } from './end-user.entity';
import type { EndUserBudget, EndUserRecord } from './end-user';

const STALE_READ_RETRIES = 3;

/** The BudgetNewRequest fields a customer request may carry inline, in LiteLLM's order. */
const INLINE_BUDGET_FIELDS = ['max_budget', 'soft_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit', 'budget_duration', 'model_max_budget', 'budget_reset_at'] as const;

/**
 * End users (customers) and shared budgets: the management API's operations and the hot-path lookups the
 * gateway makes for the `user` of a request. Every mutation goes through this service and updates the
 * in-process cache before it answers; spend is added to the cached record at once and written to the
 * database in coalesced batches.
 */
@Injectable()
export class CustomersService implements OnApplicationShutdown {
  private readonly logger = new Logger('Customers');
  private readonly cache = new EndUserCache();
  /** Writes to end users and budgets, one at a time: a budget reset never races a delete. */
  private readonly writes = new SerialQueue();
  private readonly loading = new Map<string, Promise<EndUserRecord | null>>();
  /** Shared budgets by id for keys that carry a `budget_id` (budget tiers); every budget write evicts its entry. */
  private readonly sharedBudgets = new Map<string, EndUserBudget | null>();
  private budgetEpoch = 0;
  /** `litellm_settings.blocked_user_list`; /customer/unblock removes ids from it (in memory, as LiteLLM). */
  private readonly blockedByConfig: Set<string>;

  constructor(
    private readonly repository: CustomersRepository,
    private readonly models: ModelRegistry,
    private readonly liveSpend: LiveSpendService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly audit: AuditLogService,
    @Optional() @Inject(INVALIDATION_BUS) private readonly bus?: InvalidationBus,
    @Optional() private readonly db?: UnitOfWork,
  ) {
    const listed = config.litellm_settings.blocked_user_list as string | string[] | undefined;
    this.blockedByConfig = new Set(readBlockedUserList(listed, config.configPath));
    bus?.subscribe(InvalidationTopic.customers, (payload) => this.apply(payload));
    bus?.onResync(() => this.forgetEverything());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writes.drain();
  }

  // ───────────────────────────── hot path ─────────────────────────────

  /**
   * The end user named by a request's `user`: cache, then database. Blocked end users are returned as they are:
   * refusing them is the caller's decision.
   * @returns the record, or null when no row exists (an unknown end user has no budget or limits); ids in
   * `litellm_settings.blocked_user_list` resolve without a row.
   */
  findEndUser(userId: string): Promise<EndUserRecord | null> {
    const now = Date.now();
    const cached = this.cache.get(userId);
    if (cached) return Promise.resolve(cached);
    if (this.cache.isKnownMiss(userId, now)) return Promise.resolve(null);
    let load = this.loading.get(userId);
    if (!load) {
      const started = this.load(userId);
      load = started.finally(() => {
        if (this.loading.get(userId) === load) this.loading.delete(userId);
      });
      this.loading.set(userId, load);
    }
    return load;
  }

  // ───────────────────────────── /customer/* ─────────────────────────────

  /**
   * POST /customer/new. Inline budget fields create a budget row for the customer (as LiteLLM does).
   * @throws BudgetAndMaxBudgetError, InvalidCustomerRequestError, UnknownDefaultModelError (422), UnknownBudgetError, CustomerExistsError
   */
  async createCustomer(auth: AuthContext | null, body: NewCustomerDto): Promise<CustomerRowDto> {
    const inline = inlineBudgetFields(body);
    assertBudgetXorBudgetId(body, inline);
    validateBudgetFields(body);
    if (isSet(body.spend) && body.spend < 0) throw new InvalidCustomerRequestError(`spend must be a non-negative finite number. Received: ${body.spend}`, 'spend');
    this.assertModelOnProxy(body.default_model);
    const actor = auth?.userId ?? null;
    return this.writes.run(async () => {
      const now = new Date();
      let duration: string | null = null;
      let budget: NewBudget | null = null;
      if (isSet(body.budget_id)) {
        const shared = await this.repository.findBudget(body.budget_id);
        if (!shared) throw new UnknownBudgetError(body.budget_id);
        duration = shared.budgetDuration;
      } else if (inline.length) {
        budget = newBudget(randomUUID(), body, now, actor);
        duration = budget.budgetDuration;
      }
      const endUser: NewEndUser = {
        userId: body.user_id,
        alias: body.alias ?? null,
        spend: body.spend ?? 0,
        allowedModelRegion: body.allowed_model_region ?? null,
        defaultModel: body.default_model ?? null,
        budgetId: budget?.budgetId ?? body.budget_id ?? null,
        blocked: body.blocked ?? false,
        budgetResetAt: windowEnd(duration, now),
      };
      const saved = await this.repository.insertEndUser(endUser, budget);
      await this.audit.record({ table: END_USER_TABLE, objectId: saved.userId, action: 'created', after: toCustomerRow(saved, saved.spend, saved.budgetResetAt) });
      this.cache.put(saved.userId, toRecord(saved, this.blockedByConfig.has(saved.userId)));
      this.announce({ endUsers: [saved.userId] });
      this.loading.delete(saved.userId);
      // Spend recorded while the end user was unknown is still pending: it lands on this row with the next flush.
      await this.liveSpend.reset(SpendSubject.endUser(saved.userId), saved.spend, saved.budgetResetAt);
      return this.row(saved);
    });
  }

  /**
   * POST /customer/update: only the fields given (non-null) change. Budget fields change the customer's budget
   * row — shared with every customer on it, as in LiteLLM — or create one when it has none.
   * @throws CustomerNotFoundError, BudgetAndMaxBudgetError, InvalidCustomerRequestError, UnknownDefaultModelError, UnknownBudgetError
   */
  async updateCustomer(auth: AuthContext | null, body: UpdateCustomerDto): Promise<CustomerRowDto> {
    const inline = inlineBudgetFields(body);
    assertBudgetXorBudgetId(body, inline);
    validateBudgetFields(body);
    this.assertModelOnProxy(body.default_model);
    const actor = auth?.userId ?? null;
    return this.writes.run(async () => {
      const existing = await this.repository.findEndUser(body.user_id);
      if (!existing) throw new CustomerNotFoundError([body.user_id], 'user_id');
      const now = new Date();
      const changes: EndUserChanges = {};
      if (isSet(body.alias)) changes.alias = body.alias;
      if (isSet(body.blocked)) changes.blocked = body.blocked;
      if (isSet(body.allowed_model_region)) changes.allowedModelRegion = body.allowed_model_region;
      if (isSet(body.default_model)) changes.defaultModel = body.default_model;
      let budgetWrite: BudgetWrite = null;
      if (isSet(body.budget_id) && body.budget_id !== existing.budgetId) {
        const shared = await this.repository.findBudget(body.budget_id);
        if (!shared) throw new UnknownBudgetError(body.budget_id);
        changes.budgetId = shared.budgetId;
        changes.budgetResetAt = windowEnd(shared.budgetDuration, now);
      } else if (inline.length && existing.budgetId) {
        budgetWrite = { kind: 'update', budgetId: existing.budgetId, changes: budgetChanges(body, now, actor, false) };
      } else if (inline.length) {
        const budget = newBudget(randomUUID(), body, now, actor);
        budgetWrite = { kind: 'create', budget };
        changes.budgetId = budget.budgetId;
        changes.budgetResetAt = windowEnd(budget.budgetDuration, now);
      }
      const saved = await this.repository.updateEndUser(existing.userId, changes, budgetWrite);
      if (!saved) throw new CustomerNotFoundError([body.user_id], 'user_id');
      await this.audit.record({
        table: END_USER_TABLE,
        objectId: saved.userId,
        action: 'updated',
        before: toCustomerRow(existing, existing.spend, existing.budgetResetAt),
        after: toCustomerRow(saved, saved.spend, saved.budgetResetAt),
      });
      this.cache.put(saved.userId, toRecord(saved, this.blockedByConfig.has(saved.userId)));
      this.announce({ endUsers: [saved.userId] });
      if (changes.budgetResetAt !== undefined) {
        await this.liveSpend.reset(SpendSubject.endUser(saved.userId), (await this.row(existing)).spend, saved.budgetResetAt);
      }
      if (budgetWrite?.kind === 'update' && saved.budget) this.applyBudget(saved.budget);
      return this.row(saved);
    });
  }

  /**
   * POST /customer/delete: all or nothing.
   * @throws CustomerNotFoundError naming every id that does not exist.
   */
  async deleteCustomers(userIds: readonly string[]): Promise<DeleteCustomersResponseDto> {
    return this.writes.run(async () => {
      const existing = await this.repository.findEndUsers(userIds);
      const found = new Set(existing.map((row) => row.userId));
      const missing = userIds.filter((id) => !found.has(id));
      if (missing.length) throw new CustomerNotFoundError(missing, 'user_ids');
      const deleted = await this.repository.deleteEndUsers(userIds);
      const gone = new Set(deleted);
      for (const row of existing) {
        if (gone.has(row.userId))
          await this.audit.record({ table: END_USER_TABLE, objectId: row.userId, action: 'deleted', before: toCustomerRow(row, row.spend, row.budgetResetAt) });
      }
      for (const userId of deleted) this.forget(userId);
      return { deleted_customers: deleted.length, message: `Successfully deleted customers with ids: ${pythonList(userIds)}` };
    });
  }

  /**
   * GET /customer/info?end_user_id=
   * @throws InvalidCustomerRequestError without an id, CustomerNotFoundError
   */
  async describeCustomer(endUserId: string | undefined): Promise<CustomerRowDto> {
    if (!endUserId) throw new InvalidCustomerRequestError('end_user_id is required. Pass it as a query parameter: /customer/info?end_user_id=<id>', 'end_user_id');
    const entity = await this.repository.findEndUser(endUserId);
    if (!entity) throw new CustomerNotFoundError([endUserId]);
    return this.row(entity);
  }

  /** GET /customer/list: every customer, oldest first. */
  /** Every customer oldest first, or one page of them. */
  async listCustomers(page: { page: number; size: number } | null): Promise<CustomerRowDto[]> {
    return this.rows(await this.repository.listEndUsers(page));
  }

  /** POST /customer/block: upserts the rows with blocked=true; calls with these users are refused from the next request on. */
  async blockCustomers(userIds: readonly string[]): Promise<BlockCustomersResponseDto> {
    return this.writes.run(async () => {
      const before = await this.repository.findEndUsers(userIds);
      const rows = await this.repository.setBlocked(userIds, true, true);
      await this.auditBlocking('blocked', before, rows);
      for (const row of rows) this.refresh(row);
      return { blocked_users: await this.rows(rows) };
    });
  }

  /**
   * POST /customer/unblock: clears the rows' flag and removes the ids from the configured blocked_user_list.
   * @returns the ids still blocked.
   */
  async unblockCustomers(userIds: readonly string[]): Promise<UnblockCustomersResponseDto> {
    return this.writes.run(async () => {
      const before = await this.repository.findEndUsers(userIds);
      const rows = await this.repository.setBlocked(userIds, false, false);
      await this.auditBlocking('unblocked', before, rows);
      // After the rows: a refused audit row rolls the unblock back, and the configured list must stay as it was.
      for (const userId of userIds) this.blockedByConfig.delete(userId);
      this.announce({ unblocked: [...userIds] });
      const stored = new Set(rows.map((row) => row.userId));
      for (const row of rows) this.refresh(row);
      for (const userId of userIds) {
        if (!stored.has(userId)) {
          this.cache.evict(userId);
          this.loading.delete(userId);
        }
      }
      const blocked = new Set([...this.blockedByConfig, ...(await this.repository.blockedUserIds())]);
      return { blocked_users: [...blocked] };
    });
  }

  /** One row per end user whose flag was set (an upsert may create the end user: its row says so). */
  private async auditBlocking(action: 'blocked' | 'unblocked', before: readonly EndUserEntity[], after: readonly EndUserEntity[]): Promise<void> {
    const previous = new Map(before.map((row) => [row.userId, row]));
    for (const row of after) {
      const old = previous.get(row.userId);
      await this.audit.record({
        table: END_USER_TABLE,
        objectId: row.userId,
        action,
        before: old ? toCustomerRow(old, old.spend, old.budgetResetAt) : null,
        after: toCustomerRow(row, row.spend, row.budgetResetAt),
      });
    }
  }

  // ───────────────────────────── /budget/* ─────────────────────────────

  /**
   * POST /budget/new.
   * @throws InvalidCustomerRequestError, BudgetExistsError
   */
  async createBudget(auth: AuthContext | null, body: NewBudgetDto): Promise<BudgetRowDto> {
    validateBudgetFields(body);
    const budget = newBudget(body.budget_id ?? randomUUID(), body, new Date(), auth?.userId ?? null);
    return this.writes.run(async () => {
      const saved = await this.repository.insertBudget(budget);
      await this.audit.record({ table: BUDGET_TABLE, objectId: saved.budgetId, action: 'created', after: toBudgetRow(saved) });
      this.forgetSharedBudget(saved.budgetId);
      this.announce({ budgets: [saved.budgetId] });
      return toBudgetRow(saved);
    });
  }

  /**
   * POST /budget/update: the fields present change (`null` clears); end users on the budget see it at once.
   * @throws InvalidCustomerRequestError, BudgetNotFoundError
   */
  async updateBudget(auth: AuthContext | null, body: UpdateBudgetDto): Promise<BudgetRowDto> {
    if (!isSet(body.budget_id)) throw new InvalidCustomerRequestError('budget_id is required', 'budget_id');
    const budgetId = body.budget_id;
    validateBudgetFields(body);
    const changes = budgetChanges(body, new Date(), auth?.userId ?? null, true);
    return this.writes.run(async () => {
      const existing = await this.repository.findBudget(budgetId);
      const saved = existing ? await this.repository.updateBudget(budgetId, changes) : null;
      if (!existing || !saved) throw new BudgetNotFoundError(budgetId);
      await this.audit.record({ table: BUDGET_TABLE, objectId: budgetId, action: 'updated', before: toBudgetRow(existing), after: toBudgetRow(saved) });
      this.applyBudget(saved);
      return toBudgetRow(saved);
    });
  }

  /**
   * POST /budget/info `{budgets: [...]}`: the rows that exist, as LiteLLM.
   * @throws InvalidCustomerRequestError for an empty list.
   */
  async describeBudgets(budgetIds: readonly string[]): Promise<BudgetRowDto[]> {
    if (!budgetIds.length) throw new InvalidCustomerRequestError(`Specify list of budget id's to query. Passed in=${pythonList(budgetIds)}`, 'budgets');
    return (await this.repository.findBudgets(budgetIds)).map(toBudgetRow);
  }

  /**
   * GET /budget/info?budget_id=
   * @throws InvalidCustomerRequestError without an id, BudgetNotFoundError
   */
  async describeBudget(budgetId: string | undefined): Promise<BudgetRowDto> {
    if (!budgetId) throw new InvalidCustomerRequestError('budget_id is required', 'budget_id');
    const row = await this.repository.findBudget(budgetId);
    if (!row) throw new BudgetNotFoundError(budgetId);
    return toBudgetRow(row);
  }

  async listBudgets(): Promise<BudgetRowDto[]> {
    return (await this.repository.listBudgets()).map(toBudgetRow);
  }

  /**
   * POST /budget/delete `{id}`: end users on it keep no budget from the next request on.
   * @throws BudgetNotFoundError
   */
  async deleteBudget(budgetId: string): Promise<BudgetRowDto> {
    return this.writes.run(async () => {
      const deleted = await this.repository.deleteBudget(budgetId);
      if (!deleted) throw new BudgetNotFoundError(budgetId);
      await this.audit.record({ table: BUDGET_TABLE, objectId: budgetId, action: 'deleted', before: toBudgetRow(deleted) });
      this.forgetSharedBudget(budgetId);
      for (const record of this.cache.withBudget(budgetId)) record.budget = null;
      this.cache.touch();
      this.announce({ budgets: [budgetId] });
      return toBudgetRow(deleted);
    });
  }

  /**
   * A shared budget row by id, cached (misses too) until a budget write evicts it: the limits of a key
   * that names a `budget_id` instead of carrying its own.
   */
  async findBudget(budgetId: string): Promise<EndUserBudget | null> {
    const cached = this.sharedBudgets.get(budgetId);
    if (cached !== undefined) return cached;
    const epoch = this.budgetEpoch;
    const row = await this.repository.findBudget(budgetId);
    const budget = row ? toBudget(row) : null;
    // A budget write during the read may have made it stale: answer it, but do not keep it.
    if (epoch === this.budgetEpoch && this.sharedBudgets.size < 10_000) this.sharedBudgets.set(budgetId, budget);
    return budget;
  }

  private forgetSharedBudget(budgetId: string): void {
    this.budgetEpoch++;
    this.sharedBudgets.delete(budgetId);
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** Reads an end user from the database; caches the answer unless a mutation raced the read. */
  private async load(userId: string, attempt = 0): Promise<EndUserRecord | null> {
    const epoch = this.cache.epoch;
    let entity: EndUserEntity | null;
    try {
      entity = await this.repository.findEndUser(userId);
    } catch (error) {
      if (this.cache.missHeldThroughOutage(userId, error, Date.now())) return null;
      throw error;
    }
    if (this.cache.epoch !== epoch && attempt < STALE_READ_RETRIES) return this.load(userId, attempt + 1);
    const cacheable = this.cache.epoch === epoch;
    const now = Date.now();
    const cached = this.cache.get(userId);
    if (cached) return cached;
    const blocked = this.blockedByConfig.has(userId);
    let record: EndUserRecord;
    if (entity) record = toRecord(entity, blocked);
    else if (blocked) record = unstoredRecord(userId, blocked);
    else {
      if (cacheable) this.cache.rememberMiss(userId, now);
      return null;
    }
    if (cacheable) this.cache.adopt(record.userId, record);
    return record;
  }

  /** Customers as the API shows them, with the spend and budget window every budget check sees. */
  private async rows(entities: readonly EndUserEntity[]): Promise<CustomerRowDto[]> {
    const live = await this.liveSpend.of(entities.map((entity) => ({ account: SpendSubject.endUser(entity.userId), windowMs: windowOf(entity.budget?.budgetDuration ?? null) })));
    return entities.map((entity, i) => toCustomerRow(entity, live[i].spend, live[i].resetAt === null ? null : new Date(live[i].resetAt)));
  }

  private async row(entity: EndUserEntity): Promise<CustomerRowDto> {
    return (await this.rows([entity]))[0];
  }

  /** Replaces the cached record of a row just written. */
  private refresh(entity: EndUserEntity): void {
    this.cache.put(entity.userId, toRecord(entity, this.blockedByConfig.has(entity.userId)));
    this.loading.delete(entity.userId);
    this.announce({ endUsers: [entity.userId] });
  }

  /** A budget row changed: every cached end user on it sees the new limits from the next request on. */
  private applyBudget(budget: BudgetEntity): void {
    for (const record of this.cache.withBudget(budget.budgetId)) record.budget = toBudget(budget);
    this.forgetSharedBudget(budget.budgetId);
    this.cache.touch();
    this.announce({ budgets: [budget.budgetId] });
  }

  private forget(userId: string): void {
    this.evictEndUser(userId);
    this.announce({ endUsers: [userId] });
  }

  private evictEndUser(userId: string): void {
    this.cache.evict(userId);
    this.loading.delete(userId);
  }

  /**
   * Tells the other instances once the change is committed (an admin request runs in one transaction): told
   * earlier, one could read the old row again and keep it.
   */
  private announce(payload: InvalidationPayload): void {
    const bus = this.bus;
    if (!bus) return;
    const publish = (): void => bus.publish(InvalidationTopic.customers, payload);
    if (this.db) this.db.afterCommit(publish);
    else publish();
  }

  /** A change another instance made: end users and shared budgets are read again on their next call. */
  private apply(payload: InvalidationPayload): void {
    for (const userId of payload.endUsers ?? []) this.evictEndUser(userId);
    for (const userId of payload.unblocked ?? []) {
      this.blockedByConfig.delete(userId);
      this.evictEndUser(userId);
    }
    const budgets = new Set(payload.budgets ?? []);
    if (budgets.size === 0) return;
    for (const budgetId of budgets) this.forgetSharedBudget(budgetId);
    this.cache.evictWhere((_, record) => record.budget !== null && budgets.has(record.budget.budgetId));
    this.loading.clear();
  }

  /** Messages may have been missed: every cached end user and shared budget is read again. */
  private forgetEverything(): void {
    this.cache.evictWhere(() => true);
    this.sharedBudgets.clear();
    this.budgetEpoch++;
    this.loading.clear();
  }

  /** @throws UnknownDefaultModelError (422, as LiteLLM) */
  private assertModelOnProxy(model: string | null | undefined): void {
    if (!isSet(model)) return;
    const names = this.models.modelNames();
    if (!names.includes(model)) throw new UnknownDefaultModelError(model, names);
  }
}

function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/** `['a', 'b']`, as LiteLLM's messages print Python lists. */
function pythonList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`;
}

function inlineBudgetFields(body: BudgetFieldsDto): string[] {
  return INLINE_BUDGET_FIELDS.filter((field) => isSet(body[field]));
}

/**
 * LiteLLM refuses max_budget with budget_id ("Set either 'max_budget' or 'budget_id', not both."); Tollgate
 * refuses every inline budget field with budget_id the same way rather than silently ignoring one of them.
 * @throws BudgetAndMaxBudgetError, InvalidCustomerRequestError
 */
function assertBudgetXorBudgetId(body: { budget_id?: string | null }, inline: readonly string[]): void {
  if (!isSet(body.budget_id) || !inline.length) return;
  if (inline.includes('max_budget')) throw new BudgetAndMaxBudgetError();
  throw new InvalidCustomerRequestError(`Set either '${inline[0]}' or 'budget_id', not both.`, 'budget_id');
}

/**
 * Checks what class-validator cannot: signs, durations, dates, the shape of model_max_budget.
 * @throws InvalidCustomerRequestError
 */
function validateBudgetFields(fields: BudgetFieldsDto): void {
  for (const field of ['max_budget', 'soft_budget'] as const) {
    const value = fields[field];
    if (isSet(value) && value < 0) throw new InvalidCustomerRequestError(`${field} must be a non-negative finite number. Received: ${value}`, field);
  }
  if (isSet(fields.budget_duration) && parseDuration(fields.budget_duration) === undefined) {
    throw new InvalidCustomerRequestError(`Invalid budget_duration '${fields.budget_duration}'. Use a number followed by s, m, h, d, w or mo, e.g. 30d.`, 'budget_duration');
  }
  if (isSet(fields.budget_reset_at) && Number.isNaN(Date.parse(fields.budget_reset_at))) {
    throw new InvalidCustomerRequestError(`Invalid budget_reset_at '${fields.budget_reset_at}'. Use an ISO 8601 date.`, 'budget_reset_at');
  }
  const perModel = fields.model_max_budget;
  if (isSet(perModel) && !Object.values(perModel).every((entry) => typeof entry === 'object' && entry !== null && !Array.isArray(entry))) {
    throw new InvalidCustomerRequestError('model_max_budget must map model names to objects, e.g. {"gpt-4o": {"max_budget": 1, "budget_duration": "1d"}}.', 'model_max_budget');
  }
}

function windowEnd(duration: string | null, now: Date): Date | null {
  return duration ? (addDuration(now, duration) ?? null) : null;
}

function newBudget(budgetId: string, fields: BudgetFieldsDto, now: Date, actor: string | null): NewBudget {
  const duration = fields.budget_duration ?? null;
  return {
    budgetId,
    maxBudget: fields.max_budget ?? null,
    softBudget: fields.soft_budget ?? null,
    maxParallelRequests: fields.max_parallel_requests ?? null,
    tpmLimit: fields.tpm_limit ?? null,
    rpmLimit: fields.rpm_limit ?? null,
    modelMaxBudget: fields.model_max_budget ?? null,
    budgetDuration: duration,
    budgetResetAt: isSet(fields.budget_reset_at) ? new Date(fields.budget_reset_at) : windowEnd(duration, now),
    createdBy: actor,
    updatedBy: actor,
  };
}

/**
 * The budget columns a request changes. `/budget/update` applies every field present, `null` included (LiteLLM's
 * exclude_unset); a customer update applies only non-null fields. A new budget_duration starts a new window.
 */
function budgetChanges(fields: BudgetFieldsDto, now: Date, actor: string | null, nullClears: boolean): BudgetChanges {
  const changes: BudgetChanges = { updatedBy: actor };
  const given = <T>(value: T | null | undefined): value is T | null => value !== undefined && (nullClears || value !== null);
  if (given(fields.max_budget)) changes.maxBudget = fields.max_budget;
  if (given(fields.soft_budget)) changes.softBudget = fields.soft_budget;
  if (given(fields.max_parallel_requests)) changes.maxParallelRequests = fields.max_parallel_requests;
  if (given(fields.tpm_limit)) changes.tpmLimit = fields.tpm_limit;
  if (given(fields.rpm_limit)) changes.rpmLimit = fields.rpm_limit;
  if (given(fields.model_max_budget)) changes.modelMaxBudget = fields.model_max_budget;
  if (given(fields.budget_duration)) {
    changes.budgetDuration = fields.budget_duration;
    changes.budgetResetAt = windowEnd(fields.budget_duration, now);
  }
  if (given(fields.budget_reset_at)) changes.budgetResetAt = fields.budget_reset_at === null ? null : new Date(fields.budget_reset_at);
  return changes;
}

const END_USER_TABLE = 'LiteLLM_EndUserTable';
const BUDGET_TABLE = 'LiteLLM_BudgetTable';

function windowOf(duration: string | null): number | null {
  return duration ? (parseDuration(duration) ?? null) : null;
}
