import { UnitOfWork } from '../database/unit-of-work';
import { Injectable } from '@nestjs/common';
import { EntityManager, FindOptionsOrder, FindOptionsWhere, In, QueryDeepPartialEntity } from 'typeorm';
import { KeyAliasTakenError, KeyAlreadyExistsError } from './keys.errors';
import { DeprecatedVirtualKeyEntity, VirtualKeyEntity } from './virtual-key.entity';

/** A key row before the database fills its timestamps. */
export type NewVirtualKey = Omit<VirtualKeyEntity, 'keyId' | 'createdAt' | 'updatedAt'>;
export type VirtualKeyChanges = Partial<Omit<VirtualKeyEntity, 'token' | 'keyId' | 'createdAt' | 'updatedAt'>>;

export interface KeyListFilter {
  userId?: string;
  teamId?: string;
  keyAlias?: string;
  token?: string;
  /** Also list keys this user created (LiteLLM's include_created_by_keys); combined with userId by OR. */
  createdBy?: string;
}

export type KeySortColumn = 'spend' | 'max_budget' | 'created_at' | 'updated_at' | 'token' | 'key_alias';

const SORT_PROPERTY: Record<KeySortColumn, keyof VirtualKeyEntity> = {
  spend: 'spend',
  max_budget: 'maxBudget',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  token: 'token',
  key_alias: 'keyAlias',
};

export interface DeprecatedKey {
  activeToken: string;
  revokeAt: Date;
}

/** TypeORM's partial-entity type cannot express `unknown` JSON values; the jsonb columns take any JSON. */
const asWrite = (values: object): QueryDeepPartialEntity<VirtualKeyEntity> => values as QueryDeepPartialEntity<VirtualKeyEntity>;

const ALIAS_INDEX = 'tollgate_virtual_keys_key_alias_key';

/** Postgres unique violations, told apart by constraint so callers get LiteLLM's 400 texts instead of a 500. */
function translateUniqueViolation(error: unknown, alias: string | null | undefined): unknown {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505') return error;
  if (constraint === ALIAS_INDEX && alias) return new KeyAliasTakenError(alias);
  return new KeyAlreadyExistsError();
}

/** The only code that touches the ORM for keys. */
@Injectable()
export class KeysRepository {
  constructor(private readonly db: UnitOfWork) {}

  private get keys() {
    return this.db.getRepository(VirtualKeyEntity);
  }

  findByToken(token: string): Promise<VirtualKeyEntity | null> {
    return this.keys.findOneBy({ token });
  }

  findByTokens(tokens: readonly string[]): Promise<VirtualKeyEntity[]> {
    return tokens.length ? this.keys.findBy({ token: In([...tokens]) }) : Promise.resolve([]);
  }

  findByAlias(keyAlias: string): Promise<VirtualKeyEntity | null> {
    return this.keys.findOneBy({ keyAlias });
  }

  findByAliases(aliases: readonly string[]): Promise<VirtualKeyEntity[]> {
    return aliases.length ? this.keys.findBy({ keyAlias: In([...aliases]) }) : Promise.resolve([]);
  }

  /**
   * @throws KeyAliasTakenError / KeyAlreadyExistsError on a duplicate alias or key.
   */
  async insert(key: NewVirtualKey): Promise<VirtualKeyEntity> {
    try {
      return await this.db.transaction(async (manager) => {
        // A caller-chosen key may equal a rotated-out one still in its grace period: the live key wins.
        await manager.delete(DeprecatedVirtualKeyEntity, { token: key.token });
        await manager.insert(VirtualKeyEntity, asWrite(key));
        return manager.findOneByOrFail(VirtualKeyEntity, { token: key.token });
      });
    } catch (error) {
      throw translateUniqueViolation(error, key.keyAlias);
    }
  }

  /**
   * @returns the updated row, or null when the key no longer exists.
   * @throws KeyAliasTakenError when the new alias belongs to another key.
   */
  async update(token: string, changes: VirtualKeyChanges): Promise<VirtualKeyEntity | null> {
    try {
      await this.keys.update({ token }, asWrite({ ...changes, updatedAt: new Date() }));
    } catch (error) {
      throw translateUniqueViolation(error, changes.keyAlias);
    }
    return this.findByToken(token);
  }

  /**
   * Gives a key a new hash in place (same row, spend and limits), optionally keeping the old hash valid until
   * `graceUntil`. Grace entries that pointed at the old hash follow it through ON UPDATE CASCADE.
   * @returns the updated row, or null when the key no longer exists.
   */
  async rotate(oldToken: string, newToken: string, changes: VirtualKeyChanges, graceUntil: Date | null): Promise<VirtualKeyEntity | null> {
    try {
      return await this.db.transaction(async (manager) => {
        await manager.delete(DeprecatedVirtualKeyEntity, { token: newToken });
        const result = await manager.update(VirtualKeyEntity, { token: oldToken }, asWrite({ ...changes, token: newToken, updatedAt: new Date() }));
        if (!result.affected) return null;
        if (graceUntil) await this.upsertDeprecated(manager, oldToken, newToken, graceUntil);
        return manager.findOneBy(VirtualKeyEntity, { token: newToken });
      });
    } catch (error) {
      throw translateUniqueViolation(error, changes.keyAlias);
    }
  }

  private async upsertDeprecated(manager: EntityManager, token: string, activeToken: string, revokeAt: Date): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(DeprecatedVirtualKeyEntity)
      .values({ token, activeToken, revokeAt })
      .orUpdate(['active_token', 'revoke_at'], ['token'])
      .execute();
  }

  /** @returns the hashes actually deleted; their grace entries go with them (ON DELETE CASCADE). */
  async deleteMany(tokens: readonly string[]): Promise<string[]> {
    if (!tokens.length) return [];
    const result = await this.keys
      .createQueryBuilder()
      .delete()
      .where({ token: In([...tokens]) })
      .returning(['token'])
      .execute();
    return ((result.raw ?? []) as { token: string }[]).map((row) => row.token);
  }

  async list(filter: KeyListFilter, page: number, size: number, sortBy: KeySortColumn, sortOrder: 'asc' | 'desc'): Promise<{ rows: VirtualKeyEntity[]; total: number }> {
    const common: FindOptionsWhere<VirtualKeyEntity> = {};
    if (filter.teamId !== undefined) common.teamId = filter.teamId;
    if (filter.keyAlias !== undefined) common.keyAlias = filter.keyAlias;
    if (filter.token !== undefined) common.token = filter.token;
    const where: FindOptionsWhere<VirtualKeyEntity>[] = [filter.userId !== undefined ? { ...common, userId: filter.userId } : common];
    if (filter.createdBy !== undefined) where.push({ ...common, createdBy: filter.createdBy });
    const direction = sortOrder === 'asc' ? 'ASC' : 'DESC';
    const order = { [SORT_PROPERTY[sortBy]]: direction, token: direction } as FindOptionsOrder<VirtualKeyEntity>;
    const [rows, total] = await this.keys.findAndCount({ where, order, skip: (page - 1) * size, take: size });
    return { rows, total };
  }

  async findDeprecated(token: string): Promise<DeprecatedKey | null> {
    const row = await this.db.getRepository(DeprecatedVirtualKeyEntity).findOneBy({ token });
    return row ? { activeToken: row.activeToken, revokeAt: row.revokeAt } : null;
  }

  /** Removes grace entries whose period is over; they no longer resolve anyway. */
  async pruneDeprecated(now: Date): Promise<void> {
    await this.db.getRepository(DeprecatedVirtualKeyEntity).createQueryBuilder().delete().where('revoke_at <= :now', { now }).execute();
  }
}
