import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Counter, Gauge, register } from 'prom-client';
import type { AuditedTable } from '../common/access/route-class';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { UnitOfWork } from '../database/unit-of-work';
import { AuditActor, currentActor } from './audit-actor';
import { AuditChain, ChainedFields, GENESIS_HASH } from './audit-chain';
import { changedValues, maskSecrets } from './audit-masking';
import { CHANGE_LIMITS, storableText, storableValue } from './audit-storable';

/** LiteLLM's actions plus the ones a governed gateway needs to tell apart. */
export type AuditAction = 'created' | 'updated' | 'deleted' | 'blocked' | 'unblocked' | 'rotated' | 'member_added' | 'member_removed' | 'member_updated' | 'denied' | 'pruned';

/** The audit log's own rows (retention) carry this table name. */
export const AUDIT_LOG_TABLE = 'Tollgate_AuditLog';

export interface AuditChange {
  table: AuditedTable | typeof AUDIT_LOG_TABLE;
  objectId: string | null;
  action: AuditAction;
  /** The object's public view before the change (null when it is created). */
  before?: object | null;
  /** The object's public view after the change (null when it is deleted). */
  after?: object | null;
  /** Overrides what `updated_values` would be derived from before/after (a denied attempt's request body). */
  updatedValues?: object | null;
}

/** One audit row as the API returns it: the chained fields and the row's own hash. */
export type AuditLogView = ChainedFields & { row_hash: string };

export interface ChainHead {
  seq: number;
  hash: string;
}

/** Serialises appends to the chain across every connection and instance sharing the database. */
export const AUDIT_CHAIN_LOCK_ID = 7_345_120_002;

export const AUDIT_ROW_COLUMNS = `"id", "seq", "updated_at", "changed_by", "changed_by_api_key", "action", "table_name", "object_id",
  "before_value", "updated_values", "request_id", "client_ip", "route", "prev_hash", "row_hash"`;

/** A row as the driver returns it: BIGINT as text, TIMESTAMPTZ as a Date. */
export type AuditRowRecord = Omit<AuditLogView, 'seq' | 'updated_at'> & { seq: string | number; updated_at: Date };

export function toAuditLogView(row: AuditRowRecord): AuditLogView {
  return { ...row, seq: Number(row.seq), updated_at: row.updated_at.toISOString() };
}

/** The fields a row's hash covers, from a stored row. */
export function chainedFieldsOf(row: AuditRowRecord): ChainedFields {
  const { row_hash: _ignored, ...fields } = toAuditLogView(row);
  return fields;
}

/**
 * Writes audit rows (`litellm_settings.store_audit_logs`). A row joins the transaction of the change it describes
 * (the request's unit of work), so there is no change without its row and no row for a change that rolled back.
 * Each row is chained to the one before by an HMAC; after each commit the new chain head is published in the log
 * and in `tollgate_audit_chain_head_seq`, so rows cut from the end are noticed too.
 */
@Injectable()
export class AuditLogService {
  private readonly logger = new Logger('Audit');
  readonly enabled: boolean;
  readonly chain: AuditChain;
  /** The newest head this instance wrote or saw: verification fails if the stored chain ends before it. */
  private publishedHead: ChainHead | null = null;

  constructor(
    private readonly db: UnitOfWork,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.enabled = config.litellm_settings.store_audit_logs === true;
    const configured = config.general_settings.audit_log_hmac_key;
    if (configured) this.chain = new AuditChain(configured);
    else if (config.masterKey) this.chain = AuditChain.fromMasterKey(config.masterKey);
    else this.chain = new AuditChain(undefined);
    if (this.enabled && !this.chain.keyed) {
      this.logger.warn('audit log chain is unkeyed (no audit_log_hmac_key and no master key): edits are detectable only by who cannot recompute SHA-256');
    }
    registerMetrics();
  }

  /**
   * Appends the row for a change. Inside a unit of work it joins that transaction and is published after the
   * commit; outside one it commits on its own. A no-op while audit logging is off.
   */
  async record(change: AuditChange, actor: AuditActor = currentActor()): Promise<void> {
    if (!this.enabled) return;
    const appended = this.db.inTransaction ? await this.append(change, actor) : await this.db.run(() => this.append(change, actor));
    rowsWritten().inc({ action: change.action });
    this.db.afterCommit(() => this.publish(appended));
  }

