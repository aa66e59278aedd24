import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shared budgets (LiteLLM_BudgetTable) and end users / customers (LiteLLM_EndUserTable). */
export class CreateEndUsersAndBudgets1764340000000 implements MigrationInterface {
  name = 'CreateEndUsersAndBudgets1764340000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_budgets" (
        "budget_id" TEXT PRIMARY KEY,
        "max_budget" DOUBLE PRECISION,
        "soft_budget" DOUBLE PRECISION,
        "max_parallel_requests" INTEGER,
        "tpm_limit" BIGINT,
        "rpm_limit" BIGINT,
        "model_max_budget" JSONB,
        "budget_duration" TEXT,
        "budget_reset_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "created_by" TEXT,
        "updated_by" TEXT
      )`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_end_users" (
        "user_id" TEXT PRIMARY KEY,
        "alias" TEXT,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "allowed_model_region" TEXT CHECK ("allowed_model_region" IN ('eu', 'us')),
        "default_model" TEXT,
        "budget_id" TEXT REFERENCES "tollgate_budgets" ("budget_id") ON DELETE SET NULL,
        "blocked" BOOLEAN NOT NULL DEFAULT false,
        "budget_reset_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_end_users_budget_id_idx" ON "tollgate_end_users" ("budget_id")`);
    await queryRunner.query(`CREATE INDEX "tollgate_end_users_blocked_idx" ON "tollgate_end_users" ("user_id") WHERE "blocked"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_end_users"`);
    await queryRunner.query(`DROP TABLE "tollgate_budgets"`);
  }
}
