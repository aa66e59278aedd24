import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';
import { parseDuration } from '../common/duration';
import { RecurringJob } from '../common/recurring-job';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { SpendPartitions } from './spend-partitions';

const DEFAULT_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Rows per DELETE: short statements, so the single embedded connection is never held for long. */
const DELETE_BATCH = 5_000;
/** Idempotency records outlive any journal replay by far. */
const APPLIED_RECORDS_KEPT_MS = 7 * 24 * 60 * 60 * 1000;
const JOB_NAME = 'spend-log-retention';

/**
 * `general_settings.maximum_spend_logs_retention_period`: a scheduled job drops the monthly partitions of spend rows
 * wholly older than the period, and deletes the older rows of the month it ends in, in small batches. Counters and
 * the per-day tag totals stay; only the per-call detail goes. The same job keeps the months ahead partitioned.
 */
@Injectable()
export class SpendRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SpendRetention');
  private readonly retentionMs?: number;
  private readonly job: RecurringJob<number>;
  private readonly partitions: SpendPartitions;

  constructor(
    private readonly dataSource: DataSource,
    scheduler: SchedulerRegistry,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const period = config.general_settings.maximum_spend_logs_retention_period;
    const interval = config.general_settings.maximum_spend_logs_retention_interval;
    this.retentionMs = period ? parseDuration(period) : undefined;
    const intervalMs = (interval ? parseDuration(interval) : undefined) ?? DEFAULT_INTERVAL_MS;
    this.job = new RecurringJob(scheduler, JOB_NAME, intervalMs, 0, (now) => this.prune(now));
    this.partitions = new SpendPartitions(dataSource);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before the first call is served: a month without its partition would send its rows to the default one.
    await this.partitions.ensure(new Date()).catch((error: unknown) => {
      this.logger.warn(`spend partitions were not checked at boot (${error instanceof Error ? error.name : typeof error}); the retention job tries again`);
    });
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Deletes what is older than the retention period. @returns rows of `tollgate_spend_logs` deleted. */
  runOnce(now = new Date()): Promise<number> {
    return this.job.runOnce(now);
  }

  private async prune(now: Date): Promise<number> {
    let deleted = 0;
    try {
      await this.deleteInBatches(
        `DELETE FROM "tollgate_spend_applied" WHERE "request_id" IN (SELECT "request_id" FROM "tollgate_spend_applied" WHERE "applied_at" < $1 LIMIT ${DELETE_BATCH})`,
        new Date(now.getTime() - Math.max(APPLIED_RECORDS_KEPT_MS, this.retentionMs ?? 0)),
      );
      await this.partitions.ensure(now);
      if (this.retentionMs === undefined) return 0;
      const cutoff = new Date(now.getTime() - this.retentionMs);
      // Whole months first (a DROP, no dead rows), then what is left of the month the cutoff falls in.
      deleted = await this.partitions.dropBefore(cutoff);
      deleted += await this.deleteInBatches(
        `DELETE FROM "tollgate_spend_logs" WHERE ("request_id", "start_time") IN (SELECT "request_id", "start_time" FROM "tollgate_spend_logs" WHERE "start_time" < $1 LIMIT ${DELETE_BATCH})`,
        cutoff,
      );
      if (deleted > 0) this.logger.log(`pruned ${deleted} spend row(s) older than ${cutoff.toISOString()}`);
    } catch (error) {
      this.logger.warn(`spend log retention did not run (${error instanceof Error ? error.name : typeof error}); it retries at the next interval`);
    }
    return deleted;
  }

  private async deleteInBatches(statement: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const result = (await this.dataSource.query(statement, [cutoff])) as [unknown, number] | unknown[];
      const count = affectedRows(result);
      total += count;
      if (count < DELETE_BATCH) return total;
    }
  }
}

/** TypeORM's postgres driver returns `[rows, affected]` for DELETE. */
function affectedRows(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
