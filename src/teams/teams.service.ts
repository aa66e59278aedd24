import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../common/access/caller';
import type { ListKeysQueryDto } from '../keys/dto/key-request.dto';
import { assertWithinGrant, GrantHolder, KeyGrant } from '../keys/key-permissions';
import { KeysService } from '../keys/keys.service';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { NewTeamDto, UpdateTeamDto } from './dto/team-request.dto';
import type { StoredMember } from './entities';
import { addMembers, memberLabel, withCreator } from './members';
import { toTeamRow } from './team-mapper';
import type { DeleteTeamsResponseDto, TeamInfoResponseDto, TeamRowDto, UpdateTeamResponseDto } from './dto/team-response.dto';
import type { KeyRowDto } from '../keys/dto/key-response.dto';
import { TeamDirectory } from './team-directory.service';
import {
  DuplicateMemberError,
  InvalidTeamRequestError,
  TeamExistsError,
  TeamNotFoundError,
  TeamNotFoundForUpdateError,
  UnknownOrganizationError,
  TeamsAccessDeniedError,
} from './teams.errors';
import { TeamChanges, TeamsRepository } from './teams.repository';
import { TeamViews } from './team-views.service';
import { isSet, pythonList, windowEnd, parseMembers, validateTeamFields, stringMap, withTagsAndGuardrails, seesEverything, asTeamViewer, assertTeamLogging } from './team-rules';
import { keepMaskedSecrets } from '../call-logging/team-logging';

/**
 * Teams: the management API's `/team/*` operations (members are MembershipsService's). Every change tells the
 * {@link TeamDirectory} (the hot-path view) before it answers; spend is read from the counter store.
 */
@Injectable()
export class TeamsService {
  constructor(
    private readonly repository: TeamsRepository,
    private readonly keys: KeysService,
    private readonly liveSpend: LiveSpendService,
    private readonly views: TeamViews,
    private readonly directory: TeamDirectory,
  ) {}

