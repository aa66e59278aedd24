import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Models added with `/model/new` when `general_settings.store_model_in_db` is on (LiteLLM_ProxyModelTable).
 * Credential values in `litellm_params` are stored encrypted; `updated_at` lets other instances notice changes.
 */
export class CreateProxyModels1764600000000 implements MigrationInterface {
  name = 'CreateProxyModels1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_proxy_models" (
        "model_id" TEXT PRIMARY KEY,
        "model_name" TEXT NOT NULL,
        "litellm_params" JSONB NOT NULL,
        "model_info" JSONB NOT NULL DEFAULT '{}'::jsonb,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "created_by" TEXT,
        "updated_by" TEXT
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_proxy_models_model_name_idx" ON "tollgate_proxy_models" ("model_name")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_proxy_models"`);
  }
}
