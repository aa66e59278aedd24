import { UnitOfWork } from '../database/unit-of-work';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, QueryDeepPartialEntity } from 'typeorm';
import { OrganizationEntity, OrganizationMemberEntity, TeamEntity, UserEntity } from './entities';
import { OrganizationExistsError, TeamExistsError, UserExistsError } from './teams.errors';

export type NewTeam = Omit<TeamEntity, 'createdAt' | 'updatedAt'>;
export type TeamChanges = Partial<Omit<TeamEntity, 'teamId' | 'createdAt' | 'updatedAt' | 'spend'>>;
export type NewUser = Omit<UserEntity, 'createdAt' | 'updatedAt'>;
export type UserChanges = Partial<Omit<UserEntity, 'userId' | 'createdAt' | 'updatedAt'>>;
export type NewOrganization = Omit<OrganizationEntity, 'createdAt' | 'updatedAt'>;
export type OrganizationChanges = Partial<Omit<OrganizationEntity, 'organizationId' | 'createdAt' | 'updatedAt' | 'createdBy'>>;

/** What a login is checked against. */
export interface UserCredentials {
  userId: string;
  /** The scrypt hash, or null for a user who has no password (and cannot log in). */
  passwordHash: string | null;
}

/** A membership row with the max_budget of its budget row. */
export interface MembershipRow {
  teamId: string;
  userId: string;
  spend: number;
  budgetId: string | null;
  maxBudget: number | null;
}

const pgCode = (error: unknown): string | undefined => (error as { code?: string }).code;
/** TypeORM's partial-entity type cannot express `unknown` JSON values; the jsonb columns take any JSON. */
const partial = <T>(values: object): QueryDeepPartialEntity<T> => values as QueryDeepPartialEntity<T>;

/** The only code that touches the ORM for teams, internal users, memberships and organizations. */
@Injectable()
export class TeamsRepository {
  constructor(private readonly db: UnitOfWork) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  // ───────────── teams ─────────────

  findTeam(teamId: string, manager: EntityManager = this.db.manager): Promise<TeamEntity | null> {
    return manager.findOneBy(TeamEntity, { teamId });
  }

  findTeams(teamIds: readonly string[]): Promise<TeamEntity[]> {
    if (!teamIds.length) return Promise.resolve([]);
    return this.db.manager.find(TeamEntity, { where: { teamId: In([...teamIds]) }, order: { createdAt: 'ASC', teamId: 'ASC' } });
  }

  listTeams(filter: { organizationId?: string }): Promise<TeamEntity[]> {
    return this.db.manager.find(TeamEntity, {
      where: filter.organizationId ? { organizationId: filter.organizationId } : {},
      order: { createdAt: 'ASC', teamId: 'ASC' },
    });
  }

  /** @throws TeamExistsError */
  async insertTeam(manager: EntityManager, team: NewTeam): Promise<void> {
    try {
      await manager.transaction(async (inner) => inner.insert(TeamEntity, partial<TeamEntity>(team)));
    } catch (error) {
      if (pgCode(error) === '23505') throw new TeamExistsError(team.teamId);
      throw error;
    }
  }

  async updateTeam(manager: EntityManager, teamId: string, changes: TeamChanges): Promise<boolean> {
    const result = await manager.update(TeamEntity, { teamId }, partial<TeamEntity>({ ...changes, updatedAt: new Date() }));
    return !!result.affected;
  }

