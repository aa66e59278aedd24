import { UnitOfWork } from '../database/unit-of-work';
import { Injectable } from '@nestjs/common';
import { EntityManager, In, QueryDeepPartialEntity } from 'typeorm';
import { BudgetEntity } from './budget.entity';
import { BudgetExistsError, CustomerExistsError, UnknownBudgetError } from './customers.errors';
import { EndUserEntity } from './end-user.entity';

/** A budget row before the database fills its timestamps. */
export type NewBudget = Omit<BudgetEntity, 'createdAt' | 'updatedAt'>;
export type BudgetChanges = Partial<Omit<BudgetEntity, 'budgetId' | 'createdAt' | 'updatedAt' | 'createdBy'>>;
export type NewEndUser = Omit<EndUserEntity, 'createdAt' | 'updatedAt' | 'budget'>;
export type EndUserChanges = Partial<Omit<EndUserEntity, 'userId' | 'createdAt' | 'updatedAt' | 'budget' | 'spend'>>;

/** What an end-user update does to budget rows, in the same transaction. */
export type BudgetWrite = { kind: 'create'; budget: NewBudget } | { kind: 'update'; budgetId: string; changes: BudgetChanges } | null;

/** TypeORM's partial-entity type cannot express `unknown` JSON values; the jsonb columns take any JSON. */
const asBudgetWrite = (values: object): QueryDeepPartialEntity<BudgetEntity> => values as QueryDeepPartialEntity<BudgetEntity>;

interface PgError {
  code?: string;
  constraint?: string;
}

const pgCode = (error: unknown): string | undefined => (error as PgError).code;

/** The only code that touches the ORM for end users and budgets. */
@Injectable()
export class CustomersRepository {
  constructor(private readonly db: UnitOfWork) {}

  private endUsersWithBudget(manager: EntityManager = this.db.manager) {
    return manager.getRepository(EndUserEntity).createQueryBuilder('u').leftJoinAndMapOne('u.budget', BudgetEntity, 'b', 'b.budget_id = u.budget_id');
  }

  findEndUser(userId: string, manager?: EntityManager): Promise<EndUserEntity | null> {
    return this.endUsersWithBudget(manager).where('u.user_id = :userId', { userId }).getOne();
  }

  findEndUsers(userIds: readonly string[]): Promise<EndUserEntity[]> {
    if (!userIds.length) return Promise.resolve([]);
    return this.endUsersWithBudget()
      .where('u.user_id IN (:...userIds)', { userIds: [...userIds] })
      .orderBy('u.user_id')
      .getMany();
  }

  /** Oldest first (index `tollgate_end_users_created_at`), all of them or one page. */
  listEndUsers(page: { page: number; size: number } | null = null): Promise<EndUserEntity[]> {
    const query = this.endUsersWithBudget().orderBy('u.created_at', 'ASC').addOrderBy('u.user_id', 'ASC');
    if (page) query.offset((page.page - 1) * page.size).limit(page.size);
    return query.getMany();
  }

  /**
   * Creates an end user, and first its own budget row when `budget` is given.
   * @throws CustomerExistsError, UnknownBudgetError (budget_id names no budget)
   */
  async insertEndUser(endUser: NewEndUser, budget: NewBudget | null): Promise<EndUserEntity> {
    try {
      return await this.db.transaction(async (manager) => {
        if (budget) await manager.insert(BudgetEntity, asBudgetWrite(budget));
        await manager.insert(EndUserEntity, endUser);
        const saved = await this.findEndUser(endUser.userId, manager);
        if (!saved) throw new Error('end user vanished inside its own transaction');
        return saved;
      });
    } catch (error) {
      if (pgCode(error) === '23505') throw new CustomerExistsError(endUser.userId);
      if (pgCode(error) === '23503' && endUser.budgetId) throw new UnknownBudgetError(endUser.budgetId);
      throw error;
    }
  }

