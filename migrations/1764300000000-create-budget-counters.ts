import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Committed spend of budget holders other than keys: the global proxy budget, later users, teams, end users. */
export class CreateBudgetCounters1764300000000 implements MigrationInterface {
  name = 'CreateBudgetCounters1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_budget_counters" (
        "entity_type" TEXT NOT NULL,
        "entity_id" TEXT NOT NULL,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "budget_reset_at" TIMESTAMPTZ,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("entity_type", "entity_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_budget_counters"`);
  }
}
