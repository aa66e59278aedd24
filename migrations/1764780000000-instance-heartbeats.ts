import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Instances say they are alive, so one that runs without Redis can tell it is not alone on the database. */
export class InstanceHeartbeats1764780000000 implements MigrationInterface {
  name = 'InstanceHeartbeats1764780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_instance_boots" ADD COLUMN "last_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now()`);
    await queryRunner.query(`ALTER TABLE "tollgate_instance_boots" ADD COLUMN "shared_store" TEXT NOT NULL DEFAULT 'memory'`);
    await queryRunner.query(`CREATE INDEX "tollgate_instance_boots_last_seen_idx" ON "tollgate_instance_boots" ("last_seen_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "tollgate_instance_boots_last_seen_idx"`);
    await queryRunner.query(`ALTER TABLE "tollgate_instance_boots" DROP COLUMN "shared_store"`);
    await queryRunner.query(`ALTER TABLE "tollgate_instance_boots" DROP COLUMN "last_seen_at"`);
  }
}
