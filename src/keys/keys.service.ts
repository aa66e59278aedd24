import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { AuthContext } from '../common/access/caller';
import { AuditLogService } from '../audit/audit-log.service';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { DeleteKeysDto, ListKeysQueryDto } from './dto/key-request.dto';
import type { GenerateKeyDto, KeyParamsDto, RegenerateKeyDto, UpdateKeyDto } from './dto/key-params.dto';
import type {
  DeleteKeysResponseDto,
  GenerateKeyResponseDto,
  KeyInfoResponseDto,
  KeyListResponseDto,
  KeyRowDto,
  KeysInfoResponseDto,
  UpdateKeyResponseDto,
} from './dto/key-response.dto';
import { addDuration, parseDuration } from '../common/duration';
import { KeyCache } from './key-cache';
import { grantOf, METADATA_FIELDS, remainingGrantOf, toRecord, toRow } from './key-mapper';
import { assertCanWrite, assertWithinGrant, canModify, canRead, KeyCaller, resolveCaller } from './key-permissions';
import { abbreviateKey, hashKey, isTokenHash, maskKey, newSecretKey, toTokenHash } from './key-secret';
import { applyGenerateDefaults, enforceUpperbounds, KeySettings, readKeySettings } from './key-settings';
import { InvalidKeyRequestError, KeyAccessDeniedError, KeyAliasTakenError, KeyFieldNotSupportedError, KeyNotFoundError } from './keys.errors';
import { type DeprecatedKey, KeysRepository, KeySortColumn, NewVirtualKey, VirtualKeyChanges } from './keys.repository';
import { SerialQueue } from '../common/serial-queue';
import { UnitOfWork } from '../database/unit-of-work';
import { SecretsService } from '../secrets/secrets.service';
import { INVALIDATION_BUS, InvalidationTopic, type InvalidationBus, type InvalidationPayload } from '../store/invalidation-bus';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { VirtualKeyEntity } from './virtual-key.entity';
import type { VirtualKeyRecord } from '../common/access/virtual-key';

const PRUNE_INTERVAL_MS = 10 * 60_000;
const STALE_READ_RETRIES = 3;

type KeyOperation = 'update' | 'regenerate' | 'block' | 'unblock' | 'delete';

/**
 * A key just committed, as in-process listeners are told of it (mail to its owner, the `new_virtual_key_created`
 * alert). `key` is the secret: a listener that sends anything elsewhere but the owner's mailbox uses `token`.
 */
export interface CreatedKey {
  /** `/key/generate`, or `/user/new` making the new user's first key. */
  readonly origin: 'key_generate' | 'user_new';
  /** The request's `send_invite_email`. */
  readonly sendInviteEmail: boolean;
  /** The key's hash. */
  readonly token: string;
  readonly key: string;
  readonly keyAlias: string | null;
  readonly userId: string | null;
  readonly teamId: string | null;
  readonly createdBy: string | null;
  readonly maxBudget: number | null;
  readonly softBudget: number | null;
  readonly budgetDuration: string | null;
  readonly models: readonly string[];
  readonly expires: Date | null;
}

export type KeyCreatedListener = (created: CreatedKey) => void;

/**
 * Virtual keys: the management API's operations and the hot-path lookups. Every mutation goes through this
 * service and updates the in-process cache before it answers, so a revoked key is refused by the very next
 * request. Spend is not the record's: it lives in the counter store, which every response reads.
 */
