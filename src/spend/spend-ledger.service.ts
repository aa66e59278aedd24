import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { SpendLogRow } from './spend-log-row';
import { SpendJournal } from './spend-journal';
import { SpendLedgerWriter } from './spend-ledger.writer';
import { spendSubjectsOf } from './spend-subjects';

/** Rows per database statement; also how many queued rows trigger a write before the timer. */
const BATCH_SIZE = 500;
/** How often queued rows are written when fewer than a batch wait. */
const FLUSH_INTERVAL_MS = 200;
const MAX_BACKOFF_MS = 5_000;
const SHUTDOWN_ATTEMPTS = 5;
const SHUTDOWN_RETRY_MS = 200;

interface QueuedRow {
  row: SpendLogRow;
  /** The row as JSON, made once for the journal and reused for the database batch. */
  json: string;
  segment: number;
}

/**
 * The spend ledger: one row per LLM call, never lost. `record` journals the row (on disk within the
 * group-commit window) and queues it; a background loop writes queued rows in batches. Each batch inserts
 * its rows idempotently by `request_id` and, in the same transaction, adds the spend of the rows it actually
 * inserted to every counter (key, team, user, membership, end user, organization, tag, global), so the
 * counters are always the sum of the rows. During an outage rows wait in memory up to a bound, then only in
 * the journal, and are written when the database returns.
 */
