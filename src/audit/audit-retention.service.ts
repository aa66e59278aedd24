import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { parseDuration } from '../common/duration';
import { RecurringJob } from '../common/recurring-job';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { UnitOfWork } from '../database/unit-of-work';
import { SYSTEM_ACTOR } from './audit-actor';
import { GENESIS_HASH } from './audit-chain';
import { AUDIT_CHAIN_LOCK_ID, AUDIT_LOG_TABLE, AuditLogService } from './audit-log.service';

const DEFAULT_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** Rows per transaction: each batch holds the chain lock only briefly, so audited changes are never held up long. */
export const PRUNE_BATCH = 1000;
const JOB_NAME = 'audit-log-retention';

/**
 * `litellm_settings.audit_log_retention_period`: deletes audit rows older than the period, oldest first, in
 * batches. Each batch moves the chain's anchor to the last row it deleted and attests the move in a `pruned`
 * row of its own, in the same transaction, so verification still starts from a known hash.
 */
@Injectable()
export class AuditRetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private readonly retentionMs?: number;
  private readonly period?: string;
  private readonly job: RecurringJob<number>;

  constructor(
    private readonly db: UnitOfWork,
    private readonly audit: AuditLogService,
    scheduler: SchedulerRegistry,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.period = config.litellm_settings.audit_log_retention_period;
    this.retentionMs = this.period ? parseDuration(this.period) : undefined;
    const interval = config.litellm_settings.audit_log_retention_interval;
    const intervalMs = (interval ? parseDuration(interval) : undefined) ?? DEFAULT_INTERVAL_MS;
    this.job = new RecurringJob(scheduler, JOB_NAME, intervalMs, 0, (now) => this.prune(now));
  }

  onApplicationBootstrap(): void {
    if (this.audit.enabled && this.retentionMs) this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Prunes what is older than the period at `now`. @returns audit rows deleted. */
  runOnce(now = new Date()): Promise<number> {
    if (!this.audit.enabled || !this.retentionMs) return Promise.resolve(0);
    return this.job.runOnce(now);
  }

  private async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - (this.retentionMs ?? 0));
    let total = 0;
    try {
      for (;;) {
        const deleted = await this.db.run(() => this.pruneBatch(cutoff));
        total += deleted;
        if (deleted < PRUNE_BATCH || this.job.isStopped) break;
      }
    } catch (error) {
      this.logger.error(`audit retention stopped after ${total} rows: ${error instanceof Error ? error.name : typeof error}`);
    }
    if (total > 0) this.logger.log(`pruned ${total} audit rows older than ${cutoff.toISOString()}`);
    return total;
  }

  private async pruneBatch(cutoff: Date): Promise<number> {
    await this.db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_ID]);
    const anchor = (await this.audit.anchor()) ?? { seq: 0, hash: GENESIS_HASH };
    const rows = await this.db.query<{ seq: string; row_hash: string; updated_at: Date }[]>(
      `SELECT "seq", "row_hash", "updated_at" FROM "tollgate_audit_log" WHERE "seq" > $1 ORDER BY "seq" LIMIT ${PRUNE_BATCH}`,
      [anchor.seq],
    );
    // Only a prefix of the chain goes, so the rows kept still chain to the anchor without a gap.
    let count = 0;
    while (count < rows.length && rows[count].updated_at < cutoff) count++;
    if (count === 0) return 0;
    const last = rows[count - 1];
    const throughSeq = Number(last.seq);
    await this.db.query(`DELETE FROM "tollgate_audit_log" WHERE "seq" <= $1`, [throughSeq]);
    await this.db.query(
      `INSERT INTO "tollgate_audit_anchor" ("id", "seq", "row_hash") VALUES (1, $1, $2)
       ON CONFLICT ("id") DO UPDATE SET "seq" = EXCLUDED."seq", "row_hash" = EXCLUDED."row_hash"`,
      [throughSeq, last.row_hash],
    );
    await this.audit.record(
      {
        table: AUDIT_LOG_TABLE,
        objectId: null,
        action: 'pruned',
        updatedValues: {
          deleted_rows: count,
          anchor_seq: throughSeq,
          anchor_hash: last.row_hash,
          cutoff: cutoff.toISOString(),
          retention_period: this.period ?? null,
        },
      },
      SYSTEM_ACTOR,
    );
    return count;
  }
}
