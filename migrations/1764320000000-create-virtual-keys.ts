import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Virtual keys (LiteLLM's LiteLLM_VerificationToken) and the rotated-out hashes still inside a grace period. */
export class CreateVirtualKeys1764320000000 implements MigrationInterface {
  name = 'CreateVirtualKeys1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_virtual_keys" (
        "token" TEXT PRIMARY KEY,
        "key_id" UUID NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        "key_name" TEXT NOT NULL,
        "key_alias" TEXT,
        "user_id" TEXT,
        "team_id" TEXT,
        "models" TEXT[] NOT NULL DEFAULT '{}',
        "aliases" JSONB NOT NULL DEFAULT '{}',
        "config" JSONB NOT NULL DEFAULT '{}',
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "max_budget" DOUBLE PRECISION,
        "soft_budget" DOUBLE PRECISION,
        "budget_duration" TEXT,
        "budget_reset_at" TIMESTAMPTZ,
        "tpm_limit" BIGINT,
        "rpm_limit" BIGINT,
        "max_parallel_requests" INTEGER,
        "model_max_budget" JSONB NOT NULL DEFAULT '{}',
        "model_spend" JSONB NOT NULL DEFAULT '{}',
        "metadata" JSONB NOT NULL DEFAULT '{}',
        "permissions" JSONB NOT NULL DEFAULT '{}',
        "allowed_cache_controls" TEXT[] NOT NULL DEFAULT '{}',
        "allowed_routes" TEXT[] NOT NULL DEFAULT '{}',
        "blocked" BOOLEAN NOT NULL DEFAULT false,
        "expires" TIMESTAMPTZ,
        "budget_id" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "created_by" TEXT,
        "updated_by" TEXT
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "tollgate_virtual_keys_key_alias_key" ON "tollgate_virtual_keys" ("key_alias") WHERE "key_alias" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "tollgate_virtual_keys_user_id_idx" ON "tollgate_virtual_keys" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "tollgate_virtual_keys_team_id_idx" ON "tollgate_virtual_keys" ("team_id")`);
    await queryRunner.query(`CREATE INDEX "tollgate_virtual_keys_created_at_idx" ON "tollgate_virtual_keys" ("created_at" DESC, "token" DESC)`);
    // ON UPDATE CASCADE: rotating a key rewrites its primary key, and grace entries must follow it to the new hash.
    await queryRunner.query(`
      CREATE TABLE "tollgate_deprecated_virtual_keys" (
        "token" TEXT PRIMARY KEY,
        "active_token" TEXT NOT NULL REFERENCES "tollgate_virtual_keys" ("token") ON UPDATE CASCADE ON DELETE CASCADE,
        "revoke_at" TIMESTAMPTZ NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_deprecated_virtual_keys_active_token_idx" ON "tollgate_deprecated_virtual_keys" ("active_token")`);
    await queryRunner.query(`CREATE INDEX "tollgate_deprecated_virtual_keys_revoke_at_idx" ON "tollgate_deprecated_virtual_keys" ("revoke_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_deprecated_virtual_keys"`);
    await queryRunner.query(`DROP TABLE "tollgate_virtual_keys"`);
  }
}
