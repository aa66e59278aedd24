import type { OrganizationEntity, StoredMember, TeamEntity, UserEntity } from './entities';
import type { MembershipRow } from './teams.repository';
import type { OrganizationRecord, TeamMembershipRecord, TeamRecord, UserRecord } from './team';
import type { OrganizationRowDto } from './dto/organization-response.dto';
import type { TeamMembershipRowDto, TeamRowDto, UserRowDto } from './dto/team-response.dto';
import { maskTeamLogging } from '../call-logging/team-logging';
const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toTeamRecord(entity: TeamEntity): TeamRecord {
  return {
    teamId: entity.teamId,
    teamAlias: entity.teamAlias,
    organizationId: entity.organizationId,
    models: [...entity.models],
    maxBudget: entity.maxBudget,
    budgetDuration: entity.budgetDuration,
    tpmLimit: entity.tpmLimit,
    rpmLimit: entity.rpmLimit,
    maxParallelRequests: entity.maxParallelRequests,
    modelAliases: { ...entity.modelAliases },
    blocked: entity.blocked,
    metadata: { ...entity.metadata },
    members: entity.membersWithRoles.map((member) => ({ userId: member.user_id, userEmail: member.user_email, role: member.role })),
  };
}

export function toUserRecord(entity: UserEntity): UserRecord {
  return {
    userId: entity.userId,
    userEmail: entity.userEmail,
    userRole: entity.userRole,
    maxBudget: entity.maxBudget,
    budgetDuration: entity.budgetDuration,
    models: [...entity.models],
    tpmLimit: entity.tpmLimit,
    rpmLimit: entity.rpmLimit,
    teams: [...entity.teams],
  };
}

export function toMembershipRecord(row: MembershipRow): TeamMembershipRecord {
  return { teamId: row.teamId, userId: row.userId, maxBudgetInTeam: row.maxBudget };
}

export function toOrganizationRecord(entity: OrganizationEntity): OrganizationRecord {
  return { organizationId: entity.organizationId, maxBudget: entity.maxBudget, tpmLimit: entity.tpmLimit, rpmLimit: entity.rpmLimit, budgetId: entity.budgetId };
}

/** The team row as LiteLLM's API shows it, with the live spend and budget window. */
export function toTeamRow(entity: TeamEntity, spend: number, budgetResetAt: Date | null): TeamRowDto {
  return {
    team_id: entity.teamId,
    team_alias: entity.teamAlias,
    organization_id: entity.organizationId,
    admins: entity.membersWithRoles.filter((member) => member.role === 'admin').map((member) => member.user_id),
    // The deprecated list as given to /team/new (LiteLLM's); members added later are in members_with_roles only.
    members: entity.members,
    members_with_roles: entity.membersWithRoles.map((member: StoredMember) => ({ role: member.role, user_id: member.user_id, user_email: member.user_email })),
    // Members read the team: its logging destinations' secrets are never shown.
    metadata: maskTeamLogging(entity.metadata),
    tpm_limit: entity.tpmLimit,
    rpm_limit: entity.rpmLimit,
    max_parallel_requests: entity.maxParallelRequests,
    max_budget: entity.maxBudget,
    budget_duration: entity.budgetDuration,
    budget_reset_at: iso(budgetResetAt),
    models: entity.models,
    blocked: entity.blocked,
    spend,
    model_aliases: entity.modelAliases,
    litellm_model_table: Object.keys(entity.modelAliases).length ? { model_aliases: entity.modelAliases } : null,
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
  };
}

export function toUserRow(entity: UserEntity, spend: number, budgetResetAt: Date | null): UserRowDto {
  return {
    user_id: entity.userId,
    user_email: entity.userEmail,
    user_alias: entity.userAlias,
    user_role: entity.userRole,
    teams: entity.teams,
    organization_id: entity.organizationId,
    max_budget: entity.maxBudget,
    spend,
    budget_duration: entity.budgetDuration,
    budget_reset_at: iso(budgetResetAt),
    models: entity.models,
    tpm_limit: entity.tpmLimit,
    rpm_limit: entity.rpmLimit,
    metadata: entity.metadata,
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
  };
}

export function toMembershipRow(row: MembershipRow, spend: number): TeamMembershipRowDto {
  return {
    team_id: row.teamId,
    user_id: row.userId,
    spend,
    budget_id: row.budgetId,
    litellm_budget_table: row.budgetId ? { budget_id: row.budgetId, max_budget: row.maxBudget } : null,
  };
}

export function toOrganizationRow(entity: OrganizationEntity, spend: number): OrganizationRowDto {
  return {
    organization_id: entity.organizationId,
    organization_alias: entity.organizationAlias,
    models: entity.models,
    max_budget: entity.maxBudget,
    spend,
    budget_id: entity.budgetId,
    tpm_limit: entity.tpmLimit,
    rpm_limit: entity.rpmLimit,
    metadata: entity.metadata,
    litellm_budget_table: entity.budgetId ? { budget_id: entity.budgetId, max_budget: entity.maxBudget, tpm_limit: entity.tpmLimit, rpm_limit: entity.rpmLimit } : null,
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
    created_by: entity.createdBy,
  };
}
