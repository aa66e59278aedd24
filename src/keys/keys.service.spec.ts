import { auditLogOff } from '../audit/audit-log.testing';
import type { AuthContext } from '../common/access/caller';
import type { TollgateConfig } from '../config/config.types';
import { InMemoryLiveSpend } from '../spend/testing/in-memory-live-spend';
import { SpendSubject } from '../spend/spend-subjects';
import { hashKey } from './key-secret';
import type { DeprecatedKey, KeysRepository, NewVirtualKey, VirtualKeyChanges } from './keys.repository';
import { KeysService } from './keys.service';
import type { VirtualKeyEntity } from './virtual-key.entity';

/** Just enough of KeysRepository, in memory, with switches to fail or stall calls. */
class FakeKeysRepository {
  readonly rows = new Map<string, VirtualKeyEntity>();
  readonly deprecated = new Map<string, DeprecatedKey>();
  lookups = 0;
  stallNextLookup?: Promise<void>;

  async findByToken(token: string): Promise<VirtualKeyEntity | null> {
    this.lookups++;
    const stall = this.stallNextLookup;
    this.stallNextLookup = undefined;
    const row = this.rows.get(token);
    const copy = row ? { ...row } : null;
    if (stall) await stall;
    return copy;
  }
  async findByAlias(alias: string): Promise<VirtualKeyEntity | null> {
    return [...this.rows.values()].find((row) => row.keyAlias === alias) ?? null;
  }
  async findByTokens(tokens: readonly string[]): Promise<VirtualKeyEntity[]> {
    return tokens.flatMap((token) => (this.rows.has(token) ? [this.rows.get(token) as VirtualKeyEntity] : []));
  }
  async insert(key: NewVirtualKey): Promise<VirtualKeyEntity> {
    const row = { ...key, keyId: `id-${key.token}`, createdAt: new Date(), updatedAt: new Date() };
    this.rows.set(key.token, row);
    return { ...row };
  }
  async update(token: string, changes: VirtualKeyChanges): Promise<VirtualKeyEntity | null> {
    const row = this.rows.get(token);
    if (!row) return null;
    Object.assign(row, changes, { updatedAt: new Date() });
    return { ...row };
  }
  async rotate(oldToken: string, newToken: string, changes: VirtualKeyChanges, graceUntil: Date | null): Promise<VirtualKeyEntity | null> {
    const row = this.rows.get(oldToken);
    if (!row) return null;
    this.rows.delete(oldToken);
    const next = { ...row, ...changes, token: newToken };
    this.rows.set(newToken, next);
    if (graceUntil) this.deprecated.set(oldToken, { activeToken: newToken, revokeAt: graceUntil });
    return { ...next };
  }
  async deleteMany(tokens: readonly string[]): Promise<string[]> {
    return tokens.filter((token) => this.rows.delete(token));
  }
  async resetSpend(token: string, next: Date | null): Promise<void> {
    const row = this.rows.get(token);
    if (row) Object.assign(row, { spend: 0, budgetResetAt: next });
  }
  async findDeprecated(token: string): Promise<DeprecatedKey | null> {
    return this.deprecated.get(token) ?? null;
  }
  async pruneDeprecated(): Promise<void> {}
}

const ADMIN: AuthContext = { method: 'master_key', role: 'proxy_admin', userId: 'default_user_id', apiKeyHash: hashKey('sk-master') };

