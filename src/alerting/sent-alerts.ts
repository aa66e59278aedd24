import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RecurringJob } from '../common/recurring-job';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DatabaseService } from '../database/database.service';
import type { AlertKey } from './alert';

const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Rows of a window are kept this long after it ends (an instance may still be working on its last calls). */
const KEPT_AFTER_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Rows per DELETE: short statements, so the single embedded connection is never held for long. */
const DELETE_BATCH = 5_000;

/**
 * The alerts already sent (tollgate_sent_alerts). `claim` inserts the alert's key with `ON CONFLICT DO NOTHING`:
 * exactly one instance's insert takes, and only that instance sends, so each alert goes out once across them all.
 * A daily job deletes the rows of budget windows that ended more than a day ago.
 */
@Injectable()
export class SentAlerts implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Alerting');
  private readonly job: RecurringJob<number>;
  private readonly enabled: boolean;

  constructor(
    private readonly database: DatabaseService,
    scheduler: SchedulerRegistry,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.enabled = config.alerting?.enabled === true;
    this.job = new RecurringJob(scheduler, 'sent-alerts-retention', PRUNE_INTERVAL_MS, 0, (now) => this.prune(now));
  }

  onApplicationBootstrap(): void {
    if (this.enabled) this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** @returns true when this caller took the alert (and must send it), false when it was sent already. */
  async claim(key: AlertKey): Promise<boolean> {
    const rows: unknown[] = await this.database.dataSource.query(
      `INSERT INTO "tollgate_sent_alerts" ("alert_type", "subject", "threshold", "window_start", "window_end") VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING RETURNING 1`,
      [key.alertType, key.subject, key.threshold, key.windowStart, key.windowEnd],
    );
    return rows.length > 0;
  }

  /** Deletes the rows of windows that ended more than a day before `now`. @returns rows deleted. */
  runOnce(now = new Date()): Promise<number> {
    return this.job.runOnce(now);
  }

  private async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - KEPT_AFTER_WINDOW_MS);
    let deleted = 0;
    try {
      for (;;) {
        // TypeORM's postgres driver answers a DELETE with `[rows, affected]`.
        const [, affected] = (await this.database.dataSource.query(
          `DELETE FROM "tollgate_sent_alerts" WHERE ("alert_type", "subject", "threshold", "window_start") IN
            (SELECT "alert_type", "subject", "threshold", "window_start" FROM "tollgate_sent_alerts" WHERE "window_end" < $1 LIMIT ${DELETE_BATCH})`,
          [cutoff],
        )) as [unknown, number];
        deleted += affected;
        if (affected < DELETE_BATCH) break;
      }
    } catch (error) {
      this.logger.warn(`sent alerts retention did not run (${error instanceof Error ? error.name : typeof error}); it retries at the next interval`);
    }
    return deleted;
  }
}
