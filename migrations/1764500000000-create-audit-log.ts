import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * LiteLLM_AuditLog's columns plus what makes the log tamper-evident: `seq` orders the chain, `prev_hash` and
 * `row_hash` link each row to the one before (HMAC with a key that is never stored here). `tollgate_audit_anchor`
 * holds the hash the oldest kept row chains to, moved only by the retention job, which attests each move in a row.
 */
export class CreateAuditLog1764500000000 implements MigrationInterface {
  name = 'CreateAuditLog1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_audit_log" (
        "id" UUID PRIMARY KEY,
        "seq" BIGINT NOT NULL UNIQUE,
        "updated_at" TIMESTAMPTZ NOT NULL,
        "changed_by" TEXT,
        "changed_by_api_key" TEXT,
        "action" TEXT NOT NULL,
        "table_name" TEXT NOT NULL,
        "object_id" TEXT,
        "before_value" JSON,
        "updated_values" JSON,
        "request_id" TEXT,
        "client_ip" TEXT,
        "route" TEXT,
        "prev_hash" TEXT NOT NULL,
        "row_hash" TEXT NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_audit_log_updated_at" ON "tollgate_audit_log" ("updated_at", "seq")`);
    await queryRunner.query(`CREATE INDEX "tollgate_audit_log_object" ON "tollgate_audit_log" ("table_name", "object_id", "seq")`);
    await queryRunner.query(`CREATE INDEX "tollgate_audit_log_changed_by" ON "tollgate_audit_log" ("changed_by", "seq")`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_audit_anchor" (
        "id" SMALLINT PRIMARY KEY CHECK ("id" = 1),
        "seq" BIGINT NOT NULL,
        "row_hash" TEXT NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_audit_anchor"`);
    await queryRunner.query(`DROP TABLE "tollgate_audit_log"`);
  }
}
