import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Organization budgets are enforced like every other budget, so their window end is kept too. */
export class OrganizationBudgetWindows1764700000000 implements MigrationInterface {
  name = 'OrganizationBudgetWindows1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_organizations" ADD COLUMN "budget_reset_at" TIMESTAMPTZ`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_organizations" DROP COLUMN "budget_reset_at"`);
  }
}
