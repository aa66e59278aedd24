import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Admin UI login: a password for internal users (LiteLLM's `LiteLLM_UserTable.password`, scrypt-hashed) and the
 * sessions a login opens, shared by every instance. A session row holds only the sha256 of the session id the
 * cookie carries; a user's sessions go with the user; a UI admin session names (by a hash) the UI credentials it
 * was opened with, so changing them ends it.
 */
export class CreateUiSessions1764920000000 implements MigrationInterface {
  name = 'CreateUiSessions1764920000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_users" ADD COLUMN "password" TEXT`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_ui_sessions" (
        "id_hash" TEXT PRIMARY KEY,
        "principal" TEXT NOT NULL CHECK ("principal" IN ('ui_admin', 'user')),
        "user_id" TEXT REFERENCES "tollgate_users" ("user_id") ON DELETE CASCADE,
        "admin_stamp" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMPTZ NOT NULL,
        CHECK (("principal" = 'user') = ("user_id" IS NOT NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_ui_sessions_user_id" ON "tollgate_ui_sessions" ("user_id")`);
    await queryRunner.query(`CREATE INDEX "tollgate_ui_sessions_expires_at" ON "tollgate_ui_sessions" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_ui_sessions"`);
    await queryRunner.query(`ALTER TABLE "tollgate_users" DROP COLUMN "password"`);
  }
}
