import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who created each file and batch at a provider, so a key sees only its own (providers know one account, not
 * Tollgate's keys), which model group holds it, and when a completed batch was charged (set once, so its spend
 * row is written once however often and concurrently the batch is retrieved).
 */
export class CreateLlmObjectOwners1764870000000 implements MigrationInterface {
  name = 'CreateLlmObjectOwners1764870000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_llm_object_owners" (
        "kind" TEXT NOT NULL,
        "object_id" TEXT NOT NULL,
        "owner" TEXT NOT NULL,
        "key_id" TEXT,
        "team_id" TEXT,
        "model" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "charged_at" TIMESTAMPTZ,
        PRIMARY KEY ("kind", "object_id")
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_llm_object_owners_owner_idx" ON "tollgate_llm_object_owners" ("owner", "kind")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_llm_object_owners"`);
  }
}
