import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInstanceBoots1764230400000 implements MigrationInterface {
  name = 'CreateInstanceBoots1764230400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_instance_boots" (
        "id" BIGSERIAL PRIMARY KEY,
        "instance_id" UUID NOT NULL,
        "version" TEXT NOT NULL,
        "hostname" TEXT NOT NULL,
        "started_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_instance_boots"`);
  }
}
