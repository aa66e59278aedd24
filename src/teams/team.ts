/** LiteLLM's team member roles. */
export type TeamMemberRole = 'admin' | 'user';

export const USER_ROLES = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer'] as const;
export type InternalUserRole = (typeof USER_ROLES)[number];

/** One entry of a team's `members_with_roles`. */
export interface TeamMember {
  userId: string | null;
  userEmail: string | null;
  role: TeamMemberRole;
}

/** The in-memory view of a team the gateway reads on every call of a team key (its live spend is the counter store's). */
export interface TeamRecord {
  teamId: string;
  teamAlias: string | null;
  organizationId: string | null;
  models: readonly string[];
  maxBudget: number | null;
  budgetDuration: string | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
  modelAliases: Readonly<Record<string, string>>;
  blocked: boolean;
  metadata: Readonly<Record<string, unknown>>;
  members: readonly TeamMember[];
}

/** The in-memory view of an internal user (LiteLLM_UserTable). */
export interface UserRecord {
  userId: string;
  userEmail: string | null;
  userRole: string;
  maxBudget: number | null;
  budgetDuration: string | null;
  models: readonly string[];
  tpmLimit: number | null;
  rpmLimit: number | null;
  teams: readonly string[];
}

/** A user's membership of a team and its optional per-member budget. */
export interface TeamMembershipRecord {
  teamId: string;
  userId: string;
  maxBudgetInTeam: number | null;
}

/** An organization's own limits as the hot path reads them; a shared budget (`budgetId`) fills in the rest. */
export interface OrganizationRecord {
  organizationId: string;
  maxBudget: number | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  budgetId: string | null;
}

/** The user id LiteLLM's global proxy budget is tracked on. */
export const PROXY_BUDGET_USER_ID = 'litellm-proxy-budget';