  /**
   * POST /team/new. The caller is added as admin (master key: default_user_id); members unknown as users are created.
   * @throws InvalidTeamRequestError, TeamExistsError, UnknownOrganizationError
   */
  async createTeam(auth: AuthContext | null, body: NewTeamDto): Promise<TeamRowDto> {
    validateTeamFields(body);
    // Org admins create teams in the organizations they administer, nowhere else, and no wider than it.
    const byOrganizationAdmin = auth?.role !== 'proxy_admin';
    if (byOrganizationAdmin && !(await this.views.isOrganizationAdmin(auth, body.organization_id ?? null))) {
      throw new TeamsAccessDeniedError('Only proxy admins, or org admins inside their organization, may create teams.');
    }
    // Logging destinations receive every call of the team (and its prompts): a proxy admin's decision.
    if (byOrganizationAdmin && body.metadata?.logging !== undefined)
      throw new TeamsAccessDeniedError("Only proxy admins may set a team's logging destinations (metadata.logging).");
    const given = [
      ...parseMembers(body.members_with_roles ?? [], 'members_with_roles', 'user'),
      ...(body.admins ?? []).map((userId): StoredMember => ({ role: 'admin', user_id: userId, user_email: null })),
      ...(body.members ?? []).map((userId): StoredMember => ({ role: 'user', user_id: userId, user_email: null })),
    ];
    const members = withCreator(given, auth?.userId ?? null);
    const teamId = body.team_id ?? randomUUID();
    return this.views.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        if (await this.repository.findTeam(teamId, manager)) throw new TeamExistsError(teamId);
        await this.views.assertOrganization(manager, body.organization_id);
        if (byOrganizationAdmin) await this.assertWithinOrganization(manager, body.organization_id as string, body);
        const resolved = await this.views.resolveMembers(manager, members);
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
        await this.views.auditTeam('created', null, created);
        return created;
      });
      this.directory.teamChanged(
        saved.teamId,
        saved.membersWithRoles.map((member) => member.user_id),
      );
      await this.liveSpend.reset(SpendSubject.team(saved.teamId), 0, saved.budgetResetAt);
      return toTeamRow(saved, 0, saved.budgetResetAt);
    });
  }

  /**
   * POST /team/update: only the fields given (non-null) change.
   * @returns `{team_id, data: team_row}` as LiteLLM.
   * @throws TeamNotFoundForUpdateError (400), InvalidTeamRequestError, UnknownOrganizationError
   */
  async updateTeam(body: UpdateTeamDto): Promise<UpdateTeamResponseDto> {
    // metadata.logging is checked once masked secrets are restored from the stored team (below).
    validateTeamFields({ ...body, metadata: undefined });
    return this.views.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        const existing = await this.repository.findTeam(body.team_id, manager);
        if (!existing) throw new TeamNotFoundForUpdateError(body.team_id);
        await this.views.assertOrganization(manager, body.organization_id);
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
        if (isSet(body.metadata) || isSet(body.tags) || isSet(body.guardrails)) {
          changes.metadata = withTagsAndGuardrails(body.metadata ? keepMaskedSecrets(body.metadata, existing.metadata) : existing.metadata, body);
          assertTeamLogging(changes.metadata);
        }
        await this.repository.updateTeam(manager, body.team_id, changes);
        const updated = (await this.repository.findTeam(body.team_id, manager))!;
        await this.views.auditTeam('updated', existing, updated);
        return updated;
      });
      this.directory.teamChanged(saved.teamId);
      if (isSet(body.budget_duration)) await this.liveSpend.reset(SpendSubject.team(saved.teamId), (await this.views.teamSpend(saved)).spend, saved.budgetResetAt);
      return { team_id: saved.teamId, data: await this.views.teamRow(saved) };
    });
  }

  /**
   * POST /team/delete: all or nothing; memberships go and the team leaves its users' `teams`.
   * @throws TeamNotFoundError (404) naming the ids that do not exist.
   */
  async deleteTeams(teamIds: readonly string[]): Promise<DeleteTeamsResponseDto> {
    return this.views.writes.run(async () => {
      const existing = await this.repository.findTeams(teamIds);
      const found = new Set(existing.map((team) => team.teamId));
      const missing = teamIds.filter((id) => !found.has(id));
      if (missing.length) throw new TeamNotFoundError(missing);
      await this.repository.deleteTeams(teamIds);
      for (const team of existing) await this.views.auditTeam('deleted', team, null);
      this.directory.teamsDeleted(teamIds);
      return { deleted_teams: [...teamIds], message: `Successfully deleted teams with ids: ${pythonList(teamIds)}` };
    });
  }

  /**
   * GET /team/info?team_id=
   * @throws InvalidTeamRequestError without an id, TeamNotFoundError (404)
   */
  async describeTeam(auth: AuthContext | null, teamId: string | undefined): Promise<TeamInfoResponseDto> {
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
      team_info: await this.views.teamRow(entity),
      // return_full_object: rows, not hashes
      keys: keys.keys as KeyRowDto[],
      team_memberships: await this.views.membershipRows(memberships),
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

  /** GET /team/list: every team (or those of a user / an organization), oldest first. */
  async listTeams(filter: { user_id?: string; organization_id?: string }): Promise<TeamRowDto[]> {
    const rows = await this.repository.listTeams({ organizationId: filter.organization_id });
    return this.views.teamRows(rows.filter((team) => !filter.user_id || team.membersWithRoles.some((member) => member.user_id === filter.user_id)));
  }

  /** POST /team/block and /team/unblock. @throws TeamNotFoundForUpdateError */
  async setTeamBlocked(teamId: string, blocked: boolean): Promise<TeamRowDto> {
    return this.views.writes.run(async () => {
      const saved = await this.repository.transaction(async (manager) => {
        const existing = await this.repository.findTeam(teamId, manager);
        if (!existing || !(await this.repository.updateTeam(manager, teamId, { blocked }))) throw new TeamNotFoundForUpdateError(teamId);
        const saved = (await this.repository.findTeam(teamId, manager))!;
        await this.views.auditTeam(blocked ? 'blocked' : 'unblocked', existing, saved);
        return saved;
      });
      this.directory.teamChanged(saved.teamId);
      return this.views.teamRow(saved);
    });
  }
}