@Injectable()
export class SpendLedgerService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SpendLedger');
  private readonly journal: SpendJournal;
  private readonly maxQueuedRows: number;
  private queue: QueuedRow[] = [];
  /** Spend recorded but not yet committed, per subject (`key:<id>`, `team:<id>`, …): caches add it to what they read. */
  private readonly pending = new Map<string, number>();
  private readonly commitListeners: (() => void)[] = [];
  private commits = 0;
  private writing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private backoffMs = 0;
  private retryAt = 0;
  private outageSince: number | null = null;
  private stopped = false;

  constructor(
    private readonly writer: SpendLedgerWriter,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.journal = new SpendJournal(join(config.dataDir, 'spend-journal'));
    this.maxQueuedRows = config.spendLedger.maxQueuedRows;
  }

  /** Adopts what an earlier process left in the journal and writes it before the gateway serves calls. */
  async onModuleInit(): Promise<void> {
    this.journal.open();
    if (this.journal.hasReplayWork) {
      this.logger.log('replaying spend rows left in the journal by the previous run');
      await this.replayJournal();
    }
    this.timer = setInterval(() => void this.tick(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** After the HTTP server drained: writes what it can, and whatever the database did not take stays in the journal. */
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (let attempt = 0; attempt < SHUTDOWN_ATTEMPTS && (this.queue.length > 0 || this.journal.hasReplayWork); attempt++) {
      if (attempt > 0) await delay(SHUTDOWN_RETRY_MS);
      this.retryAt = 0;
      await this.write();
    }
    await this.journal.close();
    if (this.queue.length > 0 || this.journal.hasReplayWork) {
      this.logger.error(`the database did not take ${this.queue.length} spend row(s) before shutdown; they are in the journal and are written at the next start`);
    }
  }

  /**
   * Records one call. Returns at once; the row is on disk within the group-commit window and in the database
   * with the next batch. A second row with the same `request_id` is ignored by the database.
   */
  record(row: SpendLogRow): void {
    const held = this.queue.length < this.maxQueuedRows;
    const json = JSON.stringify(row);
    const segment = this.journal.append(json, held);
    if (held) this.queue.push({ row, json, segment });
    if (row.spend > 0) for (const subject of spendSubjectsOf(row)) this.pending.set(subject, (this.pending.get(subject) ?? 0) + row.spend);
    // A full batch goes at once, unless the database is failing: then the backoff decides (a retry per call
    // would re-send the batch on every request of an outage).
    if (this.queue.length >= BATCH_SIZE && !this.writing && Date.now() >= this.retryAt) void this.write();
  }

  /** Spend recorded for a subject but not committed yet; a record read from the database adds it. */
  pendingSpend(subject: string): number {
    return this.pending.get(subject) ?? 0;
  }

  /** Grows with every commit: a database read taken while it changed may have missed or double-counted a batch. */
  get commitCount(): number {
    return this.commits;
  }

  /** Called after every commit, so caches can tell a read that straddled it from one that did not. */
  onCommitted(listener: () => void): void {
    this.commitListeners.push(listener);
  }

  /** Writes everything queued now, and what waits in the journal; resolves when done or the database refused. */
  async flush(): Promise<void> {
    this.retryAt = 0;
    await this.write();
    await this.journal.commit();
  }

  /** For health and metrics: rows waiting, whether writes are failing, journal backlog. */
  status(): { queuedRows: number; outageSince: Date | null; journalBytes: number; journalError: string | null } {
    return {
      queuedRows: this.queue.length,
      outageSince: this.outageSince === null ? null : new Date(this.outageSince),
      journalBytes: this.journal.backlogBytes,
      journalError: this.journal.lastError?.message ?? null,
    };
  }

  private tick(): void {
    if (this.writing || Date.now() < this.retryAt) return;
    if (this.queue.length > 0 || this.journal.hasReplayWork) void this.write();
  }

  /** One writer at a time: the queue in batches, then rows that wait only in the journal. */
  private write(): Promise<void> {
    if (this.writing) return this.writing;
    this.writing = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, BATCH_SIZE);
        if (!(await this.commitRows(batch.map((queued) => queued.json)))) return;
        this.queue = this.queue.slice(batch.length);
        for (const queued of batch) {
          this.settlePending(queued.row);
          this.journal.release(queued.segment);
        }
        this.notifyCommitted();
      }
      if (this.journal.hasReplayWork && !this.stopped) await this.replayJournal();
    })().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async replayJournal(): Promise<void> {
    for await (const batch of this.journalBatches()) {
      if (!(await this.commitRows(batch.rows.map((row) => JSON.stringify(row))))) return;
      batch.confirm();
      for (const row of batch.ownRows) this.settlePending(row);
      this.notifyCommitted();
    }
  }

  private journalBatches(): AsyncGenerator<import('./spend-journal').ReplayBatch> {
    return this.journal.replay(BATCH_SIZE);
  }

  /** @returns whether the rows are committed; on failure schedules a retry with backoff. */
  private async commitRows(rowsJson: string[]): Promise<boolean> {
    try {
      await this.writer.insert(rowsJson);
    } catch (error) {
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : FLUSH_INTERVAL_MS);
      this.retryAt = Date.now() + this.backoffMs;
      if (this.outageSince === null) {
        this.outageSince = Date.now();
        // Once per outage, not per retry: the log must stay readable while the database is down.
        this.logger.warn(`spend rows cannot be written (${errorName(error)}${sqlState(error)}); they wait in memory and the journal and are retried`);
      }
      return false;
    }
    if (this.outageSince !== null) {
      this.logger.log(`spend rows are written again after ${Math.round((Date.now() - this.outageSince) / 1000)} s`);
      this.outageSince = null;
    }
    this.backoffMs = 0;
    return true;
  }

  private settlePending(row: SpendLogRow): void {
    if (!(row.spend > 0)) return;
    for (const subject of spendSubjectsOf(row)) {
      const left = (this.pending.get(subject) ?? 0) - row.spend;
      // Float sums drift by ulps; anything that small is nothing pending.
      if (left > 1e-12) this.pending.set(subject, left);
      else this.pending.delete(subject);
    }
  }

  private notifyCommitted(): void {
    this.commits++;
    for (const listener of this.commitListeners) listener();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** PostgreSQL's SQLSTATE says what failed (e.g. 42703 undefined column) without quoting data or SQL. */
function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? ` ${code}` : '';
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
