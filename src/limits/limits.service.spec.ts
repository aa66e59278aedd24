import type { TollgateConfig } from '../config/config.types';
import type { CustomersService } from '../customers/customers.service';
import type { EndUserRecord } from '../customers/end-user';
import type { TeamsService } from '../teams/teams.service';
import type { KeysService } from '../keys/keys.service';
import type { VirtualKeyRecord } from '../keys/virtual-key';
import { aVirtualKey } from '../../test/support/virtual-key.fixture';
import type { BudgetCounterService } from './budget-counter.service';
import { InMemoryCounterStore } from './in-memory-counter-store';
import { BudgetExceededError, EndUserBlockedError, RateLimitedError } from './limits.errors';
import { LimitsService, SoftBudgetCrossed } from './limits.service';

const keyRecord = (overrides: Partial<VirtualKeyRecord> = {}): VirtualKeyRecord => aVirtualKey({ token: 'hash-1', keyAlias: 'app', ...overrides });

describe(LimitsService.name, () => {
  let store: InMemoryCounterStore;
  let proxySpend: number;

  const keys = { recordSpend: (_token: string, cost: number) => undefined as unknown as void } as unknown as KeysService;
  const counters = {
    proxySpend: () => proxySpend,
    recordProxySpend: (cost: number) => void (proxySpend += cost),
  } as unknown as BudgetCounterService;

  const customerSpend = new Map<string, number>();
  const customers = { recordSpend: (id: string, cost: number) => void customerSpend.set(id, (customerSpend.get(id) ?? 0) + cost) } as unknown as CustomersService;

  const teams = { recordSpend: () => undefined } as unknown as TeamsService;

  function build(general: Record<string, unknown> = {}, litellm: Record<string, unknown> = {}, keysService: KeysService = keys): LimitsService {
    const config = { general_settings: general, litellm_settings: litellm } as unknown as TollgateConfig;
    return new LimitsService(store, keysService, counters, customers, teams, config);
  }

  beforeEach(() => {
    store = new InMemoryCounterStore();
    proxySpend = 0;
  });

  afterEach(() => store.onModuleDestroy());

  it('should cap concurrent calls at global_max_parallel_requests and free the slot on release', async () => {
    const sut = build({ global_max_parallel_requests: 1 });
    const first = await sut.admit({ model: 'm', estimatedCost: 0 });
    await expect(sut.admit({ model: 'm', estimatedCost: 0 })).rejects.toBeInstanceOf(RateLimitedError);
    await first.release();
    await expect(sut.admit({ model: 'm', estimatedCost: 0 })).resolves.toBeDefined();
  });

  it('should apply per-model rpm limits of a key and say what is left in headers', async () => {
    const sut = build();
    const key = keyRecord({ modelRpmLimit: { 'gpt-4o': 1 } });
    const admitted = await sut.admit({ key, model: 'gpt-4o', estimatedCost: 0 });
    expect(admitted.headers['x-litellm-key-remaining-requests-gpt-4o']).toBe('0');
    await expect(sut.admit({ key, model: 'gpt-4o', estimatedCost: 0 })).rejects.toThrow('Crossed RPM Limit');
    await expect(sut.admit({ key, model: 'other', estimatedCost: 0 })).resolves.toBeDefined();
  });

  it('should give back the budget reservation when a later check refuses the call', async () => {
    const sut = build();
    const key = keyRecord({ maxBudget: 1, maxParallelRequests: 0 });
    await expect(sut.admit({ key, model: 'm', estimatedCost: 0.5 })).rejects.toBeInstanceOf(RateLimitedError);
    expect(await store.reserved('budget:key:hash-1')).toBe(0);
  });

  it('should emit soft_budget_crossed once when settled spend crosses the soft budget', async () => {
    const spendOf = new Map<string, number>();
    const recordingKeys = {
      recordSpend: (token: string, cost: number) => {
        spendOf.set(token, (spendOf.get(token) ?? 0) + cost);
        key.spend += cost;
      },
    } as unknown as KeysService;
    const key = keyRecord({ softBudget: 1 });
    const sut = build({}, {}, recordingKeys);
    const events: SoftBudgetCrossed[] = [];
    sut.events.on('soft_budget_crossed', (event: SoftBudgetCrossed) => events.push(event));
    for (let i = 0; i < 3; i++) await (await sut.admit({ key, model: 'm', estimatedCost: 0.6 })).settle(0.6, { total_tokens: 10 });
    expect(events).toEqual([{ token: 'hash-1', keyAlias: 'app', spend: 1.2, softBudget: 1 }]);
  });

  it('should refuse the master key too once the global proxy budget is spent', async () => {
    const sut = build({}, { max_budget: 1 });
    await (await sut.admit({ model: 'm', estimatedCost: 0.5 })).settle(1, { total_tokens: 1 });
    await expect(sut.admit({ model: 'm', estimatedCost: 0.5 })).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('should refuse a blocked end user with LiteLLM’s text', async () => {
    const sut = build();
    const endUser = { userId: 'u-1', blocked: true, spend: 0, budget: null } as unknown as EndUserRecord;
    await expect(sut.admit({ model: 'm', estimatedCost: 0, endUserId: 'u-1', endUser })).rejects.toThrow(
      new EndUserBlockedError('u-1').message,
    );
    expect(new EndUserBlockedError('u-1').message).toBe('User blocked from making LLM API Calls. User=u-1');
  });

  it('should throttle an end user on its budget tpm_limit and charge its spend', async () => {
    const sut = build();
    const endUser = {
      userId: 'u-2',
      blocked: false,
      spend: 0,
      budget: { budgetId: 'free', maxBudget: null, softBudget: null, tpmLimit: 2, rpmLimit: null, maxParallelRequests: null, budgetDuration: null },
    } as unknown as EndUserRecord;
    await (await sut.admit({ model: 'm', estimatedCost: 0, endUserId: 'u-2', endUser })).settle(0.5, { total_tokens: 5 });
    await expect(sut.admit({ model: 'm', estimatedCost: 0, endUserId: 'u-2', endUser })).rejects.toThrow('rate limit type = customer. Crossed TPM Limit');
    expect(customerSpend.get('u-2')).toBe(0.5);
  });
});
