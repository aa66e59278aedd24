import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../common/access/caller';
import { MASTER_KEY_USER_ID } from '../common/access/caller';
import { addDuration, parseDuration } from '../common/duration';
import type { GenerateKeyDto } from '../keys/dto/key-params.dto';
import type { ListKeysQueryDto } from '../keys/dto/key-request.dto';
import { assertWithinGrant, GrantHolder, KeyGrant } from '../keys/key-permissions';
import { KeysService } from '../keys/keys.service';
import { SerialQueue } from '../common/serial-queue';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { MemberAddDto, MemberDeleteDto, MemberUpdateDto, NewTeamDto, TeamFieldsDto, UpdateTeamDto } from './dto/team-request.dto';
import type { NewUserDto, UpdateUserDto, UserListQueryDto } from './dto/user-request.dto';
import type { StoredMember, TeamEntity, UserEntity } from './entities';
import { AuditAction, AuditLogService } from '../audit/audit-log.service';
import { addMembers, findMember, isMemberRole, memberLabel, MemberInput, withCreator } from './members';
import { toMembershipRow, toTeamRow, toUserRow } from './team-mapper';
import { TeamDirectory } from './team-directory.service';
import { PROXY_BUDGET_USER_ID } from './team';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import {
  DuplicateMemberError,
  InvalidTeamRequestError,
  MemberNotFoundError,
  TeamExistsError,
  TeamNotFoundError,
  TeamNotFoundForUpdateError,
  UnknownOrganizationError,
  UserNotFoundError,
  TeamsAccessDeniedError,
} from './teams.errors';
import { MembershipRow, TeamChanges, TeamsRepository, UserChanges } from './teams.repository';

type Json = Record<string, unknown>;

/**
 * Teams, team memberships and internal users: the management API's operations. Every mutation tells the
 * {@link TeamDirectory} (the hot-path view) before it answers; spend is read from the counter store.
 */
@Injectable()
export class TeamsService implements OnApplicationShutdown {
  private readonly writes = new SerialQueue();
  /** `litellm_settings.max_budget`: LiteLLM shows the proxy's global spend as the user `litellm-proxy-budget`. */
  private readonly proxyBudget: { max: number | null; duration: string | null; windowMs: number | null };

  constructor(
    private readonly repository: TeamsRepository,
    private readonly keys: KeysService,
    private readonly liveSpend: LiveSpendService,
    private readonly audit: AuditLogService,
    private readonly directory: TeamDirectory,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const duration = config.litellm_settings.budget_duration ?? null;
    this.proxyBudget = { max: config.litellm_settings.max_budget ?? null, duration, windowMs: windowOf(duration) };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writes.drain();
  }

  // ───────────────────────────── /team/* ─────────────────────────────

