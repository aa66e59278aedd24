import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../common/access/caller';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { MemberAddDto, MemberDeleteDto, MemberUpdateDto } from './dto/team-request.dto';
import type { UserEntity } from './entities';
import { AuditLogService } from '../audit/audit-log.service';
import { addMembers, findMember, memberLabel } from './members';
import type { TeamMemberAddResponseDto, TeamMemberUpdateResponseDto, TeamRowDto } from './dto/team-response.dto';
import { TeamDirectory } from './team-directory.service';
import { DuplicateMemberError, InvalidTeamRequestError, MemberNotFoundError, TeamNotFoundForUpdateError, TeamsAccessDeniedError } from './teams.errors';
import { TeamsRepository } from './teams.repository';
import { TeamViews } from './team-views.service';
import { isSet, parseMembers, assertTeamAdmin, TEAM_TABLE } from './team-rules';

/**
 * Team members: `/team/member_add`, `/team/member_delete`, `/team/member_update`. Team admins manage their own
 * team's members and grant no more budget than their own membership has left.
 */
@Injectable()
export class MembershipsService {
  constructor(
    private readonly repository: TeamsRepository,
    private readonly liveSpend: LiveSpendService,
    private readonly audit: AuditLogService,
    private readonly views: TeamViews,
    private readonly directory: TeamDirectory,
  ) {}

  /**
   * POST /team/member_add: one member or a list, by user_id or user_email; unknown users are created.
   * @throws TeamNotFoundForUpdateError, InvalidTeamRequestError, DuplicateMemberError (400)
   */
  async addTeamMembers(auth: AuthContext | null, body: MemberAddDto): Promise<TeamMemberAddResponseDto> {
    const adding = parseMembers(Array.isArray(body.member) ? body.member : [body.member], 'member', 'user');
    if (!adding.length) throw new InvalidTeamRequestError('member is required: {role, user_id|user_email} or a list of them', 'member');
    if (isSet(body.max_budget_in_team) && body.max_budget_in_team < 0) throw new InvalidTeamRequestError('max_budget_in_team must be non-negative', 'max_budget_in_team');
    const organizationAdmin = await this.views.isOrganizationAdmin(auth, (await this.directory.findTeam(body.team_id))?.organizationId ?? null);
    return this.views.writes.run(async () => {
      const result = await this.repository.transaction(async (manager) => {
        const team = await this.repository.findTeam(body.team_id, manager);
        if (!team) throw new TeamNotFoundForUpdateError(body.team_id);
        assertTeamAdmin(auth, team.membersWithRoles, team.teamId, '/team/member_add', organizationAdmin);
        await this.assertMemberBudgetWithinOwn(manager, auth, team.teamId, body.max_budget_in_team, organizationAdmin);
        const resolved = await this.views.resolveMembers(manager, adding);
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
        await this.views.auditTeam('member_added', team, saved);
        return { saved, users, memberships, userIds };
      });
      this.directory.teamChanged(result.saved.teamId, result.userIds);
      return {
        ...(await this.views.teamRow(result.saved)),
        updated_users: await this.views.userRows(result.users.filter((user): user is UserEntity => user !== null)),
        updated_team_memberships: await this.views.membershipRows(result.memberships),
      };
    });
  }

  /**
   * POST /team/member_delete {team_id, user_id|user_email}.
   * @throws TeamNotFoundForUpdateError, MemberNotFoundError (400)
   */
  async removeTeamMember(auth: AuthContext | null, body: MemberDeleteDto): Promise<TeamRowDto> {
    if (!isSet(body.user_id) && !isSet(body.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in', 'user_id');
    const organizationAdmin = await this.views.isOrganizationAdmin(auth, (await this.directory.findTeam(body.team_id))?.organizationId ?? null);
    return this.views.writes.run(async () => {
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
        await this.views.auditTeam('member_removed', team, saved);
        return { saved, userId: removed.user_id };
      });
      this.directory.teamChanged(saved.teamId, [userId]);
      return this.views.teamRow(saved);
    });
  }

  /**
   * POST /team/member_update {team_id, user_id|user_email, max_budget_in_team, role}.
   * @throws TeamNotFoundForUpdateError, MemberNotFoundError (400)
   */
  async updateTeamMember(auth: AuthContext | null, body: MemberUpdateDto): Promise<TeamMemberUpdateResponseDto> {
    if (!isSet(body.user_id) && !isSet(body.user_email)) throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in', 'user_id');
    if (isSet(body.max_budget_in_team) && body.max_budget_in_team < 0) throw new InvalidTeamRequestError('max_budget_in_team must be non-negative', 'max_budget_in_team');
    const organizationAdmin = await this.views.isOrganizationAdmin(auth, (await this.directory.findTeam(body.team_id))?.organizationId ?? null);
    return this.views.writes.run(async () => {
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
}
