import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { BadRequestError } from '../common/errors/http-errors';
import { csvRecord } from '../common/csv';
import type { DayRange } from './report-dates';
import { logConditions, whereClause, type SpendLogFilter } from './spend-reports.service';
import { SPEND_LOG_COLUMNS, SPEND_LOG_FIELDS, toSpendLogView, type SpendLogRecord, type SpendLogView } from './spend-log-view';
import { SPEND_REPORTS_SQL, type SqlRunner } from './sql-runner';

export type SpendExportFormat = 'csv' | 'ndjson';

export const SPEND_EXPORT_FORMATS: readonly SpendExportFormat[] = ['csv', 'ndjson'];

/** Rows per query: big enough to amortise a round trip, small enough that a batch is a few hundred KB. */
export const EXPORT_BATCH_SIZE = 1000;
const ROWS_PER_CHUNK = 50;

export interface SpendExport {
  /** The encoded rows; pulled batch by batch as the consumer reads, so memory stays at about one batch. */
  stream: Readable;
  contentType: string;
  fileName: string;
}

/** The export cursor row: the batch's rows plus `start_time` as exact text (microseconds survive, a JS Date would not). */
type CursorRecord = SpendLogRecord & { cursor_time: string };

/**
 * Streams spend logs oldest first as CSV or NDJSON. Each batch is its own keyset query
 * (`(start_time, request_id) > last`, on the `(start_time, request_id)` index), so the single embedded-database
 * connection is free between batches and the ledger keeps writing while a large export runs.
 */
@Injectable()
export class SpendExportService {
  private readonly logger = new Logger('SpendExport');

  constructor(@Inject(SPEND_REPORTS_SQL) private readonly sql: SqlRunner) {}

  /**
   * Validates the format and reads the first batch before returning, so a bad request or an unreachable database
   * is still answered with an error status rather than a truncated file.
   * @throws BadRequestError for an unknown format.
   */
  async open(format: unknown, filter: SpendLogFilter, range: DayRange | null): Promise<SpendExport> {
    if (!SPEND_EXPORT_FORMATS.includes(format as SpendExportFormat)) {
      throw new BadRequestError(`Invalid format: expected one of ${SPEND_EXPORT_FORMATS.join(', ')}`, 'format');
    }
    const chosen = format as SpendExportFormat;
    const first = await this.batchAfter(filter, range, null);
    const stream = Readable.from(this.encode(chosen, filter, range, first), { objectMode: false, highWaterMark: 64 * 1024 });
    const suffix = range ? `-${range.firstDay}-to-${range.lastDay}` : '';
    return {
      stream,
      contentType: chosen === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      fileName: `spend-logs${suffix}.${chosen}`,
    };
  }

  /** Yields the encoded file one batch at a time; the consumer's pace decides when the next query runs. */
  private async *encode(format: SpendExportFormat, filter: SpendLogFilter, range: DayRange | null, first: CursorRecord[]): AsyncGenerator<string> {
    if (format === 'csv') yield csvRecord(SPEND_LOG_FIELDS);
    let batch = first;
    let exported = 0;
    try {
      while (batch.length > 0) {
        // Small chunks: each is written and dropped before the next is built, so they die young instead of
        // being promoted to the old generation and piling up until a full GC.
        for (let start = 0; start < batch.length; start += ROWS_PER_CHUNK) {
          yield encodeBatch(format, batch.slice(start, start + ROWS_PER_CHUNK).map(toSpendLogView));
        }
        exported += batch.length;
        if (batch.length < EXPORT_BATCH_SIZE) return;
        const last = batch[batch.length - 1];
        batch = await this.batchAfter(filter, range, { time: last.cursor_time, requestId: last.request_id });
      }
    } catch (error) {
      // Headers are gone by now: the client sees a cut-off download; the log says why.
      this.logger.error(`spend export failed after ${exported} rows: ${(error as Error).message}`);
      throw error;
    }
  }

  private batchAfter(filter: SpendLogFilter, range: DayRange | null, after: { time: string; requestId: string } | null): Promise<CursorRecord[]> {
    const params: unknown[] = [];
    const where = logConditions({ kind: 'all' }, filter, range, params);
    if (after) {
      where.push(`(sl."start_time", sl."request_id") > ($${params.push(after.time)}::timestamptz, $${params.push(after.requestId)})`);
    }
    return this.sql.query<CursorRecord>(
      `SELECT ${SPEND_LOG_COLUMNS},
              to_char(sl."start_time" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursor_time"
       FROM "tollgate_spend_logs" sl ${whereClause(where)}
       ORDER BY sl."start_time", sl."request_id"
       LIMIT ${EXPORT_BATCH_SIZE}`,
      params,
    );
  }
}

/** One batch of rows in the export format: CSV records in SPEND_LOG_FIELDS order, or one JSON object per line. */
export function encodeBatch(format: SpendExportFormat, rows: readonly SpendLogView[]): string {
  let text = '';
  for (const row of rows) {
    text += format === 'csv' ? csvRecord(SPEND_LOG_FIELDS.map((field) => row[field])) : `${JSON.stringify(row)}\n`;
  }
  return text;
}
