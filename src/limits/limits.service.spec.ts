import { BudgetBook } from '../store/budget-book';
import { InMemoryCounterStore } from '../store/in-memory-counter-store';
import { BudgetExceededError, RateLimitedError } from './limits.errors';
import { LimitsService, type LimitSubject, type SoftBudgetCrossed } from './limits.service';

const subject = (overrides: Partial<LimitSubject> = {}): LimitSubject => ({
  ns: 'key:k-1',
  type: 'key',
  label: 'api_key: sk-...abcd',
  budget: { max: null, windowMs: null },
  maxParallel: null,
  rpm: null,
  tpm: null,
  describesCaller: true,
  ...overrides,
});

describe(LimitsService.name, () => {
  let store: InMemoryCounterStore;
  let book: BudgetBook;
  let seeded: Map<string, number>;
  let sut: LimitsService;

  beforeEach(() => {
    store = new InMemoryCounterStore({ now: () => Date.now() });
    book = new BudgetBook(store);
    seeded = new Map();
    book.useSeedSource({ seeds: async (keys) => keys.map((key) => ({ key, spend: seeded.get(key) ?? 0, resetAt: null })) });
    sut = new LimitsService(book);
  });

  afterEach(() => store.close());

  it('should answer a settlement with each charged budget’s spend right after it (alerting’s exact crossings)', async () => {
    seeded.set('key:k-1', 0.5);
    const key = subject({ budget: { max: 1, windowMs: null } });
    const team = subject({ ns: 'team:t-1', type: 'team', budget: { max: null, windowMs: null }, describesCaller: false });
    const first = await sut.admit({ subjects: [key, team, subject({ ns: 'global', type: 'proxy', budget: null })], estimatedCost: 0 });
    expect(await first.settle(0.25, {})).toEqual(
      new Map([
        ['key:k-1', 0.75],
        ['team:t-1', 0.25],
      ]),
    );
    // Settling twice charges once, and the second answer says nothing.
    expect(await first.settle(0.25, {})).toBeNull();
    const second = await sut.admit({ subjects: [key], estimatedCost: 0 });
    expect((await second.settle(0.1, {}))?.get('key:k-1')).toBeCloseTo(0.85, 10);
  });

  it('should seed a budget from its source and refuse once committed spend reaches it, with LiteLLM’s text', async () => {
    seeded.set('key:k-1', 0.75);
    const key = subject({ budget: { max: 1, windowMs: null } });
    const admission = await sut.admit({ subjects: [key], estimatedCost: 0 });
    expect(admission.headers['x-litellm-key-spend']).toBe('0.75');
    expect(admission.headers['x-litellm-key-max-budget']).toBe('1');
    await admission.settle(0.25, { total_tokens: 10 });
    const refused = sut.admit({ subjects: [key], estimatedCost: 0 });
    await expect(refused).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(refused).rejects.toThrow('Budget has been exceeded! Current cost: 1, Max budget: 1');
  });

  it('should admit as many concurrent calls as the estimate leaves room for', async () => {
    const key = subject({ budget: { max: 1, windowMs: null } });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => sut.admit({ subjects: [key], estimatedCost: 0.125 })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(8);
  });

  it('should cap parallel calls and free the slot on release', async () => {
    const proxy = subject({ ns: 'proxy', type: 'proxy', budget: null, maxParallel: 1, describesCaller: false });
    const first = await sut.admit({ subjects: [proxy], estimatedCost: 0 });
    await expect(sut.admit({ subjects: [proxy], estimatedCost: 0 })).rejects.toThrow('Hit limit for global_max_parallel_requests: 1');
    await first.release();
    await expect(sut.admit({ subjects: [proxy], estimatedCost: 0 })).resolves.toBeDefined();
  });

  it('should apply per-model rpm limits of a key and say what is left in headers', async () => {
    const key = subject({ modelLimits: { model: 'gpt-4o', rpm: 1, tpm: null } });
    const admitted = await sut.admit({ subjects: [key], estimatedCost: 0 });
    expect(admitted.headers['x-litellm-key-remaining-requests-gpt-4o']).toBe('0');
    await expect(sut.admit({ subjects: [key], estimatedCost: 0 })).rejects.toThrow('Crossed RPM Limit');
    await expect(sut.admit({ subjects: [subject({ modelLimits: { model: 'other', rpm: 1, tpm: null } })], estimatedCost: 0 })).resolves.toBeDefined();
  });

  it('should give back the budget reservation when a later check refuses the call', async () => {
    const key = subject({ budget: { max: 1, windowMs: null }, maxParallel: 0 });
    await expect(sut.admit({ subjects: [key], estimatedCost: 0.9 })).rejects.toBeInstanceOf(RateLimitedError);
    await expect(sut.admit({ subjects: [subject({ budget: { max: 1, windowMs: null } })], estimatedCost: 0.9 })).resolves.toBeDefined();
  });

  it('should count tokens at settlement and throttle on the tpm window, naming the subject', async () => {
    const customer = subject({ ns: 'enduser:u-2', type: 'customer', label: 'customer: u-2', tpm: 2, describesCaller: false });
    await (await sut.admit({ subjects: [customer], estimatedCost: 0 })).settle(0.5, { total_tokens: 5 });
    await expect(sut.admit({ subjects: [customer], estimatedCost: 0 })).rejects.toThrow(
      'rate limit type = customer. Crossed TPM Limit. customer: u-2, tpm_limit: 2, current_tpm: 5',
    );
    expect((await sut.readBudgets([{ ns: 'enduser:u-2', windowMs: null }]))[0].spend).toBe(0.5);
  });

  it('should emit soft_budget_crossed once when settled spend crosses the soft budget', async () => {
    const key = subject({ budget: { max: null, windowMs: null, soft: 1 } });
    const events: SoftBudgetCrossed[] = [];
    sut.events.on('soft_budget_crossed', (event: SoftBudgetCrossed) => events.push(event));
    for (let i = 0; i < 3; i++) await (await sut.admit({ subjects: [key], estimatedCost: 0.6 })).settle(0.6, { total_tokens: 10 });
    expect(events).toEqual([{ ns: 'key:k-1', label: 'api_key: sk-...abcd', spend: 1.2, softBudget: 1 }]);
  });

  it('should charge every subject the same cost, and only once per admission', async () => {
    const subjects = [subject(), subject({ ns: 'team:t', type: 'team', describesCaller: false })];
    const admission = await sut.admit({ subjects, estimatedCost: 0 });
    await admission.settle(0.3, {});
    await admission.settle(0.3, {});
    await admission.release();
    expect(
      (
        await sut.readBudgets([
          { ns: 'key:k-1', windowMs: null },
          { ns: 'team:t', windowMs: null },
        ])
      ).map((reading) => reading.spend),
    ).toEqual([0.3, 0.3]);
  });
});