  /**
   * Changes an end user and, in the same transaction, creates or changes the budget row it uses.
   * @returns the updated row, or null when the end user no longer exists.
   * @throws UnknownBudgetError
   */
  async updateEndUser(userId: string, changes: EndUserChanges, budgetWrite: BudgetWrite): Promise<EndUserEntity | null> {
    try {
      return await this.db.transaction(async (manager) => {
        if (budgetWrite?.kind === 'create') await manager.insert(BudgetEntity, asBudgetWrite(budgetWrite.budget));
        if (budgetWrite?.kind === 'update') {
          await manager.update(BudgetEntity, { budgetId: budgetWrite.budgetId }, asBudgetWrite({ ...budgetWrite.changes, updatedAt: new Date() }));
        }
        const result = await manager.update(EndUserEntity, { userId }, { ...changes, updatedAt: new Date() });
        if (!result.affected) return null;
        return this.findEndUser(userId, manager);
      });
    } catch (error) {
      if (pgCode(error) === '23503' && changes.budgetId) throw new UnknownBudgetError(changes.budgetId);
      throw error;
    }
  }

  /** @returns the ids actually deleted. */
  async deleteEndUsers(userIds: readonly string[]): Promise<string[]> {
    if (!userIds.length) return [];
    // TypeORM answers a raw DELETE with [rows, rowCount].
    const [rows] = (await this.db.query(`DELETE FROM "tollgate_end_users" WHERE "user_id" = ANY($1::text[]) RETURNING "user_id"`, [[...userIds]])) as [
      { user_id: string }[],
      number,
    ];
    return rows.map((row) => row.user_id);
  }

  /** Sets `blocked`, creating the rows that do not exist yet (LiteLLM's upsert). */
  async setBlocked(userIds: readonly string[], blocked: boolean, upsert: boolean): Promise<EndUserEntity[]> {
    if (!userIds.length) return [];
    if (upsert) {
      await this.db.query(
        `INSERT INTO "tollgate_end_users" ("user_id", "blocked") SELECT id, $2 FROM unnest($1::text[]) AS id
         ON CONFLICT ("user_id") DO UPDATE SET "blocked" = EXCLUDED."blocked", "updated_at" = now()`,
        [[...new Set(userIds)], blocked],
      );
    } else {
      await this.db.query(`UPDATE "tollgate_end_users" SET "blocked" = $2, "updated_at" = now() WHERE "user_id" = ANY($1::text[])`, [[...userIds], blocked]);
    }
    return this.findEndUsers(userIds);
  }

  async blockedUserIds(): Promise<string[]> {
    const rows = (await this.db.query(`SELECT "user_id" FROM "tollgate_end_users" WHERE "blocked" ORDER BY "user_id"`)) as { user_id: string }[];
    return rows.map((row) => row.user_id);
  }

  findBudget(budgetId: string): Promise<BudgetEntity | null> {
    return this.db.getRepository(BudgetEntity).findOneBy({ budgetId });
  }

  findBudgets(budgetIds: readonly string[]): Promise<BudgetEntity[]> {
    if (!budgetIds.length) return Promise.resolve([]);
    return this.db.getRepository(BudgetEntity).find({ where: { budgetId: In([...budgetIds]) }, order: { createdAt: 'ASC', budgetId: 'ASC' } });
  }

  listBudgets(): Promise<BudgetEntity[]> {
    return this.db.getRepository(BudgetEntity).find({ order: { createdAt: 'ASC', budgetId: 'ASC' } });
  }

  /** @throws BudgetExistsError */
  async insertBudget(budget: NewBudget): Promise<BudgetEntity> {
    try {
      await this.db.getRepository(BudgetEntity).insert(asBudgetWrite(budget));
    } catch (error) {
      if (pgCode(error) === '23505') throw new BudgetExistsError(budget.budgetId);
      throw error;
    }
    return this.db.getRepository(BudgetEntity).findOneByOrFail({ budgetId: budget.budgetId });
  }

  /** @returns the updated row, or null when the budget does not exist. */
  async updateBudget(budgetId: string, changes: BudgetChanges): Promise<BudgetEntity | null> {
    const repository = this.db.getRepository(BudgetEntity);
    const result = await repository.update({ budgetId }, asBudgetWrite({ ...changes, updatedAt: new Date() }));
    return result.affected ? repository.findOneBy({ budgetId }) : null;
  }

  /**
   * Deletes a budget; its end users keep no budget (ON DELETE SET NULL) and no budget window.
   * @returns the deleted row, or null when it did not exist.
   */
  async deleteBudget(budgetId: string): Promise<BudgetEntity | null> {
    return this.db.transaction(async (manager) => {
      const row = await manager.findOneBy(BudgetEntity, { budgetId });
      if (!row) return null;
      await manager.update(EndUserEntity, { budgetId }, { budgetResetAt: null, updatedAt: new Date() });
      await manager.delete(BudgetEntity, { budgetId });
      return row;
    });
  }
}
