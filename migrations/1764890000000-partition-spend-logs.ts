import type { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `
  "request_id" TEXT NOT NULL,
  "call_type" TEXT NOT NULL,
  "api_key" TEXT NOT NULL DEFAULT '',
  "key_id" UUID,
  "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
  "total_tokens" INTEGER NOT NULL DEFAULT 0,
  "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
  "completion_tokens" INTEGER NOT NULL DEFAULT 0,
  "start_time" TIMESTAMPTZ NOT NULL,
  "end_time" TIMESTAMPTZ NOT NULL,
  "completion_start_time" TIMESTAMPTZ,
  "model" TEXT NOT NULL DEFAULT '',
  "model_id" TEXT,
  "model_group" TEXT,
  "custom_llm_provider" TEXT,
  "api_base" TEXT,
  "user" TEXT,
  "end_user" TEXT,
  "team_id" TEXT,
  "organization_id" TEXT,
  "request_tags" TEXT[] NOT NULL DEFAULT '{}',
  "requester_ip_address" TEXT,
  "cache_hit" BOOLEAN NOT NULL DEFAULT false,
  "status" TEXT NOT NULL CHECK ("status" IN ('success', 'failure')),
  "provider_response_id" TEXT,
  "metadata" JSONB NOT NULL DEFAULT '{}'`;

const COLUMN_NAMES = COLUMNS.split('\n')
  .map((line) => /^\s*"([a-z_]+)"/.exec(line)?.[1])
  .filter((name): name is string => Boolean(name))
  .map((name) => `"${name}"`)
  .join(', ');

const INDEXES: readonly [name: string, definition: string][] = [
  ['tollgate_spend_logs_start_time', '("start_time", "request_id")'],
  ['tollgate_spend_logs_api_key', '("api_key", "start_time")'],
  ['tollgate_spend_logs_team', '("team_id", "start_time") WHERE "team_id" IS NOT NULL'],
  ['tollgate_spend_logs_user', '("user", "start_time") WHERE "user" IS NOT NULL'],
  ['tollgate_spend_logs_end_user', '("end_user", "start_time") WHERE "end_user" IS NOT NULL'],
];

/** The months partitioned ahead of time; the gateway keeps adding them (SpendPartitions). */
const MONTHS_AHEAD = 2;

/**
 * `tollgate_spend_logs` becomes a table partitioned by UTC month of `start_time`, so retention drops whole months
 * instead of deleting rows one by one (which leaves dead tuples for vacuum on the hottest table), and a month's
 * indexes stay small. A default partition takes any row no month partition covers. The key becomes
 * (`request_id`, `start_time`): a partitioned table's unique keys must hold its partition column; the ledger's
 * idempotency is unchanged, because a replayed row carries the start time it was first written with.
 * Existing rows are copied into their months.
 */
export class PartitionSpendLogs1764890000000 implements MigrationInterface {
  name = 'PartitionSpendLogs1764890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_spend_logs" RENAME TO "tollgate_spend_logs_unpartitioned"`);
    await queryRunner.query(`ALTER INDEX "tollgate_spend_logs_pkey" RENAME TO "tollgate_spend_logs_unpartitioned_pkey"`);
    for (const [name] of INDEXES) await queryRunner.query(`ALTER INDEX "${name}" RENAME TO "${name}_unpartitioned"`);

    await queryRunner.query(`CREATE TABLE "tollgate_spend_logs" (${COLUMNS}, PRIMARY KEY ("request_id", "start_time")) PARTITION BY RANGE ("start_time")`);
    await queryRunner.query(`CREATE TABLE "tollgate_spend_logs_default" PARTITION OF "tollgate_spend_logs" DEFAULT`);
    const held = (await queryRunner.query(
      `SELECT DISTINCT to_char(date_trunc('month', "start_time" AT TIME ZONE 'UTC'), 'YYYY-MM') AS month FROM "tollgate_spend_logs_unpartitioned"`,
    )) as { month: string }[];
    const now = new Date();
    const months = new Set(held.map((row) => row.month));
    for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead++) months.add(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + ahead, 1)).toISOString().slice(0, 7));
    for (const month of [...months].sort()) {
      const [year, monthNumber] = month.split('-').map(Number);
      const from = new Date(Date.UTC(year, monthNumber - 1, 1)).toISOString();
      const to = new Date(Date.UTC(year, monthNumber, 1)).toISOString();
      await queryRunner.query(
        `CREATE TABLE "tollgate_spend_logs_y${year}m${String(monthNumber).padStart(2, '0')}" PARTITION OF "tollgate_spend_logs" FOR VALUES FROM ('${from}') TO ('${to}')`,
      );
    }
    await queryRunner.query(`INSERT INTO "tollgate_spend_logs" (${COLUMN_NAMES}) SELECT ${COLUMN_NAMES} FROM "tollgate_spend_logs_unpartitioned"`);
    await queryRunner.query(`DROP TABLE "tollgate_spend_logs_unpartitioned"`);
    for (const [name, definition] of INDEXES) await queryRunner.query(`CREATE INDEX "${name}" ON "tollgate_spend_logs" ${definition}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_spend_logs" RENAME TO "tollgate_spend_logs_partitioned"`);
    for (const [name] of INDEXES) await queryRunner.query(`ALTER INDEX "${name}" RENAME TO "${name}_partitioned"`);
    await queryRunner.query(`ALTER INDEX "tollgate_spend_logs_pkey" RENAME TO "tollgate_spend_logs_partitioned_pkey"`);
    await queryRunner.query(`CREATE TABLE "tollgate_spend_logs" (${COLUMNS.replace('"request_id" TEXT NOT NULL', '"request_id" TEXT PRIMARY KEY')})`);
    await queryRunner.query(
      `INSERT INTO "tollgate_spend_logs" (${COLUMN_NAMES}) SELECT DISTINCT ON ("request_id") ${COLUMN_NAMES} FROM "tollgate_spend_logs_partitioned" ORDER BY "request_id", "start_time"`,
    );
    await queryRunner.query(`DROP TABLE "tollgate_spend_logs_partitioned"`);
    for (const [name, definition] of INDEXES) await queryRunner.query(`CREATE INDEX "${name}" ON "tollgate_spend_logs" ${definition}`);
  }
}
