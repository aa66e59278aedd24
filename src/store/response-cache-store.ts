import type { RedisConnection } from './redis/redis-connection';

/**
 * Where cached LLM replies live: this instance's memory (`cache_params.type: local`) or Redis, where every
 * instance reads what any of them stored. A cache is an optimisation: a store that cannot be reached answers
 * "miss" and drops writes, it never fails a call.
 */
export interface ResponseCacheStore {
  readonly kind: 'local' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

export const RESPONSE_CACHE_STORE = Symbol('RESPONSE_CACHE_STORE');

/** LRU-bounded, entries expire on read. */
export class LocalResponseCacheStore implements ResponseCacheStore {
  readonly kind = 'local' as const;
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}

/** Plain GET / SET PX; keys carry no hash tag, so on Redis Cluster the cache spreads over every shard. */
export class RedisResponseCacheStore implements ResponseCacheStore {
  readonly kind = 'redis' as const;

  constructor(
    private readonly connection: RedisConnection,
    private readonly keyPrefix: string,
    /** Closed here only when the cache has a server of its own (cache_params), not the shared-state one. */
    private readonly ownsConnection: boolean,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      const value = await this.connection.call(() => this.connection.client.get(`${this.keyPrefix}cache:${key}`));
      return value ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.connection.call(() => this.connection.client.set(`${this.keyPrefix}cache:${key}`, value, 'PX', Math.max(1, Math.round(ttlMs)))).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }
}
