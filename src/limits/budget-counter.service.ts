import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parseDuration } from '../common/duration';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { SpendLedgerService } from '../spend/spend-ledger.service';
import { SpendSubject } from '../spend/spend-subjects';

/** LiteLLM tracks the global proxy budget on this special user id; reports and dashboards look for it. */
export const PROXY_BUDGET_ENTITY = { type: 'user', id: 'litellm-proxy-budget' } as const;

/**
 * The global proxy budget (`litellm_settings.max_budget` over `budget_duration`): committed spend read from
 * memory on the hot path and grown at settlement so the very next call sees it. The database row is the
 * spend ledger's global counter; this service only writes its budget resets.
 */
@Injectable()
export class BudgetCounterService implements OnModuleInit {
  private readonly logger = new Logger('Budgets');
  private readonly budgetDurationMs?: number;
  private spend = 0;
  private resetAt: Date | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly ledger: SpendLedgerService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const duration = config.litellm_settings.budget_duration;
    this.budgetDurationMs = duration ? parseDuration(duration) : undefined;
  }

  async onModuleInit(): Promise<void> {
    const [row]: { spend: string | number; budget_reset_at: Date | null }[] = await this.dataSource.query(
      'SELECT spend, budget_reset_at FROM tollgate_budget_counters WHERE entity_type = $1 AND entity_id = $2',
      [PROXY_BUDGET_ENTITY.type, PROXY_BUDGET_ENTITY.id],
    );
    this.spend = Number(row?.spend ?? 0) + this.ledger.pendingSpend(SpendSubject.global);
    this.resetAt = row?.budget_reset_at ?? null;
    if (this.budgetDurationMs !== undefined && this.resetAt === null) {
      // The first window opens now; the row must carry its end, or a restart would never reset it.
      this.resetAt = this.nextReset();
      await this.writeReset(false);
    }
  }

  /** Committed spend of the global proxy budget, reset when its `budget_duration` has passed. */
  proxySpend(): number {
    this.resetIfDue();
    return this.spend;
  }

  recordProxySpend(cost: number): void {
    if (!(cost > 0)) return;
    this.resetIfDue();
    this.spend += cost;
  }

  private resetIfDue(): void {
    if (!this.resetAt || this.resetAt.getTime() > Date.now()) return;
    // Calls settled before the reset but not committed yet land on the reset row: count them in both places.
    this.spend = this.ledger.pendingSpend(SpendSubject.global);
    this.resetAt = this.nextReset();
    void this.writeReset(true);
  }

  private nextReset(): Date | null {
    return this.budgetDurationMs ? new Date(Date.now() + this.budgetDurationMs) : null;
  }

  private async writeReset(zeroSpend: boolean): Promise<void> {
    try {
      await this.dataSource.query(
        zeroSpend
          ? `INSERT INTO tollgate_budget_counters (entity_type, entity_id, spend, budget_reset_at) VALUES ($1, $2, 0, $3)
             ON CONFLICT (entity_type, entity_id) DO UPDATE SET spend = 0, budget_reset_at = EXCLUDED.budget_reset_at, updated_at = now()`
          : `INSERT INTO tollgate_budget_counters (entity_type, entity_id, spend, budget_reset_at) VALUES ($1, $2, 0, $3)
             ON CONFLICT (entity_type, entity_id) DO UPDATE SET budget_reset_at = EXCLUDED.budget_reset_at, updated_at = now()`,
        [PROXY_BUDGET_ENTITY.type, PROXY_BUDGET_ENTITY.id, this.resetAt],
      );
    } catch (error) {
      // The next boot reads the old window end and resets then; nothing is lost but the reset's timing.
      this.logger.warn(`could not write the proxy budget reset (${error instanceof Error ? error.name : typeof error})`);
    }
  }
}
