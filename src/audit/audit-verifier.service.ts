import { Injectable } from '@nestjs/common';
import { BadRequestError } from '../common/errors/http-errors';
import { UnitOfWork } from '../database/unit-of-work';
import { AUDIT_LOG_TABLE, AUDIT_ROW_COLUMNS, AuditLogService, AuditRowRecord, ChainHead, chainedFieldsOf } from './audit-log.service';
import { GENESIS_HASH } from './audit-chain';

const VERIFY_BATCH = 1000;

export interface BadRow {
  id: string | null;
  seq: number | null;
  reason: string;
}

export interface VerificationReport {
  valid: boolean;
  checked_rows: number;
  /** Where the kept chain starts: genesis, or the last row retention pruned. */
  anchor: ChainHead;
  head: ChainHead | null;
  keyed: boolean;
  first_bad_row: BadRow | null;
}

/**
 * Recomputes the chain from its anchor to its head. A row changed, inserted or deleted in the database breaks a
 * hash or a link; rows cut from the end are caught against the head this instance published (or one an external
 * monitor recorded and passes in); an anchor moved without the retention job's attesting row is caught too.
 */
@Injectable()
export class AuditVerifier {
  constructor(
    private readonly db: UnitOfWork,
    private readonly audit: AuditLogService,
  ) {}

  async verify(expected?: { seq?: string; hash?: string }): Promise<VerificationReport> {
    const expectedHead = parseExpected(expected);
    const anchor = (await this.audit.anchor()) ?? { seq: 0, hash: GENESIS_HASH };
    const report: VerificationReport = { valid: true, checked_rows: 0, anchor, head: null, keyed: this.audit.chain.keyed, first_bad_row: null };
    const fail = (bad: BadRow): VerificationReport => ({ ...report, valid: false, first_bad_row: bad });
    let previous = anchor;
    let newestPruned: AuditRowRecord | null = null;
    let expectedSeen = false;
    const [older] = await this.db.query<{ n: string }[]>(`SELECT count(*) AS "n" FROM "tollgate_audit_log" WHERE "seq" <= $1`, [anchor.seq]);
    if (Number(older.n) > 0) return fail({ id: null, seq: anchor.seq, reason: 'rows at or before the retention anchor exist: the anchor was moved' });
    for (;;) {
      const rows = await this.db.query<AuditRowRecord[]>(`SELECT ${AUDIT_ROW_COLUMNS} FROM "tollgate_audit_log" WHERE "seq" > $1 ORDER BY "seq" LIMIT ${VERIFY_BATCH}`, [
        previous.seq,
      ]);
      for (const row of rows) {
        const seq = Number(row.seq);
        report.checked_rows++;
        if (seq !== previous.seq + 1) return fail({ id: row.id, seq, reason: `sequence gap: expected ${previous.seq + 1}, found ${seq} (rows deleted or inserted)` });
        if (row.prev_hash !== previous.hash)
          return fail({ id: row.id, seq, reason: 'prev_hash does not match the previous row (a row before it was changed, deleted or inserted)' });
        if (this.audit.chain.hash(chainedFieldsOf(row)) !== row.row_hash) return fail({ id: row.id, seq, reason: 'row_hash does not match the row: the row was changed' });
        if (row.action === 'pruned' && row.table_name === AUDIT_LOG_TABLE) newestPruned = row;
        if (expectedHead && seq === expectedHead.seq) {
          expectedSeen = true;
          if (expectedHead.hash !== undefined && expectedHead.hash !== row.row_hash)
            return fail({ id: row.id, seq, reason: 'the row at the expected head differs from the published hash' });
        }
        previous = { seq, hash: row.row_hash };
        report.head = previous;
      }
      if (rows.length < VERIFY_BATCH) break;
    }
    if (anchor.seq > 0) {
      const attested = newestPruned?.updated_values as { anchor_seq?: number; anchor_hash?: string } | null | undefined;
      if (!attested || attested.anchor_seq !== anchor.seq || attested.anchor_hash !== anchor.hash) {
        return fail({ id: null, seq: anchor.seq, reason: 'the retention anchor is not attested by the newest pruning row' });
      }
    }
    const published = this.audit.lastPublishedHead();
    if (published && previous.seq < published.seq) {
      return fail({ id: null, seq: published.seq, reason: `the chain ends at seq ${previous.seq} but seq ${published.seq} was published: newest rows were deleted` });
    }
    if (expectedHead && !expectedSeen && expectedHead.seq > anchor.seq) {
      return fail({ id: null, seq: expectedHead.seq, reason: `the expected head seq ${expectedHead.seq} is not in the chain` });
    }
    return report;
  }
}

function parseExpected(expected: { seq?: string; hash?: string } | undefined): { seq: number; hash?: string } | null {
  if (!expected || expected.seq === undefined || expected.seq === '') return null;
  const seq = Number(expected.seq);
  if (!Number.isInteger(seq) || seq < 1) throw new BadRequestError('head_seq must be a positive integer', 'head_seq');
  if (expected.hash !== undefined && !/^[0-9a-f]{64}$/.test(expected.hash)) throw new BadRequestError('head_hash must be 64 hex characters', 'head_hash');
  return { seq, hash: expected.hash };
}
