import { Inject, Logger, Module, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { OpenedResources } from '../common/opened-resources';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { RedisSettings, TollgateConfig } from '../config/config.types';
import { BudgetBook } from './budget-book';
import { COUNTER_STORE, IN_PROCESS_HEALTH, STORE_CLOCK, STORE_HEALTH, systemClock, type Clock, type CounterStore, type StoreHealth } from './counter-store';
import { InMemoryCounterStore } from './in-memory-counter-store';
import { INVALIDATION_BUS, LocalInvalidationBus, type InvalidationBus } from './invalidation-bus';
import { PostgresInvalidationBus } from './postgres-invalidation-bus';
import { RedisConnection } from './redis/redis-connection';
import { RedisCounterStore } from './redis/redis-counter-store';
import { RedisInvalidationBus } from './redis/redis-invalidation-bus';
import { LocalResponseCacheStore, RedisResponseCacheStore, RESPONSE_CACHE_STORE, type ResponseCacheStore } from './response-cache-store';
import { SHARED_REDIS, STORE_SETTINGS, type StoreSettings } from './store.tokens';

/** A boot waits this long for Redis; without it the gateway starts anyway, not ready, and connects when it can. */
const REDIS_BOOT_WAIT_MS = 3_000;

const logger = new Logger('SharedState');

async function openSharedRedis(config: TollgateConfig, opened: OpenedResources | null): Promise<RedisConnection | null> {
  const settings = config.sharedState.redis;
  if (!settings) return null;
  const connection = new RedisConnection(settings, { commandTimeoutMs: config.sharedState.commandTimeoutMs, label: 'shared state' });
  // A boot that fails elsewhere must not leave a client reconnecting forever (the process would never exit).
  if (opened) await opened.track(Promise.resolve(connection), (c) => c.close());
  const ready = await connection.waitUntilReady(REDIS_BOOT_WAIT_MS);
  const mode = config.sharedState.failureMode === 'fail_open' ? 'admitted unchecked (redis_failure_mode: fail_open)' : 'refused (fail_closed)';
  logger.log(
    `limits, budgets, router state and cache invalidation are shared through Redis at ${connection.description} (from ${settings.source}); ` +
      `while it is unreachable governed calls are ${mode}`,
  );
  if (!ready) logger.error(`Redis at ${connection.description} is not reachable yet: this instance is not ready until it is`);
  return connection;
}

function sameServer(a: RedisSettings, b: RedisSettings): boolean {
  const { source: _a, ...left } = a;
  const { source: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
}

/**
 * The state every instance must see the same: counters (budgets, reservations, rate windows, slots, router state),
 * cache invalidation and the response cache. With Redis configured they live there; without it, in this
 * process (one instance), with invalidations over PostgreSQL LISTEN/NOTIFY when the database is a server.
 */
@Module({
  providers: [
    { provide: STORE_CLOCK, useValue: systemClock },
    {
      provide: STORE_SETTINGS,
      useFactory: (config: TollgateConfig): StoreSettings => ({ leaseMs: config.sharedState.leaseMs, failureMode: config.sharedState.failureMode }),
      inject: [TOLLGATE_CONFIG],
    },
    {
      provide: SHARED_REDIS,
      useFactory: openSharedRedis,
      inject: [TOLLGATE_CONFIG, { token: OpenedResources, optional: true }],
    },
    {
      provide: STORE_HEALTH,
      useFactory: (redis: RedisConnection | null): StoreHealth => redis ?? IN_PROCESS_HEALTH,
      inject: [SHARED_REDIS],
    },
    {
      provide: COUNTER_STORE,
      useFactory: (clock: Clock, redis: RedisConnection | null, config: TollgateConfig): CounterStore =>
        redis ? new RedisCounterStore(redis, clock, { keyPrefix: config.sharedState.keyPrefix }) : new InMemoryCounterStore(clock),
      inject: [STORE_CLOCK, SHARED_REDIS, TOLLGATE_CONFIG],
    },
    {
      provide: INVALIDATION_BUS,
      useFactory: async (redis: RedisConnection | null, config: TollgateConfig, opened: OpenedResources | null): Promise<InvalidationBus> => {
        if (redis) {
          const bus = new RedisInvalidationBus(redis, config.sharedState.keyPrefix);
          // A boot that fails later must not leave the subscriber connection keeping the process alive.
          if (opened) await opened.track(Promise.resolve(bus), (b) => b.close());
          await bus.start(REDIS_BOOT_WAIT_MS);
          return bus;
        }
        if (config.databaseUrl) {
          const bus = new PostgresInvalidationBus(config.databaseUrl);
          if (opened) await opened.track(Promise.resolve(bus), (b) => b.close());
          await bus.start();
          return bus;
        }
        return new LocalInvalidationBus();
      },
      inject: [SHARED_REDIS, TOLLGATE_CONFIG, { token: OpenedResources, optional: true }],
    },
    {
      provide: RESPONSE_CACHE_STORE,
      useFactory: async (redis: RedisConnection | null, config: TollgateConfig, opened: OpenedResources | null): Promise<ResponseCacheStore | null> => {
        const cache = config.responseCache;
        if (!cache) return null;
        if (cache.type === 'local' || !cache.redis) return new LocalResponseCacheStore(cache.maxEntries);
        if (redis && config.sharedState.redis && sameServer(cache.redis, config.sharedState.redis)) return new RedisResponseCacheStore(redis, config.sharedState.keyPrefix, false);
        const own = new RedisConnection(cache.redis, { commandTimeoutMs: config.sharedState.commandTimeoutMs, label: 'response cache' });
        if (opened) await opened.track(Promise.resolve(own), (c) => c.close());
        await own.waitUntilReady(REDIS_BOOT_WAIT_MS);
        return new RedisResponseCacheStore(own, config.sharedState.keyPrefix, true);
      },
      inject: [SHARED_REDIS, TOLLGATE_CONFIG, { token: OpenedResources, optional: true }],
    },
    BudgetBook,
  ],
  exports: [COUNTER_STORE, STORE_CLOCK, STORE_HEALTH, STORE_SETTINGS, INVALIDATION_BUS, RESPONSE_CACHE_STORE, BudgetBook],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(COUNTER_STORE) private readonly store: CounterStore,
    @Inject(INVALIDATION_BUS) private readonly bus: InvalidationBus,
    @Inject(RESPONSE_CACHE_STORE) private readonly cache: ResponseCacheStore | null,
    @Optional() @Inject(SHARED_REDIS) private readonly redis: RedisConnection | null,
  ) {}

  /** After the HTTP server drained: settlements still waiting for Redis get their last chance, then connections close. */
  async onApplicationShutdown(): Promise<void> {
    if (this.store instanceof InMemoryCounterStore) this.store.close();
    else if (this.store instanceof RedisCounterStore) await this.store.close();
    await this.bus.close();
    await this.cache?.close();
    await this.redis?.close();
  }
}