  /** Deletes teams with their memberships (cascade) and removes their ids from users' `teams`. */
  async deleteTeams(teamIds: readonly string[]): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(
        `UPDATE "tollgate_users" SET "teams" = ARRAY(SELECT t FROM unnest("teams") t WHERE t <> ALL($1::text[])), "updated_at" = now() WHERE "teams" && $1::text[]`,
        [[...teamIds]],
      );
      await manager.delete(TeamEntity, { teamId: In([...teamIds]) });
    });
  }

  // ───────────── memberships ─────────────

  async findMemberships(filter: { teamId?: string; userId?: string }, manager: EntityManager = this.db.manager): Promise<MembershipRow[]> {
    const conditions: string[] = [];
    const parameters: string[] = [];
    if (filter.teamId !== undefined) conditions.push(`m."team_id" = $${parameters.push(filter.teamId)}`);
    if (filter.userId !== undefined) conditions.push(`m."user_id" = $${parameters.push(filter.userId)}`);
    const rows = (await manager.query(
      `SELECT m."team_id", m."user_id", m."spend", m."budget_id", b."max_budget" FROM "tollgate_team_memberships" m
       LEFT JOIN "tollgate_budgets" b ON b."budget_id" = m."budget_id" ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY m."team_id", m."user_id"`,
      parameters,
    )) as { team_id: string; user_id: string; spend: number; budget_id: string | null; max_budget: number | null }[];
    return rows.map((row) => ({
      teamId: row.team_id,
      userId: row.user_id,
      spend: Number(row.spend),
      budgetId: row.budget_id,
      maxBudget: row.max_budget === null ? null : Number(row.max_budget),
    }));
  }

  /** Creates the membership (no-op when it exists) and adds the team to the user's `teams`. */
  async addMembership(manager: EntityManager, teamId: string, userId: string): Promise<void> {
    await manager.query(`INSERT INTO "tollgate_team_memberships" ("team_id", "user_id") VALUES ($1, $2) ON CONFLICT DO NOTHING`, [teamId, userId]);
    await manager.query(`UPDATE "tollgate_users" SET "teams" = array_append("teams", $1), "updated_at" = now() WHERE "user_id" = $2 AND NOT ($1 = ANY("teams"))`, [teamId, userId]);
  }

  async removeMembership(manager: EntityManager, teamId: string, userId: string): Promise<void> {
    const [rows] = (await manager.query(`DELETE FROM "tollgate_team_memberships" WHERE "team_id" = $1 AND "user_id" = $2 RETURNING "budget_id"`, [teamId, userId])) as [
      { budget_id: string | null }[],
      number,
    ];
    await manager.query(`UPDATE "tollgate_users" SET "teams" = array_remove("teams", $1), "updated_at" = now() WHERE "user_id" = $2`, [teamId, userId]);
    const budgetId = rows[0]?.budget_id;
    if (budgetId) await manager.query(`DELETE FROM "tollgate_budgets" WHERE "budget_id" = $1`, [budgetId]);
  }

  /** Gives a membership its own budget row with `maxBudget`, or changes the one it has. */
  async setMemberBudget(manager: EntityManager, teamId: string, userId: string, maxBudget: number, actor: string | null): Promise<void> {
    const [membership] = (await manager.query(`SELECT "budget_id" FROM "tollgate_team_memberships" WHERE "team_id" = $1 AND "user_id" = $2`, [teamId, userId])) as {
      budget_id: string | null;
    }[];
    if (membership?.budget_id) {
      await manager.query(`UPDATE "tollgate_budgets" SET "max_budget" = $2, "updated_at" = now(), "updated_by" = $3 WHERE "budget_id" = $1`, [
        membership.budget_id,
        maxBudget,
        actor,
      ]);
      return;
    }
    const budgetId = randomUUID();
    await manager.query(`INSERT INTO "tollgate_budgets" ("budget_id", "max_budget", "created_by", "updated_by") VALUES ($1, $2, $3, $3)`, [budgetId, maxBudget, actor]);
    await manager.query(`UPDATE "tollgate_team_memberships" SET "budget_id" = $3 WHERE "team_id" = $1 AND "user_id" = $2`, [teamId, userId, budgetId]);
  }

  // ───────────── users ─────────────

  findUser(userId: string, manager: EntityManager = this.db.manager): Promise<UserEntity | null> {
    return manager.findOneBy(UserEntity, { userId });
  }

  findUserByEmail(userEmail: string, manager: EntityManager = this.db.manager): Promise<UserEntity | null> {
    return manager.findOneBy(UserEntity, { userEmail });
  }

  findUsers(userIds: readonly string[]): Promise<UserEntity[]> {
    if (!userIds.length) return Promise.resolve([]);
    return this.db.manager.find(UserEntity, { where: { userId: In([...userIds]) }, order: { createdAt: 'ASC', userId: 'ASC' } });
  }

  async listUsers(filter: { role?: string; userIds?: string[] }, page: number, size: number): Promise<{ rows: UserEntity[]; total: number }> {
    const where: Record<string, unknown> = {};
    if (filter.role) where.userRole = filter.role;
    if (filter.userIds) where.userId = In(filter.userIds);
    const [rows, total] = await this.db.manager.findAndCount(UserEntity, { where, order: { createdAt: 'ASC', userId: 'ASC' }, skip: (page - 1) * size, take: size });
    return { rows, total };
  }

  /** @throws UserExistsError */
  async insertUser(manager: EntityManager, user: NewUser): Promise<void> {
    try {
      await manager.transaction(async (inner) => inner.insert(UserEntity, partial<UserEntity>(user)));
    } catch (error) {
      if (pgCode(error) === '23505') throw new UserExistsError(user.userEmail ? `user_id=${user.userId} or user_email=${user.userEmail}` : `user_id=${user.userId}`);
      throw error;
    }
  }

  async updateUser(manager: EntityManager, userId: string, changes: UserChanges): Promise<boolean> {
    try {
      const result = await manager.update(UserEntity, { userId }, partial<UserEntity>({ ...changes, updatedAt: new Date() }));
      return !!result.affected;
    } catch (error) {
      if (pgCode(error) === '23505') throw new UserExistsError(`user_email=${changes.userEmail ?? ''}`);
      throw error;
    }
  }

  /**
   * The user a login names, by user_id, else by user_email (case-insensitive, as LiteLLM's login), with its
   * password hash: the one read that selects the password.
   */
  async findUserCredentials(login: string): Promise<UserCredentials | null> {
    const rows = (await this.db.query(
      `SELECT "user_id", "password" FROM "tollgate_users" WHERE "user_id" = $1 OR lower("user_email") = lower($1)
       ORDER BY ("user_id" = $1) DESC, "created_at" LIMIT 1`,
      [login],
    )) as { user_id: string; password: string | null }[];
    return rows.length ? { userId: rows[0].user_id, passwordHash: rows[0].password } : null;
  }

  /** Sets (or with null clears) a user's password hash and ends the user's Admin UI sessions, in `manager`'s transaction. */
  async setPassword(manager: EntityManager, userId: string, passwordHash: string | null): Promise<void> {
    await manager.query(`UPDATE "tollgate_users" SET "password" = $2, "updated_at" = now() WHERE "user_id" = $1`, [userId, passwordHash]);
    // The sessions table belongs to src/sessions; ending a user's sessions with the credential they were opened by
    // is part of changing that credential, so it commits (or rolls back) with it.
    await manager.query(`DELETE FROM "tollgate_ui_sessions" WHERE "user_id" = $1`, [userId]);
  }

  /** Deletes users; their memberships go with them, and they leave the members_with_roles of their teams. */
  async deleteUsers(userIds: readonly string[]): Promise<string[]> {
    return this.db.transaction(async (manager) => {
      await manager.query(
        `UPDATE "tollgate_teams" SET "members_with_roles" = COALESCE((SELECT jsonb_agg(m) FROM jsonb_array_elements("members_with_roles") m
           WHERE NOT (m->>'user_id' = ANY($1::text[]))), '[]'::jsonb), "updated_at" = now()
         WHERE EXISTS (SELECT 1 FROM jsonb_array_elements("members_with_roles") m WHERE m->>'user_id' = ANY($1::text[]))`,
        [[...userIds]],
      );
      const [rows] = (await manager.query(`DELETE FROM "tollgate_users" WHERE "user_id" = ANY($1::text[]) RETURNING "user_id"`, [[...userIds]])) as [{ user_id: string }[], number];
      return rows.map((row) => row.user_id);
    });
  }

  // ───────────── organizations ─────────────

  findOrganization(organizationId: string, manager: EntityManager = this.db.manager): Promise<OrganizationEntity | null> {
    return manager.findOneBy(OrganizationEntity, { organizationId });
  }

  findOrganizations(ids: readonly string[]): Promise<OrganizationEntity[]> {
    if (!ids.length) return Promise.resolve([]);
    return this.db.manager.find(OrganizationEntity, { where: { organizationId: In([...ids]) }, order: { createdAt: 'ASC', organizationId: 'ASC' } });
  }

  listOrganizations(): Promise<OrganizationEntity[]> {
    return this.db.manager.find(OrganizationEntity, { order: { createdAt: 'ASC', organizationId: 'ASC' } });
  }

  /** Creates an organization and, first, its budget row when `budget` is given. @throws OrganizationExistsError */
  async insertOrganization(organization: NewOrganization, budget: Record<string, unknown> | null): Promise<OrganizationEntity> {
    try {
      return await this.db.transaction(async (manager) => {
        if (budget) {
          await manager.query(
            `INSERT INTO "tollgate_budgets" ("budget_id", "max_budget", "tpm_limit", "rpm_limit", "max_parallel_requests", "budget_duration", "created_by", "updated_by")
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
            [budget.budgetId, budget.maxBudget, budget.tpmLimit, budget.rpmLimit, budget.maxParallelRequests, budget.budgetDuration, organization.createdBy],
          );
        }
        await manager.insert(OrganizationEntity, partial<OrganizationEntity>(organization));
        return manager.findOneByOrFail(OrganizationEntity, { organizationId: organization.organizationId });
      });
    } catch (error) {
      if (pgCode(error) === '23505') throw new OrganizationExistsError(organization.organizationId);
      throw error;
    }
  }

  async updateOrganization(organizationId: string, changes: OrganizationChanges): Promise<OrganizationEntity | null> {
    return this.db.transaction(async (manager) => {
      const result = await manager.update(OrganizationEntity, { organizationId }, partial<OrganizationEntity>({ ...changes, updatedAt: new Date() }));
      if (!result.affected) return null;
      const saved = await manager.findOneByOrFail(OrganizationEntity, { organizationId });
      if (saved.budgetId) {
        await manager.query(`UPDATE "tollgate_budgets" SET "max_budget" = $2, "tpm_limit" = $3, "rpm_limit" = $4, "updated_at" = now() WHERE "budget_id" = $1`, [
          saved.budgetId,
          saved.maxBudget,
          saved.tpmLimit,
          saved.rpmLimit,
        ]);
      }
      return saved;
    });
  }

  /** Deletes organizations; their teams and users keep no organization (ON DELETE SET NULL). */
  async deleteOrganizations(ids: readonly string[]): Promise<OrganizationEntity[]> {
    return this.db.transaction(async (manager) => {
      const rows = await manager.find(OrganizationEntity, { where: { organizationId: In([...ids]) } });
      await manager.delete(OrganizationEntity, { organizationId: In([...ids]) });
      const budgets = rows.map((row) => row.budgetId).filter((id): id is string => id !== null);
      if (budgets.length) await manager.query(`DELETE FROM "tollgate_budgets" WHERE "budget_id" = ANY($1::text[])`, [budgets]);
      return rows;
    });
  }

  findOrganizationMembers(organizationId: string): Promise<OrganizationMemberEntity[]> {
    return this.db.manager.find(OrganizationMemberEntity, { where: { organizationId }, order: { createdAt: 'ASC', userId: 'ASC' } });
  }

  async upsertOrganizationMember(manager: EntityManager, organizationId: string, userId: string, userRole: string): Promise<void> {
    await manager.query(
      `INSERT INTO "tollgate_organization_members" ("organization_id", "user_id", "user_role") VALUES ($1, $2, $3)
       ON CONFLICT ("organization_id", "user_id") DO UPDATE SET "user_role" = EXCLUDED."user_role"`,
      [organizationId, userId, userRole],
    );
  }

  // ───────────── spend ─────────────

  /** Starts a new budget window unless another writer already did. */
}

/** Memberships are cached under `teamId NUL userId`. */
export function membershipKey(teamId: string, userId: string): string {
  return `${teamId}\u0000${userId}`;
}
