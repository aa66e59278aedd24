import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per alert that went out, keyed by what makes it unique: its type, the subject (a budget's spend account),
 * the threshold (`50`, `100`, `soft`) and the budget window it happened in. Every instance inserts with
 * `ON CONFLICT DO NOTHING` before sending and sends only when its row went in, so a threshold alerts once per
 * window across all instances, and a budget that resets alerts again in its next window. `window_end` (null for a
 * budget that never resets) lets a job delete the rows of windows that are over.
 */
export class CreateSentAlerts1764900000000 implements MigrationInterface {
  name = 'CreateSentAlerts1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_sent_alerts" (
        "alert_type" TEXT NOT NULL,
        "subject" TEXT NOT NULL,
        "threshold" TEXT NOT NULL,
        "window_start" TIMESTAMPTZ NOT NULL,
        "window_end" TIMESTAMPTZ,
        "sent_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("alert_type", "subject", "threshold", "window_start")
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_sent_alerts_window_end" ON "tollgate_sent_alerts" ("window_end") WHERE "window_end" IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_sent_alerts"`);
  }
}
