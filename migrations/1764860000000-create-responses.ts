import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored responses of the Responses API (`store` not false): what `GET /v1/responses/{id}`, `…/input_items` and a
 * `previous_response_id` continuation read. Each row belongs to the key that created it (`owner`) and is visible
 * until `expires_at` (general_settings.responses_retention_period); `item_ids` lets an `item_reference` find the
 * response holding an item. The bodies are `json`, not `jsonb`: a response reads back exactly as it was sent.
 */
export class CreateResponses1764860000000 implements MigrationInterface {
  name = 'CreateResponses1764860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_responses" (
        "id" TEXT PRIMARY KEY,
        "owner" TEXT NOT NULL,
        "model" TEXT NOT NULL,
        "deployment_id" TEXT,
        "previous_response_id" TEXT,
        "input_items" JSON NOT NULL,
        "response" JSON NOT NULL,
        "item_ids" TEXT[] NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMPTZ NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_responses_owner_idx" ON "tollgate_responses" ("owner", "created_at")`);
    await queryRunner.query(`CREATE INDEX "tollgate_responses_item_ids_idx" ON "tollgate_responses" USING GIN ("item_ids")`);
    await queryRunner.query(`CREATE INDEX "tollgate_responses_expires_at_idx" ON "tollgate_responses" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_responses"`);
  }
}
