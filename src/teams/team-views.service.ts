import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuthContext } from '../common/access/caller';
import { SerialQueue } from '../common/serial-queue';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import type { StoredMember, TeamEntity, UserEntity } from './entities';
import { AuditAction, AuditLogService } from '../audit/audit-log.service';
import { toMembershipRow, toTeamRow, toUserRow } from './team-mapper';
import type { TeamMembershipRowDto, TeamRowDto, UserRowDto } from './dto/team-response.dto';
import { UnknownOrganizationError } from './teams.errors';
import { MembershipRow, TeamsRepository } from './teams.repository';
import { windowOf, instant, isSet, TEAM_TABLE } from './team-rules';

/**
 * What the teams, memberships and users services share: the API's view of teams, users and memberships with the
 * spend every budget check sees, the audit rows of their changes, users created on the way (a member added by
 * email), and the one queue their writes run on, so a team change never races a member change.
 */
@Injectable()
export class TeamViews implements OnApplicationShutdown {
  readonly writes = new SerialQueue();

  constructor(
    private readonly repository: TeamsRepository,
    private readonly liveSpend: LiveSpendService,
    private readonly audit: AuditLogService,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.writes.drain();
  }

  /** The audit row of a team change, with the team as the API shows it. */
  auditTeam(action: AuditAction, before: TeamEntity | null, after: TeamEntity | null): Promise<void> {
    const teamId = (after ?? before)!.teamId;
    return this.audit.record({
      table: TEAM_TABLE,
      objectId: teamId,
      action,
      before: before && toTeamRow(before, before.spend, before.budgetResetAt),
      after: after && toTeamRow(after, after.spend, after.budgetResetAt),
    });
  }

  auditUser(action: AuditAction, before: UserEntity | null, after: UserEntity | null): Promise<void> {
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
  async resolveMembers(manager: EntityManager, members: readonly StoredMember[]): Promise<StoredMember[]> {
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
  async assertOrganization(manager: EntityManager, organizationId: string | null | undefined): Promise<void> {
    if (isSet(organizationId) && !(await this.repository.findOrganization(organizationId, manager))) throw new UnknownOrganizationError(organizationId);
  }

  /** Whether the caller is an `org_admin` member of the organization. */
  async isOrganizationAdmin(auth: AuthContext | null, organizationId: string | null): Promise<boolean> {
    if (!organizationId || auth?.role !== 'org_admin' || !auth.userId) return false;
    const members = await this.repository.findOrganizationMembers(organizationId);
    return members.some((member) => member.userId === auth.userId && member.userRole === 'org_admin');
  }

  teamSpend(entity: TeamEntity): Promise<{ spend: number; resetAt: number | null }> {
    return this.liveSpend.one(SpendSubject.team(entity.teamId), windowOf(entity.budgetDuration));
  }

  userSpend(entity: UserEntity): Promise<{ spend: number; resetAt: number | null }> {
    return this.liveSpend.one(SpendSubject.user(entity.userId), windowOf(entity.budgetDuration));
  }

  /** Teams as the API shows them, with the spend and window every budget check sees. */
  async teamRows(entities: readonly TeamEntity[]): Promise<TeamRowDto[]> {
    const live = await this.liveSpend.of(entities.map((entity) => ({ account: SpendSubject.team(entity.teamId), windowMs: windowOf(entity.budgetDuration) })));
    return entities.map((entity, i) => toTeamRow(entity, live[i].spend, instant(live[i].resetAt)));
  }

  async teamRow(entity: TeamEntity): Promise<TeamRowDto> {
    return (await this.teamRows([entity]))[0];
  }

  async userRows(entities: readonly UserEntity[]): Promise<UserRowDto[]> {
    const live = await this.liveSpend.of(entities.map((entity) => ({ account: SpendSubject.user(entity.userId), windowMs: windowOf(entity.budgetDuration) })));
    return entities.map((entity, i) => toUserRow(entity, live[i].spend, instant(live[i].resetAt)));
  }

  async userRow(entity: UserEntity): Promise<UserRowDto> {
    return (await this.userRows([entity]))[0];
  }

  async membershipRows(rows: readonly MembershipRow[]): Promise<TeamMembershipRowDto[]> {
    const live = await this.liveSpend.of(rows.map((row) => ({ account: SpendSubject.membership(row.teamId, row.userId), windowMs: null })));
    return rows.map((row, i) => toMembershipRow(row, live[i].spend));
  }
}
