import type { AuthContext } from '../common/access/caller';
import { MASTER_KEY_USER_ID } from '../common/access/caller';
import { addDuration, parseDuration } from '../common/duration';
import type { TeamFieldsDto } from './dto/team-request.dto';
import type { StoredMember } from './entities';
import { isMemberRole, type MemberInput } from './members';
import { InvalidTeamRequestError, TeamsAccessDeniedError } from './teams.errors';
import { parseTeamLogging, TeamLoggingError } from '../call-logging/team-logging';

export function windowOf(duration: string | null): number | null {
  return duration ? (parseDuration(duration) ?? null) : null;
}

export function instant(epochMs: number | null): Date | null {
  return epochMs === null ? null : new Date(epochMs);
}

/** The context TeamsService acts with on the keys module: the proxy admin, keeping the caller as actor. */
export function adminContext(auth: AuthContext | null): AuthContext {
  return { method: 'master_key', role: 'proxy_admin', userId: auth?.userId ?? MASTER_KEY_USER_ID, apiKeyHash: auth?.apiKeyHash ?? null };
}

export function isSet<T>(value: T | null | undefined): value is T {
  return value !== undefined && value !== null;
}

export function pythonList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`;
}

export function windowEnd(duration: string | null, now: Date): Date | null {
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
export function validateBudget(fields: { max_budget?: number | null; budget_duration?: string | null }): void {
  if (isSet(fields.max_budget) && fields.max_budget < 0) throw new InvalidTeamRequestError(`max_budget must be non-negative. Received: ${fields.max_budget}`, 'max_budget');
  if (isSet(fields.budget_duration) && parseDuration(fields.budget_duration) === undefined) {
    throw new InvalidTeamRequestError(`Invalid budget_duration '${fields.budget_duration}'. Use a number followed by s, m, h, d, w or mo, e.g. 30d.`, 'budget_duration');
  }
}

export function validateTeamFields(fields: TeamFieldsDto): void {
  validateBudget(fields);
  assertTeamLogging(fields.metadata);
  if (isSet(fields.model_aliases) && !Object.values(fields.model_aliases).every((target) => typeof target === 'string')) {
    throw new InvalidTeamRequestError('model_aliases must map alias names to model names', 'model_aliases');
  }
}

/** Team-based logging is checked when written, so a call never finds an unusable destination. */
export function assertTeamLogging(metadata: Readonly<Record<string, unknown>> | null | undefined): void {
  try {
    parseTeamLogging(metadata?.logging);
  } catch (error) {
    if (error instanceof TeamLoggingError) throw new InvalidTeamRequestError(error.message, error.field);
    throw error;
  }
}

export function stringMap(value: Record<string, unknown> | null | undefined): Record<string, string> {
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
export function seesEverything(auth: AuthContext | null): boolean {
  return auth?.role === 'proxy_admin' || auth?.role === 'proxy_admin_viewer';
}

/**
 * LiteLLM's self-managed team routes: a proxy admin, an admin member of the team, or an org admin of the
 * team's organization may change its members.
 * @throws TeamsAccessDeniedError (403)
 */
export function assertTeamAdmin(
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
export function asTeamViewer(auth: AuthContext | null): AuthContext {
  return { method: auth?.method ?? 'master_key', role: 'proxy_admin', userId: auth?.userId ?? null, apiKeyHash: auth?.apiKeyHash ?? null };
}

export const TEAM_TABLE = 'LiteLLM_TeamTable';
