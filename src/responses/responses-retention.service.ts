import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RecurringJob } from '../common/recurring-job';
import { ResponsesRepository } from './responses.repository';

const INTERVAL_MS = 60 * 60 * 1000;
const JOB_NAME = 'responses-retention';

/**
 * Deletes stored responses past their `expires_at` (`general_settings.responses_retention_period`, 30 days by
 * default), hourly and in small batches. Reads already ignore expired rows; this only frees the space.
 */
@Injectable()
export class ResponsesRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ResponsesRetention');
  private readonly job: RecurringJob<number>;

  constructor(
    private readonly store: ResponsesRepository,
    scheduler: SchedulerRegistry,
  ) {
    this.job = new RecurringJob(scheduler, JOB_NAME, INTERVAL_MS, 0, (now) => this.prune(now));
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** @returns responses deleted. */
  runOnce(now = new Date()): Promise<number> {
    return this.job.runOnce(now);
  }

  private async prune(now: Date): Promise<number> {
    try {
      const deleted = await this.store.deleteExpired(now);
      if (deleted > 0) this.logger.log(`deleted ${deleted} expired stored response(s)`);
      return deleted;
    } catch (error) {
      this.logger.warn(`stored responses retention did not run (${error instanceof Error ? error.name : typeof error}); it retries at the next interval`);
      return 0;
    }
  }
}
