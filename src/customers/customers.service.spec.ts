import { auditLogOff } from '../audit/audit-log.testing';
import type { TollgateConfig } from '../config/config.types';
import { InMemoryLiveSpend } from '../spend/testing/in-memory-live-spend';
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
    budget: budget
      ? ({ budgetId: 'b1', maxBudget: 1, softBudget: null, tpmLimit: null, rpmLimit: null, maxParallelRequests: null, budgetDuration: null, ...budget } as BudgetEntity)
      : null,
  };
}

const config = { litellm_settings: { blocked_user_list: ['banned'] } } as unknown as TollgateConfig;
const models = { modelNames: () => ['demo'] } as unknown as ModelRegistry;

describe(CustomersService.name, () => {
  let repository: FakeCustomersRepository;
  let sut: CustomersService;
  let spend: InMemoryLiveSpend;

  beforeEach(() => {
    repository = new FakeCustomersRepository();
    spend = new InMemoryLiveSpend();
    sut = new CustomersService(repository as unknown as CustomersRepository, models, spend.service, config, auditLogOff());
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

  it('should show the live spend of a customer, seeded from its row', async () => {
    repository.rows.set('u1', { ...endUser('u1'), spend: 2 });
    spend.seeds.set(SpendSubject.endUser('u1'), 2);
    await spend.charge(SpendSubject.endUser('u1'), 0.5);
    expect((await sut.describeCustomer('u1')).spend).toBe(2.5);
  });
});
