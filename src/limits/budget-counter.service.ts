import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parseDuration } from '../common/duration';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';

/** LiteLLM tracks the global proxy budget on this special user id; reports and dashboards look for it. */
export const PROXY_BUDGET_ENTITY = { type: 'user', id: 'litellm-proxy-budget' } as const;

interface Counter {
  spend: number;
  resetAt: Date | null;
  /** Spend not yet written. */
  pending: number;
  /** A budget reset not yet written; written by flush() in order with the increments. */
  resetDue: boolean;
  /** Bumped by every reset, so an increment written across a reset is not subtracted twice. */
  generation: number;
}

const FLUSH_INTERVAL_MS = 250;

/**
 * Committed spend of budget holders other than keys (the global proxy budget now; users, teams and end
 * users reuse it): read from memory on the hot path, updated in memory at settlement so the very next
 * call sees it, and persisted as batched increments that are retried until they land.
 */
@Injectable()
export class BudgetCounterService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Budgets');
  private readonly counters = new Map<string, Counter>();
  private readonly budgetDurationMs?: number;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const duration = config.litellm_settings.budget_duration;
    this.budgetDurationMs = duration ? parseDuration(duration) : undefined;
  }

  async onModuleInit(): Promise<void> {
    const rows: { entity_type: string; entity_id: string; spend: string | number; budget_reset_at: Date | null }[] = await this.dataSource.query(
      'SELECT entity_type, entity_id, spend, budget_reset_at FROM tollgate_budget_counters',
    );
    for (const row of rows) {
      this.counters.set(`${row.entity_type}:${row.entity_id}`, { spend: Number(row.spend), resetAt: row.budget_reset_at, pending: 0, resetDue: false, generation: 0 });
    }
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  /** Committed spend of the global proxy budget, reset when its `budget_duration` has passed. */
  proxySpend(): number {
    return this.counter(PROXY_BUDGET_ENTITY.type, PROXY_BUDGET_ENTITY.id).spend;
  }

  recordProxySpend(cost: number): void {
    if (!(cost > 0)) return;
    const counter = this.counter(PROXY_BUDGET_ENTITY.type, PROXY_BUDGET_ENTITY.id);
    counter.spend += cost;
    counter.pending += cost;
  }

  private counter(type: string, id: string): Counter {
    const key = `${type}:${id}`;
    let counter = this.counters.get(key);
    if (!counter) {
      counter = { spend: 0, resetAt: this.nextReset(), pending: 0, resetDue: false, generation: 0 };
      this.counters.set(key, counter);
    }
    if (counter.resetAt && counter.resetAt.getTime() <= Date.now()) {
      counter.spend = 0;
      counter.pending = 0;
      counter.resetDue = true;
      counter.generation++;
      counter.resetAt = this.nextReset();
    }
    return counter;
  }

  private nextReset(): Date | null {
    return this.budgetDurationMs ? new Date(Date.now() + this.budgetDurationMs) : null;
  }

  /**
   * Writes pending increments and resets, one counter at a time and never two flushes at once, so a reset
   * and the increments around it reach the database in the order they happened. An increment leaves
   * memory only once its statement committed.
   */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      for (const [key, counter] of this.counters) {
        if (counter.pending === 0 && !counter.resetDue) continue;
        const amount = counter.pending;
        const generation = counter.generation;
        const reset = counter.resetDue;
        const [type, id] = splitKey(key);
        try {
          await this.dataSource.query(
            reset
              ? `INSERT INTO tollgate_budget_counters (entity_type, entity_id, spend, budget_reset_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (entity_type, entity_id) DO UPDATE SET spend = EXCLUDED.spend, budget_reset_at = EXCLUDED.budget_reset_at, updated_at = now()`
              : `INSERT INTO tollgate_budget_counters (entity_type, entity_id, spend, budget_reset_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (entity_type, entity_id) DO UPDATE SET spend = tollgate_budget_counters.spend + EXCLUDED.spend, updated_at = now()`,
            [type, id, amount, counter.resetAt],
          );
          if (counter.generation === generation) {
            counter.pending -= amount;
            if (reset) counter.resetDue = false;
          }
        } catch (error) {
          this.logger.warn(`spend counter ${key} not persisted yet, will retry: ${(error as Error).name}`);
          return;
        }
      }
    })().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}

function splitKey(key: string): [string, string] {
  const colon = key.indexOf(':');
  return [key.slice(0, colon), key.slice(colon + 1)];
}