describe(KeysService.name, () => {
  let repository: FakeKeysRepository;
  let spend: InMemoryLiveSpend;
  let sut: KeysService;

  beforeEach(() => {
    repository = new FakeKeysRepository();
    const config = { litellm_settings: { upperbound_key_generate_params: { max_budget: 100 } } } as unknown as TollgateConfig;
    spend = new InMemoryLiveSpend();
    sut = new KeysService(repository as unknown as KeysRepository, spend.service, config, auditLogOff());
  });

  afterEach(async () => {
    await sut.onApplicationShutdown();
  });

  it('should store only the hash and resolve the key from the cache afterwards', async () => {
    const { key, token } = await sut.generate(ADMIN, { max_budget: 5 });
    expect(token).toBe(hashKey(key));
    expect(repository.rows.has(token)).toBe(true);
    expect(JSON.stringify([...repository.rows.values()])).not.toContain(key);
    const lookups = repository.lookups;
    expect((await sut.authenticate(key))?.maxBudget).toBe(5);
    expect(repository.lookups).toBe(lookups);
  });

  it('should ask the database once for a flood of the same unknown key', async () => {
    await Promise.all(Array.from({ length: 20 }, () => sut.authenticate('sk-unknown')));
    await sut.authenticate('sk-unknown');
    expect(repository.lookups).toBe(1);
  });

  it('should make a new key visible at once even right after a miss was cached', async () => {
    expect(await sut.authenticate('sk-chosen-value')).toBeNull();
    await sut.generate(ADMIN, { key: 'sk-chosen-value' });
    expect(await sut.authenticate('sk-chosen-value')).not.toBeNull();
  });

  it('should not let a lookup that raced a delete bring the key back', async () => {
    const { key } = await sut.generate(ADMIN, {});
    const fresh = new KeysService(repository as unknown as KeysRepository, spend.service, { litellm_settings: {} } as unknown as TollgateConfig, auditLogOff());
    let release = (): void => undefined;
    repository.stallNextLookup = new Promise((resolve) => (release = resolve));
    const racing = fresh.authenticate(key);
    await fresh.delete(ADMIN, { keys: [key] });
    release();
    expect(await racing).toBeNull();
    expect(await fresh.authenticate(key)).toBeNull();
  });

  it('should rotate a key keeping its spend (counted by the key id, not its hash)', async () => {
    const { key, token } = await sut.generate(ADMIN, {});
    await spend.charge(SpendSubject.key(`id-${token}`), 1);
    const rotated = await sut.regenerate(ADMIN, key, {});
    expect(rotated.spend).toBe(1);
    expect(await sut.authenticate(key)).toBeNull();
    await spend.charge(SpendSubject.key(`id-${token}`), 2);
    expect((await sut.info(ADMIN, rotated.key)).info.spend).toBe(3);
  });

  it('should let an admin set the spend, on top of what the ledger has not committed yet', async () => {
    const { key, token } = await sut.generate(ADMIN, {});
    await spend.charge(SpendSubject.key(`id-${token}`), 5);
    spend.ledger.add(SpendSubject.key(`id-${token}`), 0.25);
    expect((await sut.update(ADMIN, { key, spend: 1 })).spend).toBe(1.25);
  });

  it('should keep a rotated key working until its grace period ends', async () => {
    const { key } = await sut.generate(ADMIN, {});
    const rotated = await sut.regenerate(ADMIN, undefined, { key, grace_period: '1h' });
    expect((await sut.authenticate(key))?.token).toBe(rotated.token);
    repository.deprecated.set(hashKey(key), { activeToken: rotated.token, revokeAt: new Date(Date.now() - 1) });
    const cold = new KeysService(repository as unknown as KeysRepository, spend.service, { litellm_settings: {} } as unknown as TollgateConfig, auditLogOff());
    expect(await cold.authenticate(key)).toBeNull();
  });

  it('should refuse upper-bound violations on generate and update', async () => {
    await expect(sut.generate(ADMIN, { max_budget: 101 })).rejects.toThrow('max_budget is over max limit set in config - user_value=101.0; max_value=100.0');
    const { key } = await sut.generate(ADMIN, {});
    expect((await sut.authenticate(key))?.maxBudget).toBe(100);
    await expect(sut.update(ADMIN, { key, max_budget: 150 })).rejects.toThrow('user_value=150.0');
  });

  it('should let an owner key create keys within its own limits only', async () => {
    const { key } = await sut.generate(ADMIN, { user_id: 'alice', max_budget: 1, models: ['gpt-4o'] });
    const owner = (await sut.authenticate(key)) ?? undefined;
    const alice: AuthContext = { method: 'virtual_key', role: 'internal_user', userId: 'alice', apiKeyHash: owner?.token ?? null, key: owner };
    await expect(sut.generate(alice, { max_budget: 2, models: ['gpt-4o'] })).rejects.toThrow('Cannot grant max_budget=2');
    await expect(sut.generate(alice, { max_budget: 1, models: ['gpt-4o'], user_id: 'bob' })).rejects.toThrow('User can only create keys for themselves');
    const child = await sut.generate(alice, { max_budget: 0.5, models: ['gpt-4o'] });
    expect(child.user_id).toBe('alice');
    await expect(sut.update(alice, { key: child.key, spend: 0 })).rejects.toThrow('Only a proxy admin can set the spend');
    await sut.block(alice, child.key);
    await expect(sut.unblock(alice, child.key)).rejects.toThrow('Only a proxy admin can unblock a key.');
  });
});
