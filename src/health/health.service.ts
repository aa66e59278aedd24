import { Inject, Injectable, Logger } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { RedisFailureMode, TollgateConfig } from '../config/config.types';
import { DatabaseService } from '../database/database.service';
import { InstancePresence } from '../database/instance-presence.service';
import { STORE_HEALTH, type StoreHealth } from '../store/counter-store';

export interface ReadinessReport {
  status: 'healthy' | 'unhealthy';
  db: 'connected' | 'disconnected';
  db_engine: 'embedded' | 'server';
  /** The response cache's type (`redis`, `local`), null when `litellm_settings.cache` is off; LiteLLM's field. */
  cache: 'redis' | 'local' | null;
  /** Where limits, budgets and router state are counted: `memory` (this instance only) or `redis` (shared). */
  shared_store: 'memory' | 'redis';
  /** The shared-state Redis: null without one. */
  redis: 'connected' | 'disconnected' | null;
  redis_failure_mode: RedisFailureMode | null;
  /** Other instances alive on the same database (a server database; 0 on the embedded one). */
  other_instances: number;
  litellm_version: string;
  tollgate_version: string;
  instance_id: string;
  details: Record<string, unknown>;
}

/**
 * LiteLLM's `/health/readiness/details` (authenticated diagnostics): the readiness fields plus the callbacks in force
 * and the log level, under LiteLLM's names, then Tollgate's own.
 */
export interface ReadinessDetails extends ReadinessReport {
  success_callbacks: string[];
  use_aiohttp_transport: boolean;
  log_level: string;
  is_detailed_debug: boolean;
}

const DB_CHECK_TIMEOUT_MS = 3000;

/**
 * LiteLLM's readiness fields (`status`, `db`, `cache`, `litellm_version`) from terminus checks, and the shared
 * store's state: with Redis unreachable and `redis_failure_mode: fail_closed` (the default) this instance cannot
 * admit a governed call, so it is not ready; with fail_open it is, and says Redis is disconnected.
 */
@Injectable()
export class HealthService {
  private readonly successCallbacks: string[];
  private readonly cacheType: 'redis' | 'local' | null;
  private readonly failureMode: RedisFailureMode;

  constructor(
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseService,
    @Inject(STORE_HEALTH) private readonly store: StoreHealth,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly presence: InstancePresence,
  ) {
    this.cacheType = config.responseCache?.type ?? null;
    this.failureMode = config.sharedState.failureMode;
    const settings = config.litellm_settings;
    const names = [...(settings.success_callback ?? []), ...(settings.callbacks ?? [])].filter((name): name is string => typeof name === 'string');
    this.successCallbacks = [...new Set(names)];
  }

  /** The readiness report with LiteLLM's diagnostic fields; same status and 503 rule. */
  async readinessDetails(): Promise<ReadinessDetails> {
    const report = await this.readiness();
    const debug = Logger.isLevelEnabled('debug');
    return {
      ...report,
      success_callbacks: this.successCallbacks,
      // LiteLLM reports whether its aiohttp transport is on; Tollgate's upstream client is always undici.
      use_aiohttp_transport: false,
      log_level: debug ? 'DEBUG' : Logger.isLevelEnabled('log') ? 'INFO' : Logger.isLevelEnabled('warn') ? 'WARNING' : 'ERROR',
      is_detailed_debug: debug,
    };
  }

  async readiness(): Promise<ReadinessReport> {
    let healthy = true;
    let details: Record<string, unknown>;
    try {
      const result = await this.checks.check([() => this.databaseIndicator()]);
      details = result.details;
    } catch (error) {
      healthy = false;
      details = (error as { response?: { details?: Record<string, unknown> } }).response?.details ?? {};
    }
    const dbUp = healthy;
    const redis = this.store.kind === 'redis' ? (this.store.healthy ? 'connected' : 'disconnected') : null;
    if (redis === 'disconnected') {
      details = { ...details, redis: { status: 'down', failure_mode: this.failureMode } };
      if (this.failureMode === 'fail_closed') healthy = false;
    }
    return {
      status: healthy ? 'healthy' : 'unhealthy',
      db: dbUp ? 'connected' : 'disconnected',
      db_engine: this.database.kind,
      cache: this.cacheType,
      shared_store: this.store.kind,
      redis,
      redis_failure_mode: redis === null ? null : this.failureMode,
      other_instances: this.presence.otherInstances.length,
      litellm_version: TOLLGATE_VERSION,
      tollgate_version: TOLLGATE_VERSION,
      instance_id: this.database.instanceId,
      details,
    };
  }

  private async databaseIndicator() {
    const indicator = this.indicators.check('database');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.database.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), DB_CHECK_TIMEOUT_MS);
        }),
      ]);
      return indicator.up({ engine: this.database.kind });
    } catch (error) {
      // The driver's message may name hosts or users; the probe only says that it failed.
      return indicator.down({ engine: this.database.kind, message: error instanceof Error && error.message === 'timeout' ? 'timeout' : 'unreachable' });
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
