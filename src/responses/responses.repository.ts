import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { storableJsonText } from '../spend/spend-ledger.writer';

type Json = Record<string, unknown>;

export interface NewStoredResponse {
  readonly id: string;
  readonly owner: string;
  readonly model: string;
  readonly deploymentId: string | null;
  readonly previousResponseId: string | null;
  readonly inputItems: readonly Json[];
  readonly response: Json;
  readonly itemIds: readonly string[];
  readonly expiresAt: Date;
}

export interface StoredResponse {
  readonly id: string;
  readonly model: string;
  readonly deploymentId: string | null;
  readonly inputItems: Json[];
  readonly response: Json;
}

/** A link of a `previous_response_id` chain. */
export interface StoredTurnRow {
  readonly id: string;
  readonly deploymentId: string | null;
  readonly inputItems: Json[];
  readonly output: Json[];
}

/** How many earlier responses one continuation reads at most (a chain longer than this is cut at its oldest end). */
const MAX_CHAIN = 1000;
/** Rows per retention DELETE: short statements, so the embedded engine's one connection is never held for long. */
const DELETE_BATCH = 5_000;

interface Row {
  id: string;
  model: string;
  deployment_id: string | null;
  input_items: Json[];
  response?: Json;
  output?: Json[] | null;
}

/**
 * The only code that touches `tollgate_responses`. Every read is scoped to an owner and to rows not yet expired, so a
 * key never sees another key's response, and an expired one is gone before retention deletes it.
 */
@Injectable()
export class ResponsesRepository {
  constructor(private readonly db: UnitOfWork) {}

  async insert(row: NewStoredResponse): Promise<void> {
    await this.db.query(
      `INSERT INTO "tollgate_responses" ("id", "owner", "model", "deployment_id", "previous_response_id", "input_items", "response", "item_ids", "expires_at")
       VALUES ($1, $2, $3, $4, $5, $6::json, $7::json, $8::text[], $9)`,
      [
        row.id,
        row.owner,
        row.model,
        row.deploymentId,
        row.previousResponseId,
        storableJsonText(JSON.stringify(row.inputItems)),
        storableJsonText(JSON.stringify(row.response)),
        [...row.itemIds],
        row.expiresAt,
      ],
    );
  }

  async find(id: string, owner: string): Promise<StoredResponse | null> {
    const rows = await this.db.query<Row[]>(
      `SELECT "id", "model", "deployment_id", "input_items", "response" FROM "tollgate_responses" WHERE "id" = $1 AND "owner" = $2 AND "expires_at" > now()`,
      [id, owner],
    );
    const row = rows[0];
    return row ? { id: row.id, model: row.model, deploymentId: row.deployment_id, inputItems: row.input_items, response: row.response ?? {} } : null;
  }

  /** @returns whether the owner had such a response. */
  async delete(id: string, owner: string): Promise<boolean> {
    const result = await this.db.query<unknown>(`DELETE FROM "tollgate_responses" WHERE "id" = $1 AND "owner" = $2 AND "expires_at" > now()`, [id, owner]);
    return affectedRows(result) > 0;
  }

  /**
   * The response `id` and the ones it continues, oldest first, in one query. The chain stops at a link that is not
   * the owner's, was deleted or has expired; empty when `id` itself is not there.
   */
  async chain(id: string, owner: string): Promise<StoredTurnRow[]> {
    const rows = await this.db.query<(Row & { depth: number })[]>(
      `WITH RECURSIVE "chain" AS (
         SELECT "id", "model", "deployment_id", "input_items", "response"->'output' AS "output", "previous_response_id", 0 AS "depth"
           FROM "tollgate_responses" WHERE "id" = $1 AND "owner" = $2 AND "expires_at" > now()
         UNION ALL
         SELECT r."id", r."model", r."deployment_id", r."input_items", r."response"->'output', r."previous_response_id", c."depth" + 1
           FROM "tollgate_responses" r JOIN "chain" c ON r."id" = c."previous_response_id"
          WHERE r."owner" = $2 AND r."expires_at" > now() AND c."depth" < ${MAX_CHAIN - 1}
       )
       SELECT "id", "model", "deployment_id", "input_items", "output", "depth" FROM "chain" ORDER BY "depth" DESC`,
      [id, owner],
    );
    return rows.map((row) => ({ id: row.id, deploymentId: row.deployment_id, inputItems: row.input_items, output: Array.isArray(row.output) ? row.output : [] }));
  }

  /** The owner's stored responses holding any of the item ids (input or output items). */
  async holding(owner: string, itemIds: readonly string[]): Promise<StoredTurnRow[]> {
    if (itemIds.length === 0) return [];
    const rows = await this.db.query<Row[]>(
      `SELECT "id", "model", "deployment_id", "input_items", "response"->'output' AS "output" FROM "tollgate_responses"
        WHERE "owner" = $1 AND "item_ids" && $2::text[] AND "expires_at" > now()`,
      [owner, [...itemIds]],
    );
    return rows.map((row) => ({ id: row.id, deploymentId: row.deployment_id, inputItems: row.input_items, output: Array.isArray(row.output) ? row.output : [] }));
  }

  /** Deletes what expired before `now`, in batches. @returns rows deleted. */
  async deleteExpired(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.db.query<unknown>(
        `DELETE FROM "tollgate_responses" WHERE "id" IN (SELECT "id" FROM "tollgate_responses" WHERE "expires_at" <= $1 LIMIT ${DELETE_BATCH})`,
        [now],
      );
      const count = affectedRows(result);
      total += count;
      if (count < DELETE_BATCH) return total;
    }
  }
}

/** TypeORM's postgres driver answers a DELETE with `[rows, affected]`. */
function affectedRows(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