  /**
   * POST /team/new. The caller is added as admin (master key: default_user_id); members unknown as users are created.
   * @throws InvalidTeamRequestError, TeamExistsError, UnknownOrganizationError
   */
  async createTeam(auth: AuthContext | null, body: NewTeamDto): Promise<Json> {
    validateTeamFields(body);
    // Org admins create teams in the organizations they administer, nowhere else, and no wider than it.
    const byOrganizationAdmin = auth?.role !== 'proxy_admin';
    if (byOrganizationAdmin && !(await this.isOrganizationAdmin(auth, body.organization_id ?? null))) {
      throw new TeamsAccessDeniedError('Only proxy admins, or org admins inside their organization, may create teams.');
    }
    const given = [
      ...parseMembers(body.members_with_roles ?? [], 'members_with_roles', 'user'),
      ...(body.admins ?? []).map((userId): StoredMember => ({ role: 'admin', user_id: userId, user_email: null })),
      ...(body.members ?? []).map((userId): StoredMember => ({ role: 'user', user_id: userId, user_email: null })),
    ];
    const members = withCreator(given, auth?.userId ?? null);
    const teamId = body.team_id ?? randomUUID();
    return this.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        if (await this.repository.findTeam(teamId, manager)) throw new TeamExistsError(teamId);
        await this.assertOrganization(manager, body.organization_id);
        if (byOrganizationAdmin) await this.assertWithinOrganization(manager, body.organization_id as string, body);
        const resolved = await this.resolveMembers(manager, members);
        const duplicates = addMembers([], resolved);
        if ('duplicate' in duplicates) throw new DuplicateMemberError(teamId, memberLabel(duplicates.duplicate));
        const now = new Date();
        await this.repository.insertTeam(manager, {
          teamId,
          teamAlias: body.team_alias ?? null,
          organizationId: body.organization_id ?? null,
          membersWithRoles: duplicates.members,
          members: [...(body.members ?? [])],
          models: body.models ?? [],
          maxBudget: body.max_budget ?? null,
          spend: 0,
          budgetDuration: body.budget_duration ?? null,
          budgetResetAt: windowEnd(body.budget_duration ?? null, now),
          tpmLimit: body.tpm_limit ?? null,
          rpmLimit: body.rpm_limit ?? null,
          maxParallelRequests: body.max_parallel_requests ?? null,
          modelAliases: stringMap(body.model_aliases),
          metadata: withTagsAndGuardrails(body.metadata ?? {}, body),
          blocked: body.blocked ?? false,
        });
        for (const member of duplicates.members) if (member.user_id) await this.repository.addMembership(manager, teamId, member.user_id);
        const created = (await this.repository.findTeam(teamId, manager))!;
        await this.auditTeam('created', null, created);
        return created;
      });
      this.directory.teamChanged(saved.teamId, saved.membersWithRoles.map((member) => member.user_id));
      await this.liveSpend.reset(SpendSubject.team(saved.teamId), 0, saved.budgetResetAt);
      return toTeamRow(saved, 0, saved.budgetResetAt);
    });
  }

  /**
   * POST /team/update: only the fields given (non-null) change.
   * @returns `{team_id, data: team_row}` as LiteLLM.
   * @throws TeamNotFoundForUpdateError (400), InvalidTeamRequestError, UnknownOrganizationError
   */
  async updateTeam(body: UpdateTeamDto): Promise<Json> {
    validateTeamFields(body);
    return this.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        const existing = await this.repository.findTeam(body.team_id, manager);
        if (!existing) throw new TeamNotFoundForUpdateError(body.team_id);
        await this.assertOrganization(manager, body.organization_id);
        const changes: TeamChanges = {};
        if (isSet(body.team_alias)) changes.teamAlias = body.team_alias;
        if (isSet(body.organization_id)) changes.organizationId = body.organization_id;
        if (isSet(body.models)) changes.models = body.models;
        if (isSet(body.max_budget)) changes.maxBudget = body.max_budget;
        if (isSet(body.tpm_limit)) changes.tpmLimit = body.tpm_limit;
        if (isSet(body.rpm_limit)) changes.rpmLimit = body.rpm_limit;
        if (isSet(body.max_parallel_requests)) changes.maxParallelRequests = body.max_parallel_requests;
        if (isSet(body.blocked)) changes.blocked = body.blocked;
        if (isSet(body.model_aliases)) changes.modelAliases = stringMap(body.model_aliases);
        if (isSet(body.budget_duration)) {
          changes.budgetDuration = body.budget_duration;
          changes.budgetResetAt = windowEnd(body.budget_duration, new Date());
        }
        if (isSet(body.metadata) || isSet(body.tags) || isSet(body.guardrails)) changes.metadata = withTagsAndGuardrails(body.metadata ?? existing.metadata, body);
        await this.repository.updateTeam(manager, body.team_id, changes);
        const updated = (await this.repository.findTeam(body.team_id, manager))!;
        await this.auditTeam('updated', existing, updated);
        return updated;
      });
      this.directory.teamChanged(saved.teamId);
      if (isSet(body.budget_duration)) await this.liveSpend.reset(SpendSubject.team(saved.teamId), (await this.teamSpend(saved)).spend, saved.budgetResetAt);
      return { team_id: saved.teamId, data: await this.teamRow(saved) };
    });
  }

  /**
   * POST /team/delete: all or nothing; memberships go and the team leaves its users' `teams`.
   * @throws TeamNotFoundError (404) naming the ids that do not exist.
   */
  async deleteTeams(teamIds: readonly string[]): Promise<Json> {
    return this.writes.run(async () => {
      const existing = await this.repository.findTeams(teamIds);
      const found = new Set(existing.map((team) => team.teamId));
      const missing = teamIds.filter((id) => !found.has(id));
      if (missing.length) throw new TeamNotFoundError(missing);
      await this.repository.deleteTeams(teamIds);
      for (const team of existing) await this.auditTeam('deleted', team, null);
      this.directory.teamsDeleted(teamIds);
      return { deleted_teams: [...teamIds], message: `Successfully deleted teams with ids: ${pythonList(teamIds)}` };
    });
  }

  /**
   * GET /team/info?team_id=
   * @throws InvalidTeamRequestError without an id, TeamNotFoundError (404)
   */
  async describeTeam(auth: AuthContext | null, teamId: string | undefined): Promise<Json> {
    if (!teamId) throw new InvalidTeamRequestError('Malformed request. No team id passed in.', 'team_id');
    const entity = await this.repository.findTeam(teamId);
    if (!entity) throw new TeamNotFoundError([teamId]);
    // A key of the team reads its own team, as in LiteLLM; members read the teams they are in.
    const ownTeamKey = auth?.key?.teamId === teamId;
    if (!seesEverything(auth) && !ownTeamKey && !entity.membersWithRoles.some((member) => member.user_id !== null && member.user_id === auth?.userId)) {
      throw new TeamsAccessDeniedError(`user not allowed to access this team's info. Team=${teamId}`);
    }
    const memberships = await this.repository.findMemberships({ teamId });
    // Members may see the team's keys (hashes and settings, never secrets): list them with the admin's view.
    const keys = await this.keys.list(asTeamViewer(auth), { team_id: teamId, return_full_object: true, page: 1, size: 100 } as ListKeysQueryDto);
    return {
      team_id: teamId,
      team_info: await this.teamRow(entity),
      keys: keys.keys,
      team_memberships: await this.membershipRows(memberships),
    };
  }

  /**
   * A team an org admin creates grants no more than its organization holds (models, budget left, limits): the
   * same comparison as a key created by a key.
   * @throws KeyAccessDeniedError (403) naming the first field that exceeds the organization's.
   */
  private async assertWithinOrganization(manager: EntityManager, organizationId: string, team: NewTeamDto): Promise<void> {
    const organization = await this.repository.findOrganization(organizationId, manager);
    if (!organization) throw new UnknownOrganizationError(organizationId);
    const holder: GrantHolder = {
      maxBudget: organization.maxBudget,
      spend: (await this.liveSpend.one(SpendSubject.organization(organizationId), null)).spend,
      budgetDuration: null,
      rpmLimit: organization.rpmLimit,
      tpmLimit: organization.tpmLimit,
      maxParallelRequests: null,
      models: organization.models,
      modelRpmLimit: {},
      modelTpmLimit: {},
      expires: null,
      allowedRoutes: [],
      permissions: {},
      teamId: null,
      guardrails: [],
      enforcedParams: [],
      tags: [],
    };
    const candidate: KeyGrant = {
      models: team.models ?? [],
      aliasTargets: Object.values(stringMap(team.model_aliases)),
      maxBudget: team.max_budget ?? null,
      budgetDuration: team.budget_duration ?? null,
      tempBudgetIncrease: null,
      rpmLimit: team.rpm_limit ?? null,
      tpmLimit: team.tpm_limit ?? null,
      maxParallelRequests: team.max_parallel_requests ?? null,
      modelRpmLimit: {},
      modelTpmLimit: {},
      expires: null,
      allowedRoutes: [],
      passthroughRoutes: [],
      permissions: {},
      teamId: null,
      guardrails: [],
      enforcedParams: [],
      tags: [],
    };
    assertWithinGrant(holder, candidate, null, { holder: `organization ${organizationId}`, rule: 'A team can only be granted what its organization holds.' });
  }

  /**
   * A team admin (not a proxy or org admin) grants members of its team no larger budget than its own membership
   * has left, its own membership included: a team admin must not raise its own budget.
   * @throws TeamsAccessDeniedError (403)
   */
  private async assertMemberBudgetWithinOwn(
    manager: EntityManager,
    auth: AuthContext | null,
    teamId: string,
    budget: number | null | undefined,
    organizationAdmin: boolean,
  ): Promise<void> {
    if (!isSet(budget) || auth?.role === 'proxy_admin' || organizationAdmin || !auth?.userId) return;
    const [own] = await this.repository.findMemberships({ teamId, userId: auth.userId }, manager);
    if (!own || own.maxBudget === null) return;
    const left = Math.max(0, own.maxBudget - (await this.liveSpend.one(SpendSubject.membership(teamId, auth.userId), null)).spend);
    if (budget > left) {
      throw new TeamsAccessDeniedError(
        `Cannot grant max_budget_in_team=${budget}: your own max_budget_in_team in team ${teamId} has ${left} left. A team admin can only grant what it holds.`,
        'max_budget_in_team',
      );
    }
  }

  /** Whether the caller is an `org_admin` member of the organization. */
  private async isOrganizationAdmin(auth: AuthContext | null, organizationId: string | null): Promise<boolean> {
    if (!organizationId || auth?.role !== 'org_admin' || !auth.userId) return false;
    const members = await this.repository.findOrganizationMembers(organizationId);
    return members.some((member) => member.userId === auth.userId && member.userRole === 'org_admin');
  }

  /** GET /team/list: every team (or those of a user / an organization), oldest first. */
  async listTeams(filter: { user_id?: string; organization_id?: string }): Promise<Json[]> {
    const rows = await this.repository.listTeams({ organizationId: filter.organization_id });
    return this.teamRows(rows.filter((team) => !filter.user_id || team.membersWithRoles.some((member) => member.user_id === filter.user_id)));
  }

  /**
   * POST /team/member_add: one member or a list, by user_id or user_email; unknown users are created.
   * @throws TeamNotFoundForUpdateError, InvalidTeamRequestError, DuplicateMemberError (400)
   */
  async addTeamMembers(auth: AuthContext | null, body: MemberAddDto): Promise<Json> {
    const adding = parseMembers(Array.isArray(body.member) ? body.member : [body.member], 'member', 'user');
    if (!adding.length) throw new InvalidTeamRequestError('member is required: {role, user_id|user_email} or a list of them', 'member');
    if (isSet(body.max_budget_in_team) && body.max_budget_in_team < 0) throw new InvalidTeamRequestError('max_budget_in_team must be non-negative', 'max_budget_in_team');
    // Read before the transaction: the embedded database has one connection, which the transaction holds.
    const organizationAdmin = await this.isOrganizationAdmin(auth, (await this.directory.findTeam(body.team_id))?.organizationId ?? null);
    return this.writes.run(async () => {
      const result = await this.repository.transaction(async (manager) => {
        const team = await this.repository.findTeam(body.team_id, manager);
        if (!team) throw new TeamNotFoundForUpdateError(body.team_id);
        assertTeamAdmin(auth, team.membersWithRoles, team.teamId, '/team/member_add', organizationAdmin);
        await this.assertMemberBudgetWithinOwn(manager, auth, team.teamId, body.max_budget_in_team, organizationAdmin);
        const resolved = await this.resolveMembers(manager, adding);
        const merged = addMembers(team.membersWithRoles, resolved);
        if ('duplicate' in merged) throw new DuplicateMemberError(team.teamId, memberLabel(merged.duplicate));
        await this.repository.updateTeam(manager, team.teamId, { membersWithRoles: merged.members });
        for (const member of resolved) {
          await this.repository.addMembership(manager, team.teamId, member.user_id!);
          if (isSet(body.max_budget_in_team)) await this.repository.setMemberBudget(manager, team.teamId, member.user_id!, body.max_budget_in_team, auth?.userId ?? null);
        }
        const userIds = resolved.map((member) => member.user_id!);
        const users: (UserEntity | null)[] = [];
        for (const userId of userIds) users.push(await this.repository.findUser(userId, manager));
        const memberships = (await this.repository.findMemberships({ teamId: team.teamId }, manager)).filter((row) => userIds.includes(row.userId));
        const saved = (await this.repository.findTeam(team.teamId, manager))!;
        await this.auditTeam('member_added', team, saved);
        return { saved, users, memberships, userIds };
      });
      this.directory.teamChanged(result.saved.teamId, result.userIds);
      return {
        ...(await this.teamRow(result.saved)),
        updated_users: await this.userRows(result.users.filter((user): user is UserEntity => user !== null)),
        updated_team_memberships: await this.membershipRows(result.memberships),
      };
    });
  }

  /**
   * POST /team/member_delete {team_id, user_id|user_email}.
   * @throws TeamNotFoundForUpdateError, MemberNotFoundError (400)
   */
  async removeTeamMember(auth: AuthContext | null, body: MemberDeleteDto): Promise<Json> {
    if (!isSet(body.user_id) && !isSet(body.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in', 'user_id');
    // Read before the transaction: the embedded database has one connection, which the transaction holds.
    const organizationAdmin = await this.isOrganizationAdmin(auth, (await this.directory.findTeam(body.team_id))?.organizationId ?? null);
    return this.writes.run(async () => {
      const { saved, userId } = await this.repository.transaction(async (manager) => {
        const team = await this.repository.findTeam(body.team_id, manager);
        if (!team) throw new TeamNotFoundForUpdateError(body.team_id);
        assertTeamAdmin(auth, team.membersWithRoles, team.teamId, '/team/member_delete', organizationAdmin);
        const index = findMember(team.membersWithRoles, body.user_id, body.user_email);
        if (index < 0) throw new MemberNotFoundError(team.teamId, memberLabel(body));
        const removed = team.membersWithRoles[index];
        const members = team.membersWithRoles.filter((_, at) => at !== index);
        await this.repository.updateTeam(manager, team.teamId, { membersWithRoles: members });
        if (removed.user_id) await this.repository.removeMembership(manager, team.teamId, removed.user_id);
        const saved = (await this.repository.findTeam(team.teamId, manager))!;
        await this.auditTeam('member_removed', team, saved);
        return { saved, userId: removed.user_id };
      });
      this.directory.teamChanged(saved.teamId, [userId]);
      return this.teamRow(saved);
    });
  }

  /**
   * POST /team/member_update {team_id, user_id|user_email, max_budget_in_team, role}.
   * @throws TeamNotFoundForUpdateError, MemberNotFoundError (400)
   */
  async updateTeamMember(auth: AuthContext | null, body: MemberUpdateDto): Promise<Json> {
    if (!isSet(body.user_id) && !isSet(body.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in', 'user_id');
    if (isSet(body.max_budget_in_team) && body.max_budget_in_team < 0) throw new InvalidTeamRequestError('max_budget_in_team must be non-negative', 'max_budget_in_team');
    // Read before the transaction: the embedded database has one connection, which the transaction holds.
    const organizationAdmin = await this.isOrganizationAdmin(auth, (await this.directory.findTeam(body.team_id))?.organizationId ?? null);
    return this.writes.run(async () => {
      const { saved, member } = await this.repository.transaction(async (manager) => {
        const team = await this.repository.findTeam(body.team_id, manager);
        if (!team) throw new TeamNotFoundForUpdateError(body.team_id);
        assertTeamAdmin(auth, team.membersWithRoles, team.teamId, '/team/member_update', organizationAdmin);
        await this.assertMemberBudgetWithinOwn(manager, auth, team.teamId, body.max_budget_in_team, organizationAdmin);
        const index = findMember(team.membersWithRoles, body.user_id, body.user_email);
        if (index < 0) throw new MemberNotFoundError(team.teamId, memberLabel(body));
        const current = team.membersWithRoles[index];
        if (isSet(body.role) && body.role !== current.role) {
          const members = team.membersWithRoles.map((entry, at) => (at === index ? { ...entry, role: body.role! } : entry));
          await this.repository.updateTeam(manager, team.teamId, { membersWithRoles: members });
        }
        if (isSet(body.max_budget_in_team) && current.user_id) {
          await this.repository.addMembership(manager, team.teamId, current.user_id);
          await this.repository.setMemberBudget(manager, team.teamId, current.user_id, body.max_budget_in_team, auth?.userId ?? null);
        }
        const saved = (await this.repository.findTeam(team.teamId, manager))!;
        // The member's budget lives in its membership row, not the team's: the row says what was asked for.
        await this.audit.record({
          table: TEAM_TABLE,
          objectId: team.teamId,
          action: 'member_updated',
          before: { member: current },
          updatedValues: { user_id: current.user_id, user_email: current.user_email, role: body.role ?? current.role, max_budget_in_team: body.max_budget_in_team ?? null },
        });
        return { saved, member: current };
      });
      this.directory.teamChanged(saved.teamId, [member.user_id]);
      return { team_id: saved.teamId, user_id: member.user_id, user_email: member.user_email, max_budget_in_team: body.max_budget_in_team ?? null };
    });
  }

  /** POST /team/block and /team/unblock. @throws TeamNotFoundForUpdateError */
  async setTeamBlocked(teamId: string, blocked: boolean): Promise<Json> {
    return this.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        const existing = await this.repository.findTeam(teamId, manager);
        if (!existing || !(await this.repository.updateTeam(manager, teamId, { blocked }))) throw new TeamNotFoundForUpdateError(teamId);
        const saved = (await this.repository.findTeam(teamId, manager))!;
        await this.auditTeam(blocked ? 'blocked' : 'unblocked', existing, saved);
        return saved;
      });
      this.directory.teamChanged(saved.teamId);
      return this.teamRow(saved);
    });
  }

  // ───────────────────────────── /user/* ─────────────────────────────

  /**
   * POST /user/new: the user, its teams' memberships and (unless auto_create_key is false) a key of its own.
   * @throws InvalidTeamRequestError, UserExistsError, UnknownOrganizationError, TeamNotFoundForUpdateError
   */
  async createUser(auth: AuthContext | null, body: NewUserDto): Promise<Json> {
    validateBudget(body);
    if (isSet(body.spend) && body.spend < 0) throw new InvalidTeamRequestError(`spend must be non-negative. Received: ${body.spend}`, 'spend');
    const userId = body.user_id ?? randomUUID();
    const teamIds = [...new Set([...(body.teams ?? []), ...(isSet(body.team_id) ? [body.team_id] : [])])];
    const saved = await this.writes.run(async () => {
      const entity = await this.repository.transaction(async (manager) => {
        await this.assertOrganization(manager, body.organization_id);
        await this.repository.insertUser(manager, {
          userId,
          userEmail: body.user_email ?? null,
          userAlias: body.user_alias ?? body.user_name ?? null,
          userRole: body.user_role ?? 'internal_user',
          teams: [],
          maxBudget: body.max_budget ?? null,
          spend: body.spend ?? 0,
          budgetDuration: body.budget_duration ?? null,
          budgetResetAt: windowEnd(body.budget_duration ?? null, new Date()),
          models: body.models ?? [],
          tpmLimit: body.tpm_limit ?? null,
          rpmLimit: body.rpm_limit ?? null,
          metadata: body.metadata ?? {},
          organizationId: body.organization_id ?? null,
        });
        for (const teamId of teamIds) {
          const team = await this.repository.findTeam(teamId, manager);
          if (!team) throw new TeamNotFoundForUpdateError(teamId);
          if (findMember(team.membersWithRoles, userId, null) < 0) {
            const member: StoredMember = { role: 'user', user_id: userId, user_email: body.user_email ?? null };
            await this.repository.updateTeam(manager, teamId, { membersWithRoles: [...team.membersWithRoles, member] });
          }
          await this.repository.addMembership(manager, teamId, userId);
        }
        const created = (await this.repository.findUser(userId, manager))!;
        await this.auditUser('created', null, created);
        return created;
      });
      for (const teamId of teamIds) this.directory.teamChanged(teamId, [entity.userId]);
      this.directory.userChanged(entity.userId);
      await this.liveSpend.reset(SpendSubject.user(entity.userId), entity.spend, entity.budgetResetAt);
      return entity;
    });
    const row = toUserRow(saved, saved.spend, saved.budgetResetAt);
    if (body.auto_create_key === false) return { ...row, key: null };
    const generated = await this.keys.generate(adminContext(auth), {
      user_id: saved.userId,
      team_id: body.team_id ?? null,
      models: body.models ?? [],
      duration: body.duration ?? null,
      aliases: body.aliases ?? null,
      key_alias: body.key_alias ?? null,
    } as GenerateKeyDto);
    return { ...row, key: generated.key, key_name: generated.key_name, key_alias: generated.key_alias, expires: generated.expires, token: generated.token_id };
  }

  /**
   * GET /user/info?user_id= (the caller's own without one).
   * @throws UserNotFoundError (404)
   */
  async describeUser(auth: AuthContext | null, userId: string | undefined): Promise<Json> {
    const id = userId ?? auth?.userId ?? undefined;
    if (!id) throw new InvalidTeamRequestError('user_id is required', 'user_id');
    if (!seesEverything(auth) && id !== auth?.userId) throw new TeamsAccessDeniedError("user not allowed to access this user's info");
    const entity = await this.repository.findUser(id);
    if (!entity && id === PROXY_BUDGET_USER_ID && this.proxyBudget.max !== null) return this.describeProxyBudget();
    if (!entity) throw new UserNotFoundError([id]);
    const memberships = await this.repository.findMemberships({ userId: id });
    const teams = await this.repository.findTeams(entity.teams);
    const keys = await this.keys.list(auth, { user_id: id, return_full_object: true, page: 1, size: 100 } as ListKeysQueryDto);
    return {
      user_id: id,
      user_info: await this.userRow(entity),
      keys: keys.keys,
      teams: await Promise.all(
        teams.map(async (team) => ({
          ...(await this.teamRow(team)),
          team_memberships: await this.membershipRows(memberships.filter((row) => row.teamId === team.teamId)),
        })),
      ),
    };
  }

  /**
   * POST /user/update {user_id|user_email, …}: only the fields given (non-null) change; `spend` sets the spend.
   * An unknown user_id is created (LiteLLM upserts, e.g. `litellm-proxy-budget`).
   * @throws InvalidTeamRequestError, UserNotFoundError (unknown user_email), UserExistsError
   */
  async updateUser(body: UpdateUserDto): Promise<Json> {
    validateBudget(body);
    if (isSet(body.spend) && body.spend < 0) throw new InvalidTeamRequestError(`spend must be non-negative. Received: ${body.spend}`, 'spend');
    if (!isSet(body.user_id) && !isSet(body.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in', 'user_id');
    return this.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        const existing = isSet(body.user_id) ? await this.repository.findUser(body.user_id, manager) : await this.repository.findUserByEmail(body.user_email!, manager);
        await this.assertOrganization(manager, body.organization_id);
        const now = new Date();
        if (!existing) {
          if (!isSet(body.user_id)) throw new UserNotFoundError([body.user_email!], 'user_email');
          await this.repository.insertUser(manager, {
            userId: body.user_id,
            userEmail: body.user_email ?? null,
            userAlias: body.user_alias ?? null,
            userRole: body.user_role ?? 'internal_user',
            teams: [],
            maxBudget: body.max_budget ?? null,
            spend: body.spend ?? 0,
            budgetDuration: body.budget_duration ?? null,
            budgetResetAt: windowEnd(body.budget_duration ?? null, now),
            models: body.models ?? [],
            tpmLimit: body.tpm_limit ?? null,
            rpmLimit: body.rpm_limit ?? null,
            metadata: body.metadata ?? {},
            organizationId: body.organization_id ?? null,
          });
          const created = (await this.repository.findUser(body.user_id, manager))!;
          await this.auditUser('created', null, created);
          return created;
        }
        const changes: UserChanges = {};
        if (isSet(body.user_email)) changes.userEmail = body.user_email;
        if (isSet(body.user_alias)) changes.userAlias = body.user_alias;
        if (isSet(body.user_role)) changes.userRole = body.user_role;
        if (isSet(body.organization_id)) changes.organizationId = body.organization_id;
        if (isSet(body.max_budget)) changes.maxBudget = body.max_budget;
        if (isSet(body.models)) changes.models = body.models;
        if (isSet(body.tpm_limit)) changes.tpmLimit = body.tpm_limit;
        if (isSet(body.rpm_limit)) changes.rpmLimit = body.rpm_limit;
        if (isSet(body.metadata)) changes.metadata = body.metadata;
        if (isSet(body.spend)) changes.spend = body.spend;
        if (isSet(body.budget_duration)) {
          changes.budgetDuration = body.budget_duration;
          changes.budgetResetAt = windowEnd(body.budget_duration, now);
        }
        await this.repository.updateUser(manager, existing.userId, changes);
        const updated = (await this.repository.findUser(existing.userId, manager))!;
        await this.auditUser('updated', existing, updated);
        return updated;
      });
      this.directory.userChanged(saved.userId);
      if (isSet(body.spend) || isSet(body.budget_duration)) {
        const spend = isSet(body.spend) ? saved.spend : (await this.userSpend(saved)).spend;
        await this.liveSpend.reset(SpendSubject.user(saved.userId), spend, saved.budgetResetAt);
      }
      return this.userRow(saved);
    });
  }

  /**
   * POST /user/delete {user_ids}: all or nothing; their keys are deleted and they leave their teams.
   * @throws UserNotFoundError (404) naming the ids that do not exist.
   */
  async deleteUsers(auth: AuthContext | null, userIds: readonly string[]): Promise<Json> {
    return this.writes.run(async () => {
      const found = await this.repository.findUsers(userIds);
      const known = new Set(found.map((user) => user.userId));
      const missing = userIds.filter((id) => !known.has(id));
      if (missing.length) throw new UserNotFoundError(missing, 'user_ids');
      for (const userId of userIds) {
        const owned = await this.keys.list(auth, { user_id: userId, page: 1, size: 100 } as ListKeysQueryDto);
        const tokens = owned.keys as string[];
        if (tokens.length) await this.keys.delete(adminContext(auth), { keys: tokens });
      }
      const deleted = await this.repository.deleteUsers(userIds);
      const gone = new Set(deleted);
      for (const user of found) if (gone.has(user.userId)) await this.auditUser('deleted', user, null);
      this.directory.usersDeleted(deleted);
      for (const user of found) for (const teamId of user.teams) this.directory.teamChanged(teamId);
      return { deleted_users: deleted, message: `Successfully deleted users with ids: ${pythonList(deleted)}` };
    });
  }

  /** GET /user/list, oldest first, paginated as LiteLLM's newer API. */
  async listUsers(query: UserListQueryDto): Promise<Json> {
    const page = query.page ?? 1;
    const size = query.page_size ?? 25;
    const userIds = query.user_ids ? query.user_ids.split(',').map((id) => id.trim()).filter(Boolean) : undefined;
    const { rows, total } = await this.repository.listUsers({ role: query.role, userIds }, page, size);
    return { users: await this.userRows(rows), total, page, page_size: size, total_pages: Math.ceil(total / size) };
  }


  // ───────────────────────────── internals ─────────────────────────────

  /** The audit row of a team change, with the team as the API shows it. */
  private auditTeam(action: AuditAction, before: TeamEntity | null, after: TeamEntity | null): Promise<void> {
    const teamId = (after ?? before)!.teamId;
    return this.audit.record({ table: TEAM_TABLE, objectId: teamId, action, before: before && toTeamRow(before, before.spend, before.budgetResetAt), after: after && toTeamRow(after, after.spend, after.budgetResetAt) });
  }

  private auditUser(action: AuditAction, before: UserEntity | null, after: UserEntity | null): Promise<void> {
    const userId = (after ?? before)!.userId;
    return this.audit.record({
      table: 'LiteLLM_UserTable',
      objectId: userId,
      action,
      before: before && toUserRow(before, before.spend, before.budgetResetAt),
      after: after && toUserRow(after, after.spend, after.budgetResetAt),
    });
  }

  /** Users named by id or email: found, or created (LiteLLM creates unknown members). */
  private async resolveMembers(manager: EntityManager, members: readonly StoredMember[]): Promise<StoredMember[]> {
    const resolved: StoredMember[] = [];
    for (const member of members) {
      let user = member.user_id ? await this.repository.findUser(member.user_id, manager) : await this.repository.findUserByEmail(member.user_email!, manager);
      if (!user) {
        const userId = member.user_id ?? randomUUID();
        await this.repository.insertUser(manager, {
          userId,
          userEmail: member.user_email,
          userAlias: null,
          userRole: 'internal_user',
          teams: [],
          maxBudget: null,
          spend: 0,
          budgetDuration: null,
          budgetResetAt: null,
          models: [],
          tpmLimit: null,
          rpmLimit: null,
          metadata: {},
          organizationId: null,
        });
        user = (await this.repository.findUser(userId, manager))!;
        // A user created by joining a team is a change of its own, with its own row.
        await this.auditUser('created', null, user);
      }
      resolved.push({ role: member.role, user_id: user.userId, user_email: user.userEmail ?? member.user_email });
    }
    return resolved;
  }

  /** @throws UnknownOrganizationError (400) */
  private async assertOrganization(manager: EntityManager, organizationId: string | null | undefined): Promise<void> {
    if (isSet(organizationId) && !(await this.repository.findOrganization(organizationId, manager))) throw new UnknownOrganizationError(organizationId);
  }

  /** `/user/info?user_id=litellm-proxy-budget`: the global proxy budget and its live spend, as LiteLLM reports it. */
  private async describeProxyBudget(): Promise<Json> {
    const live = await this.liveSpend.one(SpendSubject.global, this.proxyBudget.windowMs);
    return {
      user_id: PROXY_BUDGET_USER_ID,
      user_info: {
        user_id: PROXY_BUDGET_USER_ID,
        user_email: null,
        user_role: null,
        teams: [],
        max_budget: this.proxyBudget.max,
        spend: live.spend,
        budget_duration: this.proxyBudget.duration,
        budget_reset_at: instant(live.resetAt)?.toISOString() ?? null,
        models: [],
      },
      keys: [],
      teams: [],
    };
  }

  private teamSpend(entity: TeamEntity): Promise<{ spend: number; resetAt: number | null }> {
    return this.liveSpend.one(SpendSubject.team(entity.teamId), windowOf(entity.budgetDuration));
  }

  private userSpend(entity: UserEntity): Promise<{ spend: number; resetAt: number | null }> {
    return this.liveSpend.one(SpendSubject.user(entity.userId), windowOf(entity.budgetDuration));
  }

  /** Teams as the API shows them, with the spend and window every budget check sees. */
  private async teamRows(entities: readonly TeamEntity[]): Promise<Json[]> {
    const live = await this.liveSpend.of(entities.map((entity) => ({ account: SpendSubject.team(entity.teamId), windowMs: windowOf(entity.budgetDuration) })));
    return entities.map((entity, i) => toTeamRow(entity, live[i].spend, instant(live[i].resetAt)));
  }

  private async teamRow(entity: TeamEntity): Promise<Json> {
    return (await this.teamRows([entity]))[0];
  }

  private async userRows(entities: readonly UserEntity[]): Promise<Json[]> {
    const live = await this.liveSpend.of(entities.map((entity) => ({ account: SpendSubject.user(entity.userId), windowMs: windowOf(entity.budgetDuration) })));
    return entities.map((entity, i) => toUserRow(entity, live[i].spend, instant(live[i].resetAt)));
  }

  private async userRow(entity: UserEntity): Promise<Json> {
    return (await this.userRows([entity]))[0];
  }

  private async membershipRows(rows: readonly MembershipRow[]): Promise<Json[]> {
    const live = await this.liveSpend.of(rows.map((row) => ({ account: SpendSubject.membership(row.teamId, row.userId), windowMs: null })));
    return rows.map((row, i) => toMembershipRow(row, live[i].spend));
  }
}

