import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';

/** Column list of `tollgate_spend_logs` with the types `jsonb_to_recordset` reads them as. */
const COLUMNS: readonly [name: string, type: string][] = [
  ['request_id', 'text'],
  ['call_type', 'text'],
  ['api_key', 'text'],
  ['key_id', 'uuid'],
  ['spend', 'float8'],
  ['total_tokens', 'int'],
  ['prompt_tokens', 'int'],
  ['completion_tokens', 'int'],
  ['start_time', 'timestamptz'],
  ['end_time', 'timestamptz'],
  ['completion_start_time', 'timestamptz'],
  ['model', 'text'],
  ['model_id', 'text'],
  ['model_group', 'text'],
  ['custom_llm_provider', 'text'],
  ['api_base', 'text'],
  ['user', 'text'],
  ['end_user', 'text'],
  ['team_id', 'text'],
  ['organization_id', 'text'],
  ['request_tags', 'text[]'],
  ['requester_ip_address', 'text'],
  ['cache_hit', 'boolean'],
  ['status', 'text'],
  ['provider_response_id', 'text'],
  ['metadata', 'jsonb'],
];

const quoted = COLUMNS.map(([name]) => `"${name}"`).join(', ');
const recordType = COLUMNS.map(([name, type]) => `"${name}" ${type}`).join(', ');

/** Latency of a call in milliseconds, never negative (clock steps). */
const LATENCY_MS = `GREATEST(0, EXTRACT(EPOCH FROM ("end_time" - "start_time")) * 1000)`;
/** Calls whose latency describes the model: answered by it (not a failure, not served from the cache). */
const TIMED = `"status" = 'success' AND NOT "cache_hit"`;

/**
 * One `tollgate_spend_model_days` row per (UTC day, model group, model, api base) of the rows in `applied`,
 * grouped by the first four; the same select list as migration 1764940000000's backfill.
 */
const MODEL_DAY_AGGREGATES = `
  ("start_time" AT TIME ZONE 'UTC')::date, COALESCE("model_group", ''), "model", COALESCE("api_base", ''),
  count(*), count(*) FILTER (WHERE "status" = 'failure'),
  count(*) FILTER (WHERE ${TIMED}), COALESCE(sum(${LATENCY_MS}) FILTER (WHERE ${TIMED}), 0),
  count(*) FILTER (WHERE ${TIMED} AND "completion_tokens" > 0),
  COALESCE(sum(${LATENCY_MS} / NULLIF("completion_tokens", 0)) FILTER (WHERE ${TIMED} AND "completion_tokens" > 0), 0),
  COALESCE(sum("spend"), 0), COALESCE(sum("prompt_tokens"), 0), COALESCE(sum("completion_tokens"), 0)`;

