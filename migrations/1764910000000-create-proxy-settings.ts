import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settings an admin changes at runtime through the API (LiteLLM keeps them in `LiteLLM_Config`): one JSON value per
 * name, over what `config.yaml` says, shared by every instance.
 */
export class CreateProxySettings1764910000000 implements MigrationInterface {
  name = 'CreateProxySettings1764910000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_proxy_settings" (
        "name" TEXT PRIMARY KEY,
        "value" JSONB NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_by" TEXT
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_proxy_settings"`);
  }
}
