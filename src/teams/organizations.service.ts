import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../common/access/caller';
import { AuditLogService } from '../audit/audit-log.service';
import { parseDuration } from '../common/duration';
import type { NewOrganizationDto, OrganizationMemberAddDto, UpdateOrganizationDto } from './dto/organization-request.dto';
import { toOrganizationRow, toTeamRow } from './team-mapper';
import { InvalidTeamRequestError, OrganizationNotFoundError, UserNotFoundError } from './teams.errors';
import { TeamsAccessDeniedError } from './teams.errors';
import { OrganizationChanges, TeamsRepository } from './teams.repository';
import { CustomersService } from '../customers/customers.service';
import { LiveSpendService } from '../spend/live-spend.service';
import { SpendSubject } from '../spend/spend-subjects';
import { TeamDirectory } from './team-directory.service';
import type { OrganizationEntity, TeamEntity } from './entities';
import { USER_ROLES } from './team';

import type { OrganizationInfoDto, OrganizationMemberAddResponseDto, OrganizationMembershipDto, OrganizationRowDto } from './dto/organization-response.dto';
import type { TeamRowDto } from './dto/team-response.dto';
const isSet = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;

/** Organizations (LiteLLM_OrganizationTable) and their members. Not on the hot path: no cache. */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly repository: TeamsRepository,
    private readonly directory: TeamDirectory,
    private readonly audit: AuditLogService,
    private readonly liveSpend: LiveSpendService,
    private readonly customers: CustomersService,
  ) {}

  /** POST /organization/new: inline budget fields create the organization's budget row. @throws OrganizationExistsError */
  async create(auth: AuthContext | null, body: NewOrganizationDto): Promise<OrganizationRowDto> {
    if (isSet(body.max_budget) && body.max_budget < 0) throw new InvalidTeamRequestError('max_budget must be non-negative', 'max_budget');
    if (isSet(body.budget_duration) && parseDuration(body.budget_duration) === undefined)
      throw new InvalidTeamRequestError(`Invalid budget_duration '${body.budget_duration}'`, 'budget_duration');
    const organizationId = body.organization_id ?? randomUUID();
    const budgetId = body.budget_id ?? randomUUID();
    const budget = isSet(body.budget_id)
      ? null
      : {
          budgetId,
          maxBudget: body.max_budget ?? null,
          tpmLimit: body.tpm_limit ?? null,
          rpmLimit: body.rpm_limit ?? null,
          maxParallelRequests: body.max_parallel_requests ?? null,
          budgetDuration: body.budget_duration ?? null,
        };
    const saved = await this.repository.insertOrganization(
      {
        organizationId,
        organizationAlias: body.organization_alias ?? null,
        models: body.models ?? [],
        maxBudget: body.max_budget ?? null,
        spend: 0,
        budgetId,
        budgetResetAt: null,
        tpmLimit: body.tpm_limit ?? null,
        rpmLimit: body.rpm_limit ?? null,
        metadata: body.metadata ?? {},
        createdBy: auth?.userId ?? null,
      },
      budget,
    );
    const row = toOrganizationRow(saved, saved.spend);
    await this.audit.record({ table: ORGANIZATION_TABLE, objectId: saved.organizationId, action: 'created', after: row });
    this.directory.organizationChanged(saved.organizationId);
    return row;
  }

  /**
   * Org admins manage their own organization; proxy admins every one.
   * @throws TeamsAccessDeniedError (403)
   */
  async assertOrganizationAdmin(auth: AuthContext | null, organizationId: string): Promise<void> {
    if (auth?.role === 'proxy_admin') return;
    const members = auth?.userId ? await this.repository.findOrganizationMembers(organizationId) : [];
    if (!members.some((member) => member.userId === auth?.userId && member.userRole === 'org_admin')) {
      throw new TeamsAccessDeniedError(`user not allowed to manage organization=${organizationId}. Only proxy admins and its org admins may.`);
    }
  }

  /** GET /organization/info?organization_id= @throws OrganizationNotFoundError (404) */
  async describe(auth: AuthContext | null, organizationId: string | undefined): Promise<OrganizationInfoDto> {
    if (!organizationId) throw new InvalidTeamRequestError('organization_id is required', 'organization_id');
    if (auth?.role !== 'proxy_admin_viewer') await this.assertOrganizationAdmin(auth, organizationId);
    const [row] = await this.describeMany([organizationId]);
    return row;
  }

  /** POST /organization/info {organizations}: all or nothing. @throws OrganizationNotFoundError (404) */
  async describeMany(organizationIds: readonly string[]): Promise<OrganizationInfoDto[]> {
    const rows = await this.repository.findOrganizations(organizationIds);
    const found = new Set(rows.map((row) => row.organizationId));
    const missing = organizationIds.filter((id) => !found.has(id));
    if (missing.length) throw new OrganizationNotFoundError(missing);
    const live = await this.organizationRows(rows);
    return Promise.all(rows.map((row, i) => this.withMembersAndTeams(live[i], row.organizationId)));
  }

  async list(): Promise<OrganizationRowDto[]> {
    return this.organizationRows(await this.repository.listOrganizations());
  }

  /** POST /organization/update: only the fields given (non-null) change. @throws OrganizationNotFoundError */
  async update(body: UpdateOrganizationDto): Promise<OrganizationRowDto> {
    const changes: OrganizationChanges = {};
    if (isSet(body.organization_alias)) changes.organizationAlias = body.organization_alias;
    if (isSet(body.models)) changes.models = body.models;
    if (isSet(body.max_budget)) changes.maxBudget = body.max_budget;
    if (isSet(body.tpm_limit)) changes.tpmLimit = body.tpm_limit;
    if (isSet(body.rpm_limit)) changes.rpmLimit = body.rpm_limit;
    if (isSet(body.metadata)) changes.metadata = body.metadata;
    const existing = await this.repository.findOrganization(body.organization_id);
    const saved = existing ? await this.repository.updateOrganization(body.organization_id, changes) : null;
    if (!existing || !saved) throw new OrganizationNotFoundError([body.organization_id]);
    const [before, after] = await this.organizationRows([existing, saved]);
    await this.audit.record({ table: ORGANIZATION_TABLE, objectId: saved.organizationId, action: 'updated', before, after });
    this.directory.organizationChanged(saved.organizationId);
    return after;
  }

  /** POST /organization/delete {organization_ids}: all or nothing; teams and users keep no organization. */
  async delete(organizationIds: readonly string[]): Promise<OrganizationRowDto[]> {
    const rows = await this.repository.findOrganizations(organizationIds);
    const found = new Set(rows.map((row) => row.organizationId));
    const missing = organizationIds.filter((id) => !found.has(id));
    if (missing.length) throw new OrganizationNotFoundError(missing);
    const deleted = await this.repository.deleteOrganizations(organizationIds);
    const rowsBefore = await this.organizationRows(deleted);
    for (const [i, row] of deleted.entries()) await this.audit.record({ table: ORGANIZATION_TABLE, objectId: row.organizationId, action: 'deleted', before: rowsBefore[i] });
    this.directory.organizationsDeleted(organizationIds);
    return rowsBefore;
  }

  /**
   * POST /organization/member_add: existing users (by user_id or user_email) join with a role (default internal_user).
   * @throws OrganizationNotFoundError, UserNotFoundError, InvalidTeamRequestError
   */
  async addMembers(auth: AuthContext | null, body: OrganizationMemberAddDto): Promise<OrganizationMemberAddResponseDto> {
    await this.assertOrganizationAdmin(auth, body.organization_id);
    const members = (Array.isArray(body.member) ? body.member : [body.member]).map((value) => {
      if (typeof value !== 'object' || value === null) throw new InvalidTeamRequestError('member must be {role, user_id|user_email} objects', 'member');
      const input = value as { role?: unknown; user_role?: unknown; user_id?: unknown; user_email?: unknown };
      const role = input.role ?? input.user_role ?? 'internal_user';
      if (typeof role !== 'string' || !(USER_ROLES as readonly string[]).includes(role))
        throw new InvalidTeamRequestError(`Invalid organization member role '${String(role)}'`, 'member');
      // An org admin hands out at most its own role.
      if (auth?.role !== 'proxy_admin' && !ORG_ADMIN_GRANTABLE_ROLES.has(role)) {
        throw new TeamsAccessDeniedError(`Only a proxy admin can add an organization member with role '${role}'.`, 'member');
      }
      if (typeof input.user_id !== 'string' && typeof input.user_email !== 'string')
        throw new InvalidTeamRequestError('Either user_id or user_email needs to be passed in for each member', 'member');
      return { role, userId: typeof input.user_id === 'string' ? input.user_id : null, userEmail: typeof input.user_email === 'string' ? input.user_email : null };
    });
    return this.repository.transaction(async (manager) => {
      if (!(await this.repository.findOrganization(body.organization_id, manager))) throw new OrganizationNotFoundError([body.organization_id]);
      const added: OrganizationMembershipDto[] = [];
      for (const member of members) {
        const user = member.userId ? await this.repository.findUser(member.userId, manager) : await this.repository.findUserByEmail(member.userEmail!, manager);
        if (!user) throw new UserNotFoundError([member.userId ?? member.userEmail!]);
        await this.repository.upsertOrganizationMember(manager, body.organization_id, user.userId, member.role);
        await this.repository.updateUser(manager, user.userId, { organizationId: body.organization_id });
        added.push({ organization_id: body.organization_id, user_id: user.userId, user_email: user.userEmail, user_role: member.role });
      }
      await this.audit.record({ table: ORGANIZATION_TABLE, objectId: body.organization_id, action: 'member_added', updatedValues: { members: added } });
      return { organization_id: body.organization_id, updated_organization_memberships: added };
    });
  }

  private async withMembersAndTeams(row: OrganizationRowDto, organizationId: string): Promise<OrganizationInfoDto> {
    const members = await this.repository.findOrganizationMembers(organizationId);
    const teams = await this.repository.listTeams({ organizationId });
    return {
      ...row,
      members: members.map((member) => ({
        organization_id: member.organizationId,
        user_id: member.userId,
        user_role: member.userRole,
        created_at: member.createdAt.toISOString(),
      })),
      teams: await this.teamRows(teams),
    };
  }

  /** Organizations as the API shows them, with the spend every budget check sees. */
  private async organizationRows(entities: readonly OrganizationEntity[]): Promise<OrganizationRowDto[]> {
    const budgets = await Promise.all(entities.map((entity) => (entity.budgetId ? this.customers.findBudget(entity.budgetId) : null)));
    const live = await this.liveSpend.of(
      entities.map((entity, i) => ({ account: SpendSubject.organization(entity.organizationId), windowMs: windowOf(budgets[i]?.budgetDuration ?? null) })),
    );
    return entities.map((entity, i) => toOrganizationRow(entity, live[i].spend));
  }

  private async teamRows(teams: readonly TeamEntity[]): Promise<TeamRowDto[]> {
    const live = await this.liveSpend.of(teams.map((team) => ({ account: SpendSubject.team(team.teamId), windowMs: windowOf(team.budgetDuration) })));
    return teams.map((team, i) => toTeamRow(team, live[i].spend, live[i].resetAt === null ? null : new Date(live[i].resetAt)));
  }
}

const ORGANIZATION_TABLE = 'LiteLLM_OrganizationTable';

function windowOf(duration: string | null): number | null {
  return duration ? (parseDuration(duration) ?? null) : null;
}

/** Roles no wider than `org_admin`. */
const ORG_ADMIN_GRANTABLE_ROLES: ReadonlySet<string> = new Set(['org_admin', 'internal_user', 'internal_user_viewer']);