/** Adds the spend of the rows in `applied` to every counter; each a statement of the same CTE chain. */
const COUNTER_UPDATES = `
  keys AS (
    UPDATE "tollgate_virtual_keys" k SET "spend" = k."spend" + s.amount
    FROM (SELECT "key_id", sum("spend") AS amount FROM applied WHERE "key_id" IS NOT NULL AND "spend" > 0 GROUP BY "key_id") s
    WHERE k."key_id" = s."key_id"),
  teams AS (
    UPDATE "tollgate_teams" t SET "spend" = t."spend" + s.amount
    FROM (SELECT "team_id", sum("spend") AS amount FROM applied WHERE "team_id" IS NOT NULL AND "spend" > 0 GROUP BY "team_id") s
    WHERE t."team_id" = s."team_id"),
  users AS (
    UPDATE "tollgate_users" u SET "spend" = u."spend" + s.amount
    FROM (SELECT "user", sum("spend") AS amount FROM applied WHERE "user" IS NOT NULL AND "spend" > 0 GROUP BY "user") s
    WHERE u."user_id" = s."user"),
  memberships AS (
    UPDATE "tollgate_team_memberships" m SET "spend" = m."spend" + s.amount
    FROM (SELECT "team_id", "user", sum("spend") AS amount FROM applied WHERE "team_id" IS NOT NULL AND "user" IS NOT NULL AND "spend" > 0 GROUP BY "team_id", "user") s
    WHERE m."team_id" = s."team_id" AND m."user_id" = s."user"),
  organizations AS (
    UPDATE "tollgate_organizations" o SET "spend" = o."spend" + s.amount
    FROM (SELECT "organization_id", sum("spend") AS amount FROM applied WHERE "organization_id" IS NOT NULL AND "spend" > 0 GROUP BY "organization_id") s
    WHERE o."organization_id" = s."organization_id"),
  end_users AS (
    INSERT INTO "tollgate_end_users" AS e ("user_id", "spend")
    SELECT "end_user", sum("spend") FROM applied WHERE "end_user" IS NOT NULL AND "spend" > 0 GROUP BY "end_user"
    ON CONFLICT ("user_id") DO UPDATE SET "spend" = e."spend" + EXCLUDED."spend"),
  tag_counters AS (
    INSERT INTO "tollgate_tag_spend" AS c ("tag", "spend", "log_count")
    SELECT t.tag, sum(a."spend"), count(*) FROM applied a CROSS JOIN LATERAL unnest(a."request_tags") AS t(tag) GROUP BY t.tag
    ON CONFLICT ("tag") DO UPDATE SET "spend" = c."spend" + EXCLUDED."spend", "log_count" = c."log_count" + EXCLUDED."log_count", "updated_at" = now()),
  tag_days AS (
    INSERT INTO "tollgate_spend_tag_days" AS d ("day", "tag", "spend", "log_count")
    SELECT (a."start_time" AT TIME ZONE 'UTC')::date, t.tag, sum(a."spend"), count(*) FROM applied a CROSS JOIN LATERAL unnest(a."request_tags") AS t(tag) GROUP BY 1, 2
    ON CONFLICT ("day", "tag") DO UPDATE SET "spend" = d."spend" + EXCLUDED."spend", "log_count" = d."log_count" + EXCLUDED."log_count"),
  model_days AS (
    INSERT INTO "tollgate_spend_model_days" AS d ("day", "model_group", "model", "api_base", "requests", "failures", "timed_requests",
      "latency_ms_sum", "token_timed_requests", "latency_per_token_ms_sum", "spend", "prompt_tokens", "completion_tokens")
    SELECT ${MODEL_DAY_AGGREGATES} FROM applied GROUP BY 1, 2, 3, 4
    ON CONFLICT ("day", "model_group", "model", "api_base") DO UPDATE SET
      "requests" = d."requests" + EXCLUDED."requests", "failures" = d."failures" + EXCLUDED."failures",
      "timed_requests" = d."timed_requests" + EXCLUDED."timed_requests", "latency_ms_sum" = d."latency_ms_sum" + EXCLUDED."latency_ms_sum",
      "token_timed_requests" = d."token_timed_requests" + EXCLUDED."token_timed_requests",
      "latency_per_token_ms_sum" = d."latency_per_token_ms_sum" + EXCLUDED."latency_per_token_ms_sum",
      "spend" = d."spend" + EXCLUDED."spend", "prompt_tokens" = d."prompt_tokens" + EXCLUDED."prompt_tokens",
      "completion_tokens" = d."completion_tokens" + EXCLUDED."completion_tokens"),
  team_days AS (
    INSERT INTO "tollgate_spend_team_days" AS d ("day", "team_id", "spend", "requests")
    SELECT ("start_time" AT TIME ZONE 'UTC')::date, COALESCE("team_id", ''), sum("spend"), count(*) FROM applied GROUP BY 1, 2
    ON CONFLICT ("day", "team_id") DO UPDATE SET "spend" = d."spend" + EXCLUDED."spend", "requests" = d."requests" + EXCLUDED."requests"),
  global AS (
    INSERT INTO "tollgate_budget_counters" AS g ("entity_type", "entity_id", "spend")
    SELECT 'user', 'litellm-proxy-budget', sum("spend") FROM applied HAVING sum("spend") > 0
    ON CONFLICT ("entity_type", "entity_id") DO UPDATE SET "spend" = g."spend" + EXCLUDED."spend", "updated_at" = now())`;

/** The row that is kept: the log row itself (its tags are counted per day with the other counters). */
const STORE_ROWS = `
  inserted AS (
    INSERT INTO "tollgate_spend_logs" (${quoted}) SELECT ${quoted} FROM input
    ON CONFLICT ("request_id", "start_time") DO NOTHING
    RETURNING ${quoted}),
  applied AS (SELECT * FROM inserted),`;

/** `disable_spend_logs`: nothing per call is kept but the request id, so counters still apply exactly once. */
const APPLY_ONLY = `
  inserted AS (
    INSERT INTO "tollgate_spend_applied" ("request_id") SELECT "request_id" FROM input
    ON CONFLICT ("request_id") DO NOTHING
    RETURNING "request_id"),
  applied AS (SELECT input.* FROM input JOIN inserted USING ("request_id")),`;

/**
 * Writes ledger batches: one statement that inserts the rows not yet present (by `request_id`) and adds
 * exactly their spend to the counters. A batch written twice (a replay after a crash) changes nothing the
 * second time, which is what makes the ledger's at-least-once delivery exactly-once in the database.
 */
@Injectable()
export class SpendLedgerWriter {
  private readonly statement: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const keepRows = config.general_settings.disable_spend_logs !== true;
    // DISTINCT ON: a batch may carry the same call twice (journal replay of a row also still in memory).
    this.statement = `
      WITH input AS (
        SELECT DISTINCT ON ("request_id") * FROM jsonb_to_recordset($1::jsonb) AS r(${recordType})
      ),${keepRows ? STORE_ROWS : APPLY_ONLY}${COUNTER_UPDATES}
      SELECT count(*)::int AS applied FROM applied`;
  }

  /**
   * @param rowsJson each row as JSON (`SpendLogRow`), as the journal already holds it.
   * @returns how many of the rows were new (the rest were already written).
   */
  async insert(rowsJson: readonly string[]): Promise<number> {
    if (rowsJson.length === 0) return 0;
    const result: { applied: number }[] = await this.dataSource.query(this.statement, [storableJsonText(`[${rowsJson.join(',')}]`)]);
    return result[0]?.applied ?? 0;
  }
}

/** A JSON `\u0000` escape not itself escaped: an odd run of backslashes before `u0000`. */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * JSON text whose strings hold no NUL: jsonb (and text) refuse it, and one such row would fail its batch on every
 * retry, holding back every row behind it, restarts included (the journal replays it). A NUL can come from an
 * upstream's answer or an error text; it is kept visible as the six characters `\u0000`.
 */
export function storableJsonText(text: string): string {
  return text.includes('\\u0000') ? text.replace(NUL_ESCAPE, '$1\\\\u0000') : text;
}
