import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Latency of a call in milliseconds, never negative (clock steps). */
const LATENCY_MS = `GREATEST(0, EXTRACT(EPOCH FROM ("end_time" - "start_time")) * 1000)`;
/** Calls whose latency describes the model: answered by it (not a failure, not served from the cache). */
const TIMED = `"status" = 'success' AND NOT "cache_hit"`;

/**
 * Per-model figures by UTC day, kept by the ledger in the same statement that inserts the spend rows (as
 * `tollgate_spend_tag_days`): per-model analytics and the top-models report over a date range read a few rows per
 * day and deployment instead of every call, and they stay when retention drops old months of spend logs.
 * Latency sums count only calls the model answered (successes that were not cache hits); the per-output-token
 * sum only those among them with completion tokens, as LiteLLM's `/model/metrics` averages it.
 *
 * `tollgate_spend_team_days` does the same per team (`''` for calls without one) for the daily team chart.
 *
 * Also indexes for the Admin UI's list pages in the order they page (end users and users, oldest first).
 */
export class SpendModelDays1764940000000 implements MigrationInterface {
  name = 'SpendModelDays1764940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_model_days" (
        "day" DATE NOT NULL,
        "model_group" TEXT NOT NULL,
        "model" TEXT NOT NULL,
        "api_base" TEXT NOT NULL,
        "requests" BIGINT NOT NULL DEFAULT 0,
        "failures" BIGINT NOT NULL DEFAULT 0,
        "timed_requests" BIGINT NOT NULL DEFAULT 0,
        "latency_ms_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "token_timed_requests" BIGINT NOT NULL DEFAULT 0,
        "latency_per_token_ms_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "prompt_tokens" BIGINT NOT NULL DEFAULT 0,
        "completion_tokens" BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY ("day", "model_group", "model", "api_base")
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_model_days_group" ON "tollgate_spend_model_days" ("model_group", "day")`);
    await queryRunner.query(`
      INSERT INTO "tollgate_spend_model_days" ("day", "model_group", "model", "api_base", "requests", "failures", "timed_requests",
        "latency_ms_sum", "token_timed_requests", "latency_per_token_ms_sum", "spend", "prompt_tokens", "completion_tokens")
      SELECT ${MODEL_DAY_AGGREGATES} FROM "tollgate_spend_logs" GROUP BY 1, 2, 3, 4`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_team_days" (
        "day" DATE NOT NULL,
        "team_id" TEXT NOT NULL,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "requests" BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY ("day", "team_id")
      )`);
    await queryRunner.query(`
      INSERT INTO "tollgate_spend_team_days" ("day", "team_id", "spend", "requests")
      SELECT ("start_time" AT TIME ZONE 'UTC')::date, COALESCE("team_id", ''), sum("spend"), count(*) FROM "tollgate_spend_logs" GROUP BY 1, 2`);
    // /customer/list and /user/list page oldest first: an index in that order reads one page, not every row.
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tollgate_end_users_created_at" ON "tollgate_end_users" ("created_at", "user_id")`);
    await queryRunner.query(`CREATE INDEX IF NOT EXISTS "tollgate_users_created_at" ON "tollgate_users" ("created_at", "user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "tollgate_users_created_at"`);
    await queryRunner.query(`DROP INDEX IF EXISTS "tollgate_end_users_created_at"`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_team_days"`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_model_days"`);
  }
}

/**
 * The select list that turns spend log rows into `tollgate_spend_model_days` rows (grouped by the first four),
 * as the ledger writer computes it over each batch (src/spend/spend-ledger.writer.ts keeps its own copy: a
 * migration never changes after it lands).
 */
const MODEL_DAY_AGGREGATES = `
  ("start_time" AT TIME ZONE 'UTC')::date, COALESCE("model_group", ''), "model", COALESCE("api_base", ''),
  count(*), count(*) FILTER (WHERE "status" = 'failure'),
  count(*) FILTER (WHERE ${TIMED}), COALESCE(sum(${LATENCY_MS}) FILTER (WHERE ${TIMED}), 0),
  count(*) FILTER (WHERE ${TIMED} AND "completion_tokens" > 0),
  COALESCE(sum(${LATENCY_MS} / NULLIF("completion_tokens", 0)) FILTER (WHERE ${TIMED} AND "completion_tokens" > 0), 0),
  COALESCE(sum("spend"), 0), COALESCE(sum("prompt_tokens"), 0), COALESCE(sum("completion_tokens"), 0)`;
