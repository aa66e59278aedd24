import { auditLogOff } from '../audit/audit-log.testing';
import type { TollgateConfig } from '../config/config.types';
import { FakeSpendLedger } from '../spend/testing/fake-spend-ledger';
import { SpendSubject } from '../spend/spend-subjects';
import type { ModelRegistry } from '../routing/model-registry.service';
import type { BudgetEntity } from './budget.entity';
import type { CustomersRepository } from './customers.repository';
import { CustomersService } from './customers.service';
import type { EndUserEntity } from './end-user.entity';

/** Just enough of CustomersRepository, in memory, with a switch to fail spend writes. */
class FakeCustomersRepository {
  readonly rows = new Map<string, EndUserEntity>();
  lookups = 0;
  resets: [string, Date | null][] = [];

  async findEndUser(userId: string): Promise<EndUserEntity | null> {
    this.lookups++;
    const row = this.rows.get(userId);
    return row ? { ...row } : null;
  }
  async resetSpend(userId: string, next: Date | null): Promise<void> {
    this.resets.push([userId, next]);
  }
  async startWindow(): Promise<void> {}
}

function endUser(userId: string, budget: Partial<BudgetEntity> | null = null, budgetResetAt: Date | null = null): EndUserEntity {
  const now = new Date();
  return {
    userId,
    alias: null,
    spend: 0,
    allowedModelRegion: null,
    defaultModel: null,
    budgetId: budget ? 'b1' : null,
    blocked: false,
    budgetResetAt,
    createdAt: now,
    updatedAt: now,
    budget: budget ? ({ budgetId: 'b1', maxBudget: 1, softBudget: null, tpmLimit: null, rpmLimit: null, maxParallelRequests: null, budgetDuration: null, ...budget } as BudgetEntity) : null,
  };
}

const config = { litellm_settings: { blocked_user_list: ['banned'] } } as unknown as TollgateConfig;
const models = { modelNames: () => ['demo'] } as unknown as ModelRegistry;

describe(CustomersService.name, () => {
  let repository: FakeCustomersRepository;
  let sut: CustomersService;
  let ledger: FakeSpendLedger;

  beforeEach(() => {
    repository = new FakeCustomersRepository();
    ledger = new FakeSpendLedger();
    sut = new CustomersService(repository as unknown as CustomersRepository, models, ledger.service, config, auditLogOff());
  });

  it('should cache lookups, including misses, and resolve configured blocked ids without a row', async () => {
    repository.rows.set('u1', endUser('u1'));
    await sut.findEndUser('u1');
    await sut.findEndUser('u1');
    expect(await sut.findEndUser('nobody')).toBeNull();
    expect(await sut.findEndUser('nobody')).toBeNull();
    expect(repository.lookups).toBe(2);
    expect(await sut.findEndUser('banned')).toMatchObject({ userId: 'banned', blocked: true, budget: null });
  });

  it('should add spend to the cached record at once, and read the row plus what the ledger has not committed', async () => {
    repository.rows.set('u1', endUser('u1'));
    const record = await sut.findEndUser('u1');
    sut.recordSpend('u1', 0.5);
    sut.recordSpend('u1', Number.NaN);
    sut.recordSpend('u1', -1);
    expect(record?.spend).toBe(0.5);
    ledger.add(SpendSubject.endUser('u1'), 0.5);
    const cold = new CustomersService(repository as unknown as CustomersRepository, models, ledger.service, config, auditLogOff());
    expect((await cold.findEndUser('u1'))?.spend).toBe(0.5);
    ledger.commit(SpendSubject.endUser('u1'), (amount) => (repository.rows.get('u1')!.spend += amount));
    const afterCommit = new CustomersService(repository as unknown as CustomersRepository, models, ledger.service, config, auditLogOff());
    expect((await afterCommit.findEndUser('u1'))?.spend).toBe(0.5);
  });

  it('should count spend of an unknown end user at once, forgetting the cached miss', async () => {
    expect(await sut.findEndUser('walk-in')).toBeNull();
    ledger.add(SpendSubject.endUser('walk-in'), 0.5);
    sut.recordSpend('walk-in', 0.5);
    expect(await sut.findEndUser('walk-in')).toMatchObject({ userId: 'walk-in', spend: 0.5, budget: null });
  });

  it('should reset spend lazily once the budget window has passed', async () => {
    const passed = new Date(Date.now() - 1000);
    repository.rows.set('u1', { ...endUser('u1', { budgetDuration: '1d' }, passed), spend: 3 });
    const record = await sut.findEndUser('u1');
    expect(record?.spend).toBe(0);
    expect(record?.budgetResetAt?.getTime()).toBe(passed.getTime() + 86_400_000);
    await sut.onApplicationShutdown();
    expect(repository.resets).toEqual([['u1', new Date(passed.getTime() + 86_400_000)]]);
  });
});