  /** The newest row of the chain as stored now, or null for an empty log. */
  async storedHead(): Promise<ChainHead | null> {
    const [row] = await this.db.query<{ seq: string; row_hash: string }[]>(`SELECT "seq", "row_hash" FROM "tollgate_audit_log" ORDER BY "seq" DESC LIMIT 1`);
    return row ? { seq: Number(row.seq), hash: row.row_hash } : null;
  }

  lastPublishedHead(): ChainHead | null {
    return this.publishedHead;
  }

  private async append(change: AuditChange, actor: AuditActor): Promise<ChainHead> {
    await this.db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK_ID]);
    const previous = (await this.storedHead()) ?? (await this.anchor()) ?? { seq: 0, hash: GENESIS_HASH };
    const before = change.before ? (maskSecrets(storableValue(change.before, CHANGE_LIMITS)) as Record<string, unknown>) : null;
    const after = change.after ? (maskSecrets(storableValue(change.after, CHANGE_LIMITS)) as Record<string, unknown>) : null;
    let updatedValues: unknown;
    if (change.updatedValues !== undefined) updatedValues = change.updatedValues === null ? null : maskSecrets(storableValue(change.updatedValues, CHANGE_LIMITS));
    else if (!after) updatedValues = null;
    else updatedValues = before ? changedValues(before, after) : after;
    const fields: ChainedFields = {
      seq: previous.seq + 1,
      id: randomUUID(),
      updated_at: new Date().toISOString(),
      changed_by: actor.changedBy === null ? null : storableText(actor.changedBy),
      changed_by_api_key: actor.changedByApiKey,
      action: change.action,
      table_name: change.table,
      object_id: change.objectId === null ? null : storableText(change.objectId),
      // Through JSON once, so the hash is of exactly what JSONB gives back.
      before_value: before === null ? null : JSON.parse(JSON.stringify(before)),
      updated_values: updatedValues === null ? null : JSON.parse(JSON.stringify(updatedValues)),
      request_id: actor.requestId,
      client_ip: actor.clientIp,
      route: actor.route,
      prev_hash: previous.hash,
    };
    const rowHash = this.chain.hash(fields);
    await this.db.query(
      `INSERT INTO "tollgate_audit_log" (${AUDIT_ROW_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10::json, $11, $12, $13, $14, $15)`,
      [
        fields.id,
        fields.seq,
        fields.updated_at,
        fields.changed_by,
        fields.changed_by_api_key,
        fields.action,
        fields.table_name,
        fields.object_id,
        fields.before_value === null ? null : JSON.stringify(fields.before_value),
        fields.updated_values === null ? null : JSON.stringify(fields.updated_values),
        fields.request_id,
        fields.client_ip,
        fields.route,
        fields.prev_hash,
        rowHash,
      ],
    );
    return { seq: fields.seq, hash: rowHash };
  }

  /** The hash the oldest kept row chains to once retention has pruned, else null. */
  async anchor(): Promise<ChainHead | null> {
    const [row] = await this.db.query<{ seq: string; row_hash: string }[]>(`SELECT "seq", "row_hash" FROM "tollgate_audit_anchor" WHERE "id" = 1`);
    return row ? { seq: Number(row.seq), hash: row.row_hash } : null;
  }

  private publish(head: ChainHead): void {
    if (this.publishedHead && this.publishedHead.seq >= head.seq) return;
    this.publishedHead = head;
    headSeq().set(head.seq);
    // An external copy of the head: whoever keeps these log lines can prove rows were cut from the end.
    this.logger.log(`audit chain head seq=${head.seq} hash=${head.hash}`);
  }
}

function registerMetrics(): void {
  if (register.getSingleMetric('tollgate_audit_chain_head_seq')) return;
  new Gauge({ name: 'tollgate_audit_chain_head_seq', help: 'Sequence number of the newest audit row this instance committed (the chain head)' });
  new Counter({ name: 'tollgate_audit_rows_total', help: 'Audit rows written, by action', labelNames: ['action'] });
}

function headSeq(): Gauge {
  return register.getSingleMetric('tollgate_audit_chain_head_seq') as Gauge;
}

function rowsWritten(): Counter<'action'> {
  return register.getSingleMetric('tollgate_audit_rows_total') as Counter<'action'>;
}