function windowOf(duration: string | null): number | null {
  return duration ? (parseDuration(duration) ?? null) : null;
}

function instant(epochMs: number | null): Date | null {
  return epochMs === null ? null : new Date(epochMs);
}

/** The context TeamsService acts with on the keys module: the proxy admin, keeping the caller as actor. */
function adminContext(auth: AuthContext | null): AuthContext {
  return { method: 'master_key', role: 'proxy_admin', userId: auth?.userId ?? MASTER_KEY_USER_ID, apiKeyHash: auth?.apiKeyHash ?? null };
}

function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

function pythonList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`;
}

function windowEnd(duration: string | null, now: Date): Date | null {
  return duration ? (addDuration(now, duration) ?? null) : null;
}

/**
 * Members of a request, checked field by field (class-validator does not see inside `member`).
 * @throws InvalidTeamRequestError
 */
export function parseMembers(values: readonly unknown[], param: string, defaultRole: 'admin' | 'user'): StoredMember[] {
  return values.map((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidTeamRequestError(`${param} must be {role, user_id|user_email} objects`, param);
    const input = value as MemberInput & Record<string, unknown>;
    const extra = Object.keys(input).filter((key) => !['role', 'user_id', 'user_email'].includes(key));
    if (extra.length) throw new InvalidTeamRequestError(`property ${param}.${extra[0]} should not exist`, param);
    const role = input.role ?? defaultRole;
    if (!isMemberRole(role)) throw new InvalidTeamRequestError(`Invalid member role '${String(role)}'. Use 'admin' or 'user'.`, param);
    for (const field of ['user_id', 'user_email'] as const) {
      if (isSet(input[field]) && typeof input[field] !== 'string') throw new InvalidTeamRequestError(`${param}.${field} must be a string`, param);
    }
    if (!isSet(input.user_id) && !isSet(input.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in for each member', param);
    return { role, user_id: input.user_id ?? null, user_email: input.user_email ?? null };
  });
}

/** @throws InvalidTeamRequestError */
function validateBudget(fields: { max_budget?: number | null; budget_duration?: string | null }): void {
  if (isSet(fields.max_budget) && fields.max_budget < 0) throw new InvalidTeamRequestError(`max_budget must be non-negative. Received: ${fields.max_budget}`, 'max_budget');
  if (isSet(fields.budget_duration) && parseDuration(fields.budget_duration) === undefined) {
    throw new InvalidTeamRequestError(`Invalid budget_duration '${fields.budget_duration}'. Use a number followed by s, m, h, d, w or mo, e.g. 30d.`, 'budget_duration');
  }
}

function validateTeamFields(fields: TeamFieldsDto): void {
  validateBudget(fields);
  if (isSet(fields.model_aliases) && !Object.values(fields.model_aliases).every((target) => typeof target === 'string')) {
    throw new InvalidTeamRequestError('model_aliases must map alias names to model names', 'model_aliases');
  }
}

function stringMap(value: Record<string, unknown> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(value ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** LiteLLM stores a team's `tags` and `guardrails` inside its metadata. */
export function withTagsAndGuardrails(metadata: Record<string, unknown>, fields: { tags?: string[] | null; guardrails?: string[] | null }): Record<string, unknown> {
  const merged = { ...metadata };
  if (isSet(fields.tags)) merged.tags = fields.tags;
  if (isSet(fields.guardrails)) merged.guardrails = fields.guardrails;
  return merged;
}

/** Proxy admins manage everything and admin viewers read everything; everyone else only what is theirs. */
function seesEverything(auth: AuthContext | null): boolean {
  return auth?.role === 'proxy_admin' || auth?.role === 'proxy_admin_viewer';
}

/**
 * LiteLLM's self-managed team routes: a proxy admin, an admin member of the team, or an org admin of the
 * team's organization may change its members.
 * @throws TeamsAccessDeniedError (403)
 */
function assertTeamAdmin(
  auth: AuthContext | null,
  members: readonly { role: string; user_id: string | null }[],
  teamId: string,
  route: string,
  organizationAdmin: boolean,
): void {
  if (auth?.role === 'proxy_admin' || organizationAdmin) return;
  const isTeamAdmin = auth?.userId != null && members.some((member) => member.role === 'admin' && member.user_id === auth.userId);
  if (!isTeamAdmin) throw new TeamsAccessDeniedError(`Call not allowed. User not proxy admin OR team admin. route=${route}, team_id=${teamId}`);
}

/** The admin's read view, for listings a member is entitled to once membership was checked. */
function asTeamViewer(auth: AuthContext | null): AuthContext {
  return { method: auth?.method ?? 'master_key', role: 'proxy_admin', userId: auth?.userId ?? null, apiKeyHash: auth?.apiKeyHash ?? null };
}

const TEAM_TABLE = 'LiteLLM_TeamTable';
