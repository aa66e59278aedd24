import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The spend ledger (LiteLLM_SpendLogs): one row per LLM call, written idempotently by `request_id`. Tags get a
 * row each in `tollgate_spend_log_tags` so per-tag reports are an index range scan, not a scan of JSON arrays;
 * `tollgate_tag_spend` is the per-tag counter the ledger keeps equal to the sum of those rows.
 */
export class CreateSpendLogs1764400000000 implements MigrationInterface {
  name = 'CreateSpendLogs1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_logs" (
        "request_id" TEXT PRIMARY KEY,
        "call_type" TEXT NOT NULL,
        "api_key" TEXT NOT NULL DEFAULT '',
        "key_id" UUID,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "total_tokens" INTEGER NOT NULL DEFAULT 0,
        "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
        "completion_tokens" INTEGER NOT NULL DEFAULT 0,
        "start_time" TIMESTAMPTZ NOT NULL,
        "end_time" TIMESTAMPTZ NOT NULL,
        "completion_start_time" TIMESTAMPTZ,
        "model" TEXT NOT NULL DEFAULT '',
        "model_id" TEXT,
        "model_group" TEXT,
        "custom_llm_provider" TEXT,
        "api_base" TEXT,
        "user" TEXT,
        "end_user" TEXT,
        "team_id" TEXT,
        "organization_id" TEXT,
        "request_tags" TEXT[] NOT NULL DEFAULT '{}',
        "requester_ip_address" TEXT,
        "cache_hit" BOOLEAN NOT NULL DEFAULT false,
        "status" TEXT NOT NULL CHECK ("status" IN ('success', 'failure')),
        "provider_response_id" TEXT,
        "metadata" JSONB NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_logs_start_time" ON "tollgate_spend_logs" ("start_time", "request_id")`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_logs_api_key" ON "tollgate_spend_logs" ("api_key", "start_time")`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_logs_team" ON "tollgate_spend_logs" ("team_id", "start_time") WHERE "team_id" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_logs_user" ON "tollgate_spend_logs" ("user", "start_time") WHERE "user" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_logs_end_user" ON "tollgate_spend_logs" ("end_user", "start_time") WHERE "end_user" IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_log_tags" (
        "tag" TEXT NOT NULL,
        "start_time" TIMESTAMPTZ NOT NULL,
        "request_id" TEXT NOT NULL,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        PRIMARY KEY ("tag", "start_time", "request_id")
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_log_tags_start_time" ON "tollgate_spend_log_tags" ("start_time")`);
    // With `disable_spend_logs` no row is kept, but counters must still be applied exactly once per call.
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_applied" (
        "request_id" TEXT PRIMARY KEY,
        "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_tag_spend" (
        "tag" TEXT PRIMARY KEY,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "log_count" BIGINT NOT NULL DEFAULT 0,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_tag_spend"`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_applied"`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_log_tags"`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_logs"`);
  }
}
