import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Internal users (LiteLLM_UserTable), teams (LiteLLM_TeamTable), team memberships (LiteLLM_TeamMembership),
 * organizations (LiteLLM_OrganizationTable) and their members (LiteLLM_OrganizationMembership).
 */
export class CreateTeamsUsersOrganizations1764360000000 implements MigrationInterface {
  name = 'CreateTeamsUsersOrganizations1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tollgate_organizations" (
        "organization_id" TEXT PRIMARY KEY,
        "organization_alias" TEXT,
        "models" TEXT[] NOT NULL DEFAULT '{}',
        "max_budget" DOUBLE PRECISION,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "budget_id" TEXT REFERENCES "tollgate_budgets" ("budget_id") ON DELETE SET NULL,
        "tpm_limit" BIGINT,
        "rpm_limit" BIGINT,
        "metadata" JSONB NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "created_by" TEXT
      )`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_users" (
        "user_id" TEXT PRIMARY KEY,
        "user_email" TEXT UNIQUE,
        "user_alias" TEXT,
        "user_role" TEXT NOT NULL DEFAULT 'internal_user'
          CHECK ("user_role" IN ('proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer')),
        "teams" TEXT[] NOT NULL DEFAULT '{}',
        "max_budget" DOUBLE PRECISION,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "budget_duration" TEXT,
        "budget_reset_at" TIMESTAMPTZ,
        "models" TEXT[] NOT NULL DEFAULT '{}',
        "tpm_limit" BIGINT,
        "rpm_limit" BIGINT,
        "metadata" JSONB NOT NULL DEFAULT '{}',
        "organization_id" TEXT REFERENCES "tollgate_organizations" ("organization_id") ON DELETE SET NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_teams" (
        "team_id" TEXT PRIMARY KEY,
        "team_alias" TEXT,
        "organization_id" TEXT REFERENCES "tollgate_organizations" ("organization_id") ON DELETE SET NULL,
        "members_with_roles" JSONB NOT NULL DEFAULT '[]',
        "models" TEXT[] NOT NULL DEFAULT '{}',
        "max_budget" DOUBLE PRECISION,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "budget_duration" TEXT,
        "budget_reset_at" TIMESTAMPTZ,
        "tpm_limit" BIGINT,
        "rpm_limit" BIGINT,
        "max_parallel_requests" INTEGER,
        "model_aliases" JSONB NOT NULL DEFAULT '{}',
        "metadata" JSONB NOT NULL DEFAULT '{}',
        "blocked" BOOLEAN NOT NULL DEFAULT false,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_teams_organization_id_idx" ON "tollgate_teams" ("organization_id")`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_team_memberships" (
        "team_id" TEXT NOT NULL REFERENCES "tollgate_teams" ("team_id") ON DELETE CASCADE,
        "user_id" TEXT NOT NULL REFERENCES "tollgate_users" ("user_id") ON DELETE CASCADE,
        "spend" DOUBLE PRECISION NOT NULL DEFAULT 0,
        "budget_id" TEXT REFERENCES "tollgate_budgets" ("budget_id") ON DELETE SET NULL,
        PRIMARY KEY ("team_id", "user_id")
      )`);
    await queryRunner.query(`CREATE INDEX "tollgate_team_memberships_user_id_idx" ON "tollgate_team_memberships" ("user_id")`);
    await queryRunner.query(`
      CREATE TABLE "tollgate_organization_members" (
        "organization_id" TEXT NOT NULL REFERENCES "tollgate_organizations" ("organization_id") ON DELETE CASCADE,
        "user_id" TEXT NOT NULL REFERENCES "tollgate_users" ("user_id") ON DELETE CASCADE,
        "user_role" TEXT NOT NULL DEFAULT 'internal_user',
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("organization_id", "user_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tollgate_organization_members"`);
    await queryRunner.query(`DROP TABLE "tollgate_team_memberships"`);
    await queryRunner.query(`DROP TABLE "tollgate_teams"`);
    await queryRunner.query(`DROP TABLE "tollgate_users"`);
    await queryRunner.query(`DROP TABLE "tollgate_organizations"`);
  }
}
