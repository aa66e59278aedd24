import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-tag spend by UTC day, kept by the ledger in the same statement as every other counter, replaces one row per
 * (call, tag): tag reports over a date range read a few rows per day instead of one per tagged call, the rows stay
 * when retention prunes old spend logs, and a tagged call costs ~230 fewer bytes per tag on disk. Scoped tag reports
 * (a key's own) read the caller's spend logs and their `request_tags`.
 */
export class SpendTagDays1764880000000 implements MigrationInterface {
  name = 'SpendTagDays1764880000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_tag_days" (
        "day" DATE NOT NULL,
        "tag" TEXT NOT NULL,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "log_count" BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY ("day", "tag")
      )`);
    await queryRunner.query(`
      INSERT INTO "tollgate_spend_tag_days" ("day", "tag", "spend", "log_count")
      SELECT ("start_time" AT TIME ZONE 'UTC')::date, "tag", sum("spend"), count(*) FROM "tollgate_spend_log_tags" GROUP BY 1, 2`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_log_tags"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_spend_log_tags" (
        "tag" TEXT NOT NULL,
        "start_time" TIMESTAMPTZ NOT NULL,
        "request_id" TEXT NOT NULL,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        PRIMARY KEY ("tag", "start_time", "request_id")
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_spend_log_tags_start_time" ON "tollgate_spend_log_tags" ("start_time")`);
    await queryRunner.query(`
      INSERT INTO "tollgate_spend_log_tags" ("tag", "start_time", "request_id", "spend")
      SELECT t.tag, sl."start_time", sl."request_id", sl."spend" FROM "tollgate_spend_logs" sl CROSS JOIN LATERAL unnest(sl."request_tags") AS t(tag)
      ON CONFLICT DO NOTHING`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_tag_days"`);
  }
}
