import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { csvRecord } from '../common/csv';
import { BadRequestError } from '../common/errors/http-errors';
import { MAX_PAGE } from '../common/column-bounds';
import { UnitOfWork } from '../database/unit-of-work';
import { AUDIT_ROW_COLUMNS, AuditLogView, AuditRowRecord, toAuditLogView } from './audit-log.service';
import { AuditLogNotFoundError } from './audit.errors';

export const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 50;
const EXPORT_BATCH = 1000;
const SORTABLE = { updated_at: '"seq"', seq: '"seq"', action: '"action"', table_name: '"table_name"', changed_by: '"changed_by"' } as const;

export type AuditExportFormat = 'ndjson' | 'csv';
const EXPORT_FORMATS: readonly AuditExportFormat[] = ['ndjson', 'csv'];
const CSV_FIELDS: readonly (keyof AuditLogView)[] = [
  'id',
  'seq',
  'updated_at',
  'changed_by',
  'changed_by_api_key',
  'action',
  'table_name',
  'object_id',
  'before_value',
  'updated_values',
  'request_id',
  'client_ip',
  'route',
  'prev_hash',
  'row_hash',
];

export interface AuditFilter {
  changed_by?: string;
  changed_by_api_key?: string;
  table_name?: string;
  object_id?: string;
  action?: string;
  start_date?: string;
  end_date?: string;
}

export interface AuditSearch extends AuditFilter {
  page?: string | number;
  page_size?: string | number;
  sort_by?: string;
  sort_order?: string;
}

export interface AuditPage {
  audit_logs: AuditLogView[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

/** Reads the audit log: filtered pages, one row, and a streamed export. */
@Injectable()
export class AuditQueryService {
  private readonly logger = new Logger('AuditExport');

  constructor(private readonly db: UnitOfWork) {}

  /** @throws BadRequestError for a bad page, page size, date or sort. */
  async search(query: AuditSearch): Promise<AuditPage> {
    const page = positiveInt(query.page, 1, 'page');
    const pageSize = positiveInt(query.page_size, DEFAULT_PAGE_SIZE, 'page_size');
    if (pageSize > MAX_PAGE_SIZE) throw new BadRequestError(`page_size must be at most ${MAX_PAGE_SIZE}`, 'page_size');
    const sortBy = query.sort_by ?? 'updated_at';
    if (!(sortBy in SORTABLE)) throw new BadRequestError(`sort_by must be one of ${Object.keys(SORTABLE).join(', ')}`, 'sort_by');
    const sortOrder = (query.sort_order ?? 'desc').toLowerCase();
    if (sortOrder !== 'asc' && sortOrder !== 'desc') throw new BadRequestError('sort_order must be asc or desc', 'sort_order');
    const params: unknown[] = [];
    const where = conditions(query, params);
    const [{ total }] = await this.db.query<{ total: string }[]>(`SELECT count(*) AS "total" FROM "tollgate_audit_log" ${where}`, params);
    const order = `${SORTABLE[sortBy as keyof typeof SORTABLE]} ${sortOrder.toUpperCase()}, "seq" ${sortOrder.toUpperCase()}`;
    const rows = await this.db.query<AuditRowRecord[]>(
      `SELECT ${AUDIT_ROW_COLUMNS} FROM "tollgate_audit_log" ${where} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
      params,
    );
    const count = Number(total);
    return { audit_logs: rows.map(toAuditLogView), total: count, page, page_size: pageSize, total_pages: Math.ceil(count / pageSize) };
  }

  /** @throws AuditLogNotFoundError */
  async get(id: string): Promise<AuditLogView> {
    if (!UUID.test(id)) throw new AuditLogNotFoundError(id);
    const [row] = await this.db.query<AuditRowRecord[]>(`SELECT ${AUDIT_ROW_COLUMNS} FROM "tollgate_audit_log" WHERE "id" = $1`, [id]);
    if (!row) throw new AuditLogNotFoundError(id);
    return toAuditLogView(row);
  }

  /**
   * Oldest first, in keyset-paged batches (`seq > last`), so memory stays at one batch and the single embedded
   * connection is free between batches. The first batch is read before answering, so errors keep their status.
   * @throws BadRequestError for an unknown format or a bad filter.
   */
  async export(format: unknown, filter: AuditFilter): Promise<{ stream: Readable; contentType: string; fileName: string }> {
    if (!EXPORT_FORMATS.includes(format as AuditExportFormat)) throw new BadRequestError(`Invalid format: expected one of ${EXPORT_FORMATS.join(', ')}`, 'format');
    const chosen = format as AuditExportFormat;
    const first = await this.batchAfter(filter, 0);
    return {
      stream: Readable.from(this.encode(chosen, filter, first), { objectMode: false }),
      contentType: chosen === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      fileName: `audit-log.${chosen}`,
    };
  }

  private async *encode(format: AuditExportFormat, filter: AuditFilter, first: AuditRowRecord[]): AsyncGenerator<string> {
    if (format === 'csv') yield csvRecord(CSV_FIELDS);
    let batch = first;
    let exported = 0;
    try {
      while (batch.length > 0) {
        let text = '';
        for (const row of batch) {
          const view = toAuditLogView(row);
          text += format === 'csv' ? csvRecord(CSV_FIELDS.map((field) => view[field])) : `${JSON.stringify(view)}\n`;
        }
        yield text;
        exported += batch.length;
        if (batch.length < EXPORT_BATCH) return;
        batch = await this.batchAfter(filter, Number(batch[batch.length - 1].seq));
      }
    } catch (error) {
      this.logger.error(`audit export failed after ${exported} rows: ${error instanceof Error ? error.name : typeof error}`);
      throw error;
    }
  }

  private batchAfter(filter: AuditFilter, afterSeq: number): Promise<AuditRowRecord[]> {
    const params: unknown[] = [afterSeq];
    const where = conditions(filter, params, ['"seq" > $1']);
    return this.db.query<AuditRowRecord[]>(`SELECT ${AUDIT_ROW_COLUMNS} FROM "tollgate_audit_log" ${where} ORDER BY "seq" LIMIT ${EXPORT_BATCH}`, params);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EQUALITY_FILTERS = ['changed_by', 'changed_by_api_key', 'table_name', 'object_id', 'action'] as const;

function conditions(filter: AuditFilter, params: unknown[], initial: string[] = []): string {
  const where = [...initial];
  for (const column of EQUALITY_FILTERS) {
    const value = filter[column];
    if (value !== undefined && value !== '') where.push(`"${column}" = $${params.push(String(value))}`);
  }
  if (filter.start_date) where.push(`"updated_at" >= $${params.push(dateParam(filter.start_date, 'start_date', false))}`);
  if (filter.end_date) where.push(`"updated_at" < $${params.push(dateParam(filter.end_date, 'end_date', true))}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** `2024-06-01` (a whole day: an end date includes it) or a full ISO timestamp. */
function dateParam(value: string, name: string, endOfDay: boolean): Date {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = new Date(dayOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(parsed.getTime())) throw new BadRequestError(`${name} must be a date (YYYY-MM-DD) or an ISO-8601 timestamp`, name);
  return dayOnly && endOfDay ? new Date(parsed.getTime() + 86_400_000) : parsed;
}

function positiveInt(value: string | number | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new BadRequestError(`${name} must be a positive integer`, name);
  // The offset (page - 1) × page_size must stay an exact integer in the SQL text.
  if (parsed > MAX_PAGE) throw new BadRequestError(`${name} must be at most ${MAX_PAGE}`, name);
  return parsed;
}
