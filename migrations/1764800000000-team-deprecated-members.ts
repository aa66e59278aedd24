import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * LiteLLM keeps a team's deprecated `members` list as it was given to `/team/new`; `/team/member_add` grows only
 * `members_with_roles`. Existing teams keep what they showed so far: the user ids of their members.
 */
export class TeamDeprecatedMembers1764800000000 implements MigrationInterface {
  name = 'TeamDeprecatedMembers1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_teams" ADD COLUMN "members" TEXT[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`
      UPDATE "tollgate_teams" SET "members" = ARRAY(
        SELECT m->>'user_id' FROM jsonb_array_elements("members_with_roles") AS m WHERE m->>'user_id' IS NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tollgate_teams" DROP COLUMN "members"`);
  }
}