@Injectable()
export class KeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly createdListeners: KeyCreatedListener[] = [];
  private readonly logger = new Logger('Keys');
  private readonly settings: KeySettings;
  private readonly cache = new KeyCache();
  /** Writes to keys, one at a time: a budget reset never races a rotation or delete of the same key. */
  private readonly writes = new SerialQueue();
  private readonly loading = new Map<string, Promise<VirtualKeyRecord | null>>();
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly repository: KeysRepository,
    private readonly liveSpend: LiveSpendService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly audit: AuditLogService,
    @Optional() private readonly secrets?: SecretsService,
    @Optional() @Inject(INVALIDATION_BUS) private readonly bus?: InvalidationBus,
    @Optional() private readonly db?: UnitOfWork,
  ) {
    this.settings = readKeySettings(config.litellm_settings);
    // Another instance changed keys: what this one cached for them is read again on the next request.
    bus?.subscribe(InvalidationTopic.keys, (payload: InvalidationPayload) => {
      for (const token of payload.tokens ?? []) this.evict(token);
    });
    bus?.onResync(() => {
      this.cache.clear();
      this.loading.clear();
    });
  }

  onModuleInit(): void {
    this.pruneTimer = setInterval(() => this.pruneRotatedOut(), PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.writes.drain();
  }

  /**
   * Resolves a presented key (plaintext) to its record: cache, then database, then rotated-out hashes still in
   * their grace period (which resolve to the key's current record). Blocked and expired keys are returned as they
   * are: refusing them is the caller's decision.
   * @returns the record, or null for an unknown, deleted or rotated-out key.
   */
  authenticate(presentedKey: string): Promise<VirtualKeyRecord | null> {
    return this.resolve(hashKey(presentedKey));
  }

  /**
   * Looks a key up by plaintext or hash, without following rotations.
   * @returns the record, or null when no such key exists.
   */
  async get(tokenOrKey: string): Promise<VirtualKeyRecord | null> {
    const token = toTokenHash(tokenOrKey);
    const cached = this.cache.get(token);
    if (cached) return cached;
    const epoch = this.cache.epoch;
    const entity = await this.repository.findByToken(token);
    return entity ? this.adopt(entity, epoch) : null;
  }

  /**
   * POST /key/generate.
   * @throws AdminOnlyRouteError, KeyAccessDeniedError, InvalidKeyRequestError, KeyUpperboundError, KeyAliasTakenError
   */
  async generate(auth: AuthContext | null, body: GenerateKeyDto, origin: CreatedKey['origin'] = 'key_generate'): Promise<GenerateKeyResponseDto> {
    const caller = resolveCaller(auth, '/key/generate');
    assertCanWrite(caller, '/key/generate');
    rejectUnsupported(body);
    const fields: GenerateKeyDto = { ...body };
    const durationGiven = isSet(body.duration);
    if (caller.kind === 'key') {
      if (fields.user_id === undefined || fields.user_id === null) fields.user_id = caller.userId;
      else if (fields.user_id !== caller.userId) {
        throw new KeyAccessDeniedError(`User can only create keys for themselves. Got user_id=${fields.user_id}, Your ID=${caller.userId}`, 'user_id');
      }
    }
    applyGenerateDefaults(fields, this.settings.defaults);
    validateFields(fields);
    enforceUpperbounds(fields, this.settings.upperbounds, true);
    const key = fields.key ?? newSecretKey();
    if (!key.startsWith('sk-')) {
      throw new InvalidKeyRequestError(`Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${maskKey(key)}`, 'key');
    }
    const now = new Date();
    const entity = newEntity(key, fields, now, auth?.userId ?? null);
    const ownExpiry = caller.kind === 'key' ? caller.key.expires : null;
    // A key that asked for no particular lifetime simply ends with the key that made it.
    if (ownExpiry && !durationGiven && (entity.expires === null || entity.expires > ownExpiry)) entity.expires = ownExpiry;
    if (caller.kind === 'key')
      assertWithinGrant({ ...caller.key, spend: await this.spendOf(caller.key) }, grantOf(toRecord({ ...entity, keyId: '', createdAt: now, updatedAt: now })), null);
    const response = await this.writes.run(async () => {
      await this.assertAliasFree(entity.keyAlias, null);
      const saved = await this.repository.insert(entity);
      const record = toRecord(saved);
      const row = toRow(saved, saved.spend, saved.budgetResetAt);
      // Before the cache: a row that cannot be written rolls the change back, and the cache must not have it.
      await this.audit.record({ table: KEY_TABLE, objectId: saved.token, action: 'created', after: row });
      this.cache.put(record);
      this.loading.delete(saved.token);
      // Another instance may remember this hash as unknown (a request that came before the key existed).
      this.announce([saved.token]);
      await this.liveSpend.reset(SpendSubject.key(saved.keyId), saved.spend, saved.budgetResetAt);
      return generateResponse(row, key, saved);
    });
    // key_management_settings.store_virtual_keys: src/secrets decides whether and where a copy goes.
    await this.secrets?.storeVirtualKey(entity.keyAlias ?? entity.token, key);
    if (this.createdListeners.length > 0) {
      const created: CreatedKey = {
        origin,
        sendInviteEmail: body.send_invite_email === true,
        token: entity.token,
        key,
        keyAlias: entity.keyAlias,
        userId: entity.userId,
        teamId: entity.teamId,
        createdBy: entity.createdBy,
        maxBudget: entity.maxBudget,
        softBudget: entity.softBudget,
        budgetDuration: entity.budgetDuration,
        models: entity.models,
        expires: entity.expires,
      };
      // Once the request's unit of work committed: a key that was rolled back is never announced.
      const notify = (): void => {
        for (const listener of this.createdListeners) {
          try {
            listener(created);
          } catch (error) {
            // The key exists and its creator gets it; a listener's failure is only logged.
            this.logger.error(`key_created listener failed: ${error instanceof Error ? error.name : typeof error}`);
          }
        }
      };
      if (this.db) this.db.afterCommit(notify);
      else notify();
    }
    return response;
  }

  /** Calls `listener` after each key created (its secret included); listeners must not throw or wait. */
  onKeyCreated(listener: KeyCreatedListener): void {
    this.createdListeners.push(listener);
  }

  /**
   * POST /key/update: only the fields given (non-null) change; a budget raise applies to the next request.
   * @throws KeyNotFoundError, KeyAccessDeniedError, InvalidKeyRequestError, KeyUpperboundError, KeyAliasTakenError
   */
  async update(auth: AuthContext | null, body: UpdateKeyDto): Promise<UpdateKeyResponseDto> {
    const caller = resolveCaller(auth, '/key/update');
    assertCanWrite(caller, '/key/update');
    rejectUnsupported(body);
    const byAlias = body.key === undefined || body.key === null;
    if (byAlias && !body.key_alias) throw new InvalidKeyRequestError('either key or key_alias must be provided', 'key');
    validateFields(body);
    enforceUpperbounds(body, this.settings.upperbounds, false);
    return this.writes.run(async () => {
      const existing = byAlias ? await this.repository.findByAlias(body.key_alias as string) : await this.repository.findByToken(toTokenHash(body.key as string));
      if (!existing) throw new KeyNotFoundError();
      await this.assertMayModify(caller, existing, 'update');
      const changes = changesFrom(body, existing, new Date(), auth?.userId ?? null, byAlias);
      await this.assertChangeAllowed(caller, existing, changes);
      await this.assertAliasFree(changes.keyAlias, existing.token);
      const saved = await this.repository.update(existing.token, changes);
      if (!saved) throw new KeyNotFoundError();
      const row = await this.afterWrite(saved, changes);
      await this.audit.record({ table: KEY_TABLE, objectId: saved.token, action: 'updated', before: await this.row(existing), after: row });
      this.cache.put(toRecord(saved));
      this.announce([saved.token]);
      return { key: saved.token, ...row };
    });
  }

  /**
   * POST /key/delete, by keys (plaintext or hashes) or by key_aliases.
   * @throws KeyNotFoundError when none exists, KeyAccessDeniedError when one is not the caller's (nothing is deleted then).
   */
  async delete(auth: AuthContext | null, body: DeleteKeysDto): Promise<DeleteKeysResponseDto> {
    const caller = resolveCaller(auth, '/key/delete');
    assertCanWrite(caller, '/key/delete');
    const byAlias = !body.keys?.length;
    if (byAlias && !body.key_aliases?.length) throw new InvalidKeyRequestError("At least one of 'keys' or 'key_aliases' must be provided.", 'keys');
    return this.writes.run(async () => {
      const rows = byAlias ? await this.repository.findByAliases(body.key_aliases ?? []) : await this.repository.findByTokens((body.keys ?? []).map(toTokenHash));
      if (!rows.length) throw new KeyNotFoundError('No keys found');
      for (const row of rows) await this.assertMayModify(caller, row, 'delete');
      const deleted = new Set(await this.repository.deleteMany(rows.map((row) => row.token)));
      for (const row of rows) {
        if (deleted.has(row.token)) await this.audit.record({ table: KEY_TABLE, objectId: row.token, action: 'deleted', before: await this.row(row) });
      }
      const now = Date.now();
      for (const token of deleted) this.forget(token, now);
      this.announce([...deleted]);
      const gone = rows.filter((row) => deleted.has(row.token));
      return { deleted_keys: byAlias ? gone.map((row) => row.keyAlias as string) : gone.map((row) => row.token) };
    });
  }

  /**
   * GET /key/info: the given key, or the caller's own without `key`.
   * @throws KeyNotFoundError, KeyAccessDeniedError ("user not allowed to access this key's info")
   */
  async info(auth: AuthContext | null, key: string | undefined): Promise<KeyInfoResponseDto> {
    const caller = resolveCaller(auth, '/key/info');
    const token = key ? toTokenHash(key) : auth?.apiKeyHash;
    const entity = token ? await this.repository.findByToken(token) : null;
    if (!entity) throw new KeyNotFoundError('Key not found in database');
    if (!canRead(caller, entity)) throw new KeyAccessDeniedError("user not allowed to access this key's info", 'key');
    const { token: hash, ...info } = await this.row(entity);
    return { key: hash, info };
  }

  /**
   * POST /v2/key/info.
   * @throws KeyAccessDeniedError when one of the keys is not the caller's to see.
   */
  async infoMany(auth: AuthContext | null, keys: readonly string[]): Promise<KeysInfoResponseDto> {
    const caller = resolveCaller(auth, '/v2/key/info');
    const tokens = keys.map(toTokenHash);
    const rows = await this.repository.findByTokens(tokens);
    if (rows.some((row) => !canRead(caller, row))) throw new KeyAccessDeniedError("user not allowed to access this key's info", 'keys');
    return { key: tokens, info: await this.rows(rows) };
  }

  /**
   * GET /key/list, newest first by default. Non-admin keys list their owner's keys only.
   * @throws KeyAccessDeniedError for another user's or team's keys.
   */
  async list(auth: AuthContext | null, query: ListKeysQueryDto): Promise<KeyListResponseDto> {
    const caller = resolveCaller(auth, '/key/list');
    const page = query.page ?? 1;
    const size = query.size ?? 10;
    const filter = { userId: query.user_id, teamId: query.team_id, keyAlias: query.key_alias, token: query.key_hash, createdBy: undefined as string | undefined };
    if (caller.kind === 'key') {
      if (caller.userId === null) {
        throw new KeyAccessDeniedError("You are not authorized to access this endpoint. No 'user_id' is associated with your API key.", 'user_id');
      }
      if (query.user_id && query.user_id !== caller.userId) throw new KeyAccessDeniedError("You are not authorized to check another user's keys", 'user_id');
      if (query.team_id && query.team_id !== caller.key.teamId) throw new KeyAccessDeniedError("You are not authorized to check this team's keys", 'team_id');
      filter.userId = caller.userId;
    }
    if (query.include_created_by_keys && filter.userId) filter.createdBy = filter.userId;
    const sortBy: KeySortColumn = query.sort_by ?? 'created_at';
    const { rows, total } = await this.repository.list(filter, page, size, sortBy, query.sort_order ?? 'desc');
    return {
      keys: query.return_full_object ? await this.rows(rows) : rows.map((row) => row.token),
      total_count: total,
      current_page: page,
      total_pages: Math.ceil(total / size),
    };
  }

  /**
   * POST /key/regenerate and /key/{key}/regenerate: a new secret for the same key (spend, limits and history
   * kept), optionally with changed fields. Without `grace_period` the old secret stops at once; with it, the old
   * secret resolves to this key until the period ends.
   * @throws KeyNotFoundError, KeyAccessDeniedError, InvalidKeyRequestError, KeyUpperboundError, KeyAliasTakenError
   */
  async regenerate(auth: AuthContext | null, pathKey: string | undefined, body: RegenerateKeyDto): Promise<GenerateKeyResponseDto> {
    const caller = resolveCaller(auth, '/key/regenerate');
    assertCanWrite(caller, '/key/regenerate');
    rejectUnsupported(body);
    if (body.new_master_key !== undefined && body.new_master_key !== null) {
      throw new KeyFieldNotSupportedError('new_master_key', 'is not supported: the master key is set in the config');
    }
    const given = body.key ?? pathKey;
    if (!given) throw new InvalidKeyRequestError('No key passed in.', 'key');
    if (body.new_key !== undefined && body.new_key !== null && !body.new_key.startsWith('sk-')) {
      throw new InvalidKeyRequestError(
        "New key must start with 'sk-'. This is to distinguish a key hash (used by litellm for logging / internal logic) from the actual key.",
        'new_key',
      );
    }
    const graceMs = graceMillis(body.grace_period);
    validateFields(body);
    enforceUpperbounds(body, this.settings.upperbounds, false);
    const response = await this.writes.run(async () => {
      const existing = await this.repository.findByToken(toTokenHash(given));
      if (!existing) throw new KeyNotFoundError();
      await this.assertMayModify(caller, existing, 'regenerate');
      const newKey = body.new_key ?? newSecretKey();
      const newToken = hashKey(newKey);
      if (newToken === existing.token) throw new InvalidKeyRequestError('new_key must differ from the current key.', 'new_key');
      const now = new Date();
      const changes: VirtualKeyChanges = { ...changesFrom(body, existing, now, auth?.userId ?? null, false), keyName: abbreviateKey(newKey) };
      await this.assertChangeAllowed(caller, existing, changes);
      await this.assertAliasFree(changes.keyAlias, existing.token);
      const graceUntil = graceMs ? new Date(now.getTime() + graceMs) : null;
      const saved = await this.repository.rotate(existing.token, newToken, changes, graceUntil);
      if (!saved) throw new KeyNotFoundError();
      const row = await this.afterWrite(saved, changes);
      await this.audit.record({ table: KEY_TABLE, objectId: saved.token, action: 'rotated', before: await this.row(existing), after: row });
      this.cache.rotate(existing.token, toRecord(saved), graceUntil, now.getTime());
      this.loading.delete(existing.token);
      this.loading.delete(newToken);
      this.announce([existing.token, newToken]);
      return generateResponse(row, newKey, saved);
    });
    await this.secrets?.storeVirtualKey(response.key_alias ?? response.token_id, response.key);
    return response;
  }

  /**
   * POST /key/block: the key is refused from the next request on.
   * @throws KeyNotFoundError, KeyAccessDeniedError, InvalidKeyRequestError
   */
  block(auth: AuthContext | null, key: string): Promise<KeyRowDto> {
    return this.setBlocked(auth, key, true);
  }

  /**
   * POST /key/unblock. Only an admin may lift a block, so an owner cannot undo an admin's decision.
   * @throws KeyNotFoundError, KeyAccessDeniedError, InvalidKeyRequestError
   */
  unblock(auth: AuthContext | null, key: string): Promise<KeyRowDto> {
    return this.setBlocked(auth, key, false);
  }

  private async setBlocked(auth: AuthContext | null, key: string, blocked: boolean): Promise<KeyRowDto> {
    const route = blocked ? '/key/block' : '/key/unblock';
    const caller = resolveCaller(auth, route);
    assertCanWrite(caller, route);
    if (!key.startsWith('sk-') && !isTokenHash(key)) throw new InvalidKeyRequestError('Invalid key format.', 'key');
    return this.writes.run(async () => {
      const existing = await this.repository.findByToken(toTokenHash(key));
      if (!existing) throw new KeyNotFoundError();
      await this.assertMayModify(caller, existing, blocked ? 'block' : 'unblock');
      if (!blocked && existing.blocked && caller.kind !== 'admin') throw new KeyAccessDeniedError('Only a proxy admin can unblock a key.', 'key');
      const changes: VirtualKeyChanges = { blocked, updatedBy: auth?.userId ?? null };
      const saved = await this.repository.update(existing.token, changes);
      if (!saved) throw new KeyNotFoundError();
      const row = await this.afterWrite(saved, changes);
      const action = blocked ? 'blocked' : 'unblocked';
      await this.audit.record({ table: KEY_TABLE, objectId: saved.token, action, before: await this.row(existing), after: row });
      this.cache.put(toRecord(saved));
      this.announce([saved.token]);
      return row;
    });
  }

  private async resolve(token: string): Promise<VirtualKeyRecord | null> {
    const now = Date.now();
    const cached = this.cache.get(token);
    if (cached) return cached;
    const grace = this.cache.grace(token);
    if (grace) {
      if (grace.revokeAt.getTime() > now) return this.resolve(grace.activeToken);
      this.cache.dropGrace(token);
      this.cache.rememberMiss(token, now);
      return null;
    }
    if (this.cache.isKnownMiss(token, now)) return null;
    let load = this.loading.get(token);
    if (!load) {
      const started = this.load(token);
      load = started.finally(() => {
        if (this.loading.get(token) === load) this.loading.delete(token);
      });
      this.loading.set(token, load);
    }
    return load;
  }

  /** Reads a key (or a rotated-out hash) from the database; caches the answer unless a mutation raced the read. */
  private async load(token: string, attempt = 0): Promise<VirtualKeyRecord | null> {
    const epoch = this.cache.epoch;
    let entity: VirtualKeyEntity | null;
    let grace: DeprecatedKey | null;
    try {
      entity = await this.repository.findByToken(token);
      grace = entity ? null : await this.repository.findDeprecated(token);
    } catch (error) {
      if (this.cache.missHeldThroughOutage(token, error, Date.now())) return null;
      throw error;
    }
    if (this.cache.epoch !== epoch && attempt < STALE_READ_RETRIES) return this.load(token, attempt + 1);
    const cacheable = this.cache.epoch === epoch;
    const now = Date.now();
    if (entity) return cacheable ? this.adopt(entity, epoch) : toRecord(entity);
    if (grace && grace.revokeAt.getTime() > now) {
      if (cacheable) this.cache.adoptGrace(token, grace);
      return this.resolve(grace.activeToken);
    }
    if (cacheable) this.cache.rememberMiss(token, now);
    return null;
  }

  /** The cached record for a row just read, caching it when no mutation happened since `epoch`. */
  private adopt(entity: VirtualKeyEntity, epoch: number): VirtualKeyRecord {
    const cached = this.cache.get(entity.token);
    if (cached) return cached;
    const record = toRecord(entity);
    if (this.cache.epoch === epoch) this.cache.adopt(record);
    return record;
  }

  /** A key's live spend in its current budget window. */
  private async spendOf(key: VirtualKeyRecord): Promise<number> {
    return (await this.liveSpend.one(SpendSubject.key(key.id), windowOf(key.budgetDuration))).spend;
  }

  /** The key as the API shows it, with the spend and budget window every budget check sees. */
  private async row(entity: VirtualKeyEntity): Promise<KeyRowDto> {
    return (await this.rows([entity]))[0];
  }

  private async rows(entities: readonly VirtualKeyEntity[]): Promise<KeyRowDto[]> {
    const live = await this.liveSpend.of(entities.map((entity) => ({ account: SpendSubject.key(entity.keyId), windowMs: windowOf(entity.budgetDuration) })));
    return entities.map((entity, i) => toRow(entity, live[i].spend, live[i].resetAt === null ? null : new Date(live[i].resetAt)));
  }

  /**
   * The row after a write. An admin's explicit spend, or a new budget window, replaces what the counter store
   * holds for the key; everything else leaves its live spend alone.
   */
  private async afterWrite(saved: VirtualKeyEntity, changes: VirtualKeyChanges): Promise<KeyRowDto> {
    if (changes.spend !== undefined || changes.budgetResetAt !== undefined) {
      const current = changes.spend === undefined ? (await this.row(saved)).spend : saved.spend;
      await this.liveSpend.reset(SpendSubject.key(saved.keyId), current, saved.budgetResetAt);
    }
    return this.row(saved);
  }

  /**
   * Tells the other instances once the change is committed (an admin request runs in one transaction): told
   * earlier, one could read the old row again and keep it.
   */
  private announce(tokens: readonly string[]): void {
    const bus = this.bus;
    if (!bus || tokens.length === 0) return;
    const publish = (): void => bus.publish(InvalidationTopic.keys, { tokens });
    if (this.db) this.db.afterCommit(publish);
    else publish();
  }

  private evict(token: string): void {
    this.cache.evict(token);
    this.loading.delete(token);
  }

  private forget(token: string, now: number): void {
    this.cache.remove(token, now);
    this.loading.delete(token);
  }

  /**
   * The owner's keys only, and for a non-admin only keys that grant no more than the caller's own: a restricted
   * key must not rotate (and so obtain the secret of), block, unblock, change or delete a wider key of the same
   * user. The target is compared by what it has left to spend, as the caller's own key is.
   * @throws KeyAccessDeniedError (403) naming the first dimension the target exceeds.
   */
  private async assertMayModify(caller: KeyCaller, target: VirtualKeyEntity, operation: KeyOperation): Promise<void> {
    if (!canModify(caller, target)) throw new KeyAccessDeniedError(`You are not authorized to ${operation} this key`, 'key');
    if (caller.kind !== 'key' || target.token === caller.key.token) return;
    try {
      const record = toRecord(target);
      assertWithinGrant({ ...caller.key, spend: await this.spendOf(caller.key) }, remainingGrantOf(record, await this.spendOf(record)), null);
    } catch (error) {
      if (!(error instanceof KeyAccessDeniedError)) throw error;
      throw new KeyAccessDeniedError(`You are not authorized to ${operation} a key that grants more than your own. ${error.message}`, error.param);
    }
  }

  /** What only an admin may change, and the "never grant more than you hold" rule for everyone else. */
  private async assertChangeAllowed(caller: KeyCaller, existing: VirtualKeyEntity, changes: VirtualKeyChanges): Promise<void> {
    if (caller.kind !== 'key') return;
    if (changes.userId !== undefined && changes.userId !== existing.userId) {
      throw new KeyAccessDeniedError(`User=${caller.userId} is not allowed to update key=${existing.keyName} to belong to user=${changes.userId}`, 'user_id');
    }
    if (changes.spend !== undefined) throw new KeyAccessDeniedError('Only a proxy admin can set the spend of a key.', 'spend');
    if (changes.blocked === false && existing.blocked) throw new KeyAccessDeniedError('Only a proxy admin can unblock a key.', 'blocked');
    const before = toRecord(existing);
    const after = toRecord({ ...existing, ...changes });
    assertWithinGrant({ ...caller.key, spend: await this.spendOf(caller.key) }, grantOf(after), grantOf(before));
  }

  private async assertAliasFree(alias: string | null | undefined, ownToken: string | null): Promise<void> {
    if (!alias) return;
    const holder = await this.repository.findByAlias(alias);
    if (holder && holder.token !== ownToken) throw new KeyAliasTakenError(alias);
  }

  private pruneRotatedOut(): void {
    this.writes
      .run(() => this.repository.pruneDeprecated(new Date()))
      .catch((error: unknown) => {
        this.logger.warn(`could not prune expired rotation grace entries (${errorName(error)})`);
      });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Fields some LiteLLM version accepts that Tollgate does not implement: refused instead of silently ignored. */
function rejectUnsupported(body: KeyParamsDto): void {
  if (body.auto_rotate === true) throw new KeyFieldNotSupportedError('auto_rotate');
  if (body.rotation_interval !== undefined && body.rotation_interval !== null) throw new KeyFieldNotSupportedError('rotation_interval');
  if (body.organization_id !== undefined && body.organization_id !== null) throw new KeyFieldNotSupportedError('organization_id', 'is not supported yet (no organizations)');
}

function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

/**
 * Checks what class-validator cannot: durations, signs, the value types inside maps.
 * @throws InvalidKeyRequestError
 */
function validateFields(fields: KeyParamsDto & { temp_budget_increase?: number | null; temp_budget_expiry?: string | null }): void {
  for (const field of ['max_budget', 'soft_budget', 'spend', 'temp_budget_increase'] as const) {
    const value = fields[field];
    if (isSet(value) && value < 0) throw new InvalidKeyRequestError(`${field} cannot be negative. Received: ${value}`, field);
  }
  if (isSet(fields.duration) && fields.duration !== '-1' && parseDuration(fields.duration) === undefined) {
    throw new InvalidKeyRequestError(`Invalid duration '${fields.duration}'. Use a number followed by s, m, h, d, w or mo, e.g. 30d.`, 'duration');
  }
  if (isSet(fields.budget_duration) && parseDuration(fields.budget_duration) === undefined) {
    throw new InvalidKeyRequestError(`Invalid budget_duration '${fields.budget_duration}'. Use a number followed by s, m, h, d, w or mo, e.g. 30d.`, 'budget_duration');
  }
  if (isSet(fields.aliases) && !Object.values(fields.aliases).every((target) => typeof target === 'string')) {
    throw new InvalidKeyRequestError('aliases must map requested model names to model names (strings).', 'aliases');
  }
  for (const field of ['model_rpm_limit', 'model_tpm_limit'] as const) {
    const limits = fields[field];
    if (isSet(limits) && !Object.values(limits).every((limit) => typeof limit === 'number' && Number.isInteger(limit) && limit >= 0)) {
      throw new InvalidKeyRequestError(`${field} must map model names to non-negative integers.`, field);
    }
  }
  const increase = fields.temp_budget_increase;
  const expiry = fields.temp_budget_expiry;
  if (isSet(increase) !== isSet(expiry)) throw new InvalidKeyRequestError('temp_budget_increase and temp_budget_expiry must be set together', 'temp_budget_increase');
  if (isSet(expiry) && Number.isNaN(Date.parse(expiry))) throw new InvalidKeyRequestError(`Invalid temp_budget_expiry '${expiry}'. Use an ISO 8601 date.`, 'temp_budget_expiry');
}

/** LiteLLM keeps these request fields inside `metadata`; the record surfaces them again. */
function withMetadataFields(base: Record<string, unknown>, fields: KeyParamsDto): Record<string, unknown> {
  const metadata = { ...base };
  for (const name of METADATA_FIELDS) if (isSet(fields[name])) metadata[name] = fields[name];
  return metadata;
}

function expiresFrom(duration: string, now: Date): Date | null {
  return duration === '-1' ? null : (addDuration(now, duration) ?? null);
}

function newEntity(key: string, fields: GenerateKeyDto, now: Date, actor: string | null): NewVirtualKey {
  return {
    token: hashKey(key),
    keyName: abbreviateKey(key),
    keyAlias: fields.key_alias ?? null,
    userId: fields.user_id ?? null,
    teamId: fields.team_id ?? null,
    models: fields.models ?? [],
    aliases: fields.aliases ?? {},
    config: fields.config ?? {},
    spend: fields.spend ?? 0,
    maxBudget: fields.max_budget ?? null,
    softBudget: fields.soft_budget ?? null,
    budgetDuration: fields.budget_duration ?? null,
    budgetResetAt: fields.budget_duration ? (addDuration(now, fields.budget_duration) ?? null) : null,
    tpmLimit: fields.tpm_limit ?? null,
    rpmLimit: fields.rpm_limit ?? null,
    maxParallelRequests: fields.max_parallel_requests ?? null,
    modelMaxBudget: fields.model_max_budget ?? {},
    modelSpend: {},
    metadata: withMetadataFields(fields.metadata ?? {}, fields),
    permissions: fields.permissions ?? {},
    allowedCacheControls: fields.allowed_cache_controls ?? [],
    allowedRoutes: fields.allowed_routes ?? [],
    blocked: fields.blocked ?? false,
    expires: fields.duration ? expiresFrom(fields.duration, now) : null,
    budgetId: fields.budget_id ?? null,
    createdBy: actor,
    updatedBy: actor,
  };
}

/** The columns an update or regeneration writes: only what the request sets (null = not set). */
function changesFrom(
  body: KeyParamsDto & { temp_budget_increase?: number | null; temp_budget_expiry?: string | null },
  existing: VirtualKeyEntity,
  now: Date,
  actor: string | null,
  aliasIdentifiesKey: boolean,
): VirtualKeyChanges {
  const changes: VirtualKeyChanges = { updatedBy: actor };
  const copy = <K extends keyof VirtualKeyChanges>(property: K, value: VirtualKeyChanges[K] | null | undefined): void => {
    if (isSet(value)) changes[property] = value;
  };
  if (!aliasIdentifiesKey) copy('keyAlias', body.key_alias);
  copy('userId', body.user_id);
  copy('teamId', body.team_id);
  copy('models', body.models);
  copy('aliases', body.aliases);
  copy('config', body.config);
  copy('spend', body.spend);
  copy('maxBudget', body.max_budget);
  copy('softBudget', body.soft_budget);
  copy('budgetId', body.budget_id);
  copy('maxParallelRequests', body.max_parallel_requests);
  copy('tpmLimit', body.tpm_limit);
  copy('rpmLimit', body.rpm_limit);
  copy('modelMaxBudget', body.model_max_budget);
  copy('permissions', body.permissions);
  copy('allowedCacheControls', body.allowed_cache_controls);
  copy('allowedRoutes', body.allowed_routes);
  copy('blocked', body.blocked);
  if (isSet(body.duration)) changes.expires = expiresFrom(body.duration, now);
  if (isSet(body.budget_duration)) {
    changes.budgetDuration = body.budget_duration;
    changes.budgetResetAt = addDuration(now, body.budget_duration) ?? null;
  }
  const touchesMetadata = isSet(body.metadata) || METADATA_FIELDS.some((name) => isSet(body[name])) || isSet(body.temp_budget_increase);
  if (touchesMetadata) {
    // A metadata object replaces the stored one wholesale (an empty object clears it), as in LiteLLM.
    const metadata = withMetadataFields(body.metadata ?? existing.metadata, body);
    if (isSet(body.temp_budget_increase) && isSet(body.temp_budget_expiry)) {
      metadata.temp_budget_increase = body.temp_budget_increase;
      metadata.temp_budget_expiry = new Date(body.temp_budget_expiry).toISOString();
    }
    changes.metadata = metadata;
  }
  return changes;
}

/** `grace_period` as "24h", a digit string or a number of seconds; unset, empty or 0 = none. */
function graceMillis(value: string | number | null | undefined): number {
  if (value === undefined || value === null || value === '') return 0;
  const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
  if (ms === undefined) throw new InvalidKeyRequestError(`Invalid grace_period '${String(value)}'. Use e.g. "24h", "2d" or a number of seconds.`, 'grace_period');
  return ms;
}

function generateResponse(row: KeyRowDto, key: string, saved: VirtualKeyEntity): GenerateKeyResponseDto {
  const metadata = saved.metadata;
  const echo = <T>(name: string): T | null => (metadata[name] as T | undefined) ?? null;
  return {
    ...row,
    key,
    token_id: saved.token,
    model_rpm_limit: echo<Record<string, unknown>>('model_rpm_limit'),
    model_tpm_limit: echo<Record<string, unknown>>('model_tpm_limit'),
    guardrails: echo<string[]>('guardrails'),
    tags: echo<string[]>('tags'),
    enforced_params: echo<string[]>('enforced_params'),
  };
}

const KEY_TABLE = 'LiteLLM_VerificationToken';

function windowOf(duration: string | null): number | null {
  return duration ? (parseDuration(duration) ?? null) : null;
}
