import { UnitOfWork } from '../database/unit-of-work';
import { Injectable } from '@nestjs/common';
import { EntityManager, In, QueryDeepPartialEntity } from 'typeorm';
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

/** The column of each sort key (the API's names are the column names). */
const SORT_COLUMN: Record<KeySortColumn, string> = {
  spend: 'spend',
  max_budget: 'max_budget',
  created_at: 'created_at',
  updated_at: 'updated_at',
  token: 'token',
  key_alias: 'key_alias',
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

  /**
   * One page of keys and the number matching. Built for 500,000 keys: a plain `count(*)` (TypeORM's findAndCount
   * counts DISTINCT tokens, a sort of every row), and the page is picked by token first and read after (a deferred
   * join), so a deep offset walks the (created_at, token) index only instead of fetching every skipped row.
   */
  async list(filter: KeyListFilter, page: number, size: number, sortBy: KeySortColumn, sortOrder: 'asc' | 'desc'): Promise<{ rows: VirtualKeyEntity[]; total: number }> {
    const conditions: string[] = [];
    if (filter.teamId !== undefined) conditions.push('k.team_id = :teamId');
    if (filter.keyAlias !== undefined) conditions.push('k.key_alias = :keyAlias');
    if (filter.token !== undefined) conditions.push('k.token = :token');
    // With a user: that user's keys, or also the ones they created (include_created_by_keys).
    if (filter.userId !== undefined) conditions.push(filter.createdBy !== undefined ? '(k.user_id = :userId OR k.created_by = :createdBy)' : 'k.user_id = :userId');
    const params = { teamId: filter.teamId, keyAlias: filter.keyAlias, token: filter.token, userId: filter.userId, createdBy: filter.createdBy };
    const matching = () => {
      const query = this.keys.createQueryBuilder('k');
      if (conditions.length > 0) query.where(conditions.join(' AND '), params);
      return query;
    };
    const direction = sortOrder === 'asc' ? 'ASC' : 'DESC';
    const [counted, picked] = await Promise.all([
      matching().select('count(*)', 'total').getRawOne<{ total: string }>(),
      matching()
        .select('k.token', 'token')
        .orderBy(`k.${SORT_COLUMN[sortBy]}`, direction)
        .addOrderBy('k.token', direction)
        .offset((page - 1) * size)
        .limit(size)
        .getRawMany<{ token: string }>(),
    ]);
    const tokens = picked.map((row) => row.token);
    const found = tokens.length > 0 ? await this.keys.findBy({ token: In(tokens) }) : [];
    const byToken = new Map(found.map((row) => [row.token, row]));
    return { rows: tokens.map((token) => byToken.get(token)).filter((row): row is VirtualKeyEntity => row !== undefined), total: Number(counted?.total ?? 0) };
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
