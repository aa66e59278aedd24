import { DomainError } from '../common/errors/domain-error';

/** 400 for a team, user or organization request that is well-formed JSON but not a valid request. */
export class InvalidTeamRequestError extends DomainError {
  constructor(message: string, param: string | null = null) {
    super('GW_BAD_REQUEST', message, { status: 400, type: 'bad_request_error', param });
  }
}

/** LiteLLM's /team/new refusal of an existing id. */
export class TeamExistsError extends InvalidTeamRequestError {
  constructor(teamId: string) {
    super(`Team id = ${teamId} already exists. Please use a different team id.`, 'team_id');
  }
}

/** 400 as LiteLLM's /team/update, /team/member_* and /team/block (`Team not found…`). */
export class TeamNotFoundForUpdateError extends InvalidTeamRequestError {
  constructor(teamId: string) {
    super(`Team not found, passed team_id=${teamId}`, 'team_id');
  }
}

/** 404 for /team/info and /team/delete, LiteLLM's text. */
export class TeamNotFoundError extends DomainError {
  constructor(teamIds: readonly string[]) {
    const message = teamIds.length === 1 ? `Team not found, passed team_id=${teamIds[0]}` : `Team not found, passed team_ids=${teamIds.join(', ')}`;
    super('GW_NOT_FOUND', message, { status: 404, type: 'not_found_error', param: teamIds.length === 1 ? 'team_id' : 'team_ids' });
  }
}

export class DuplicateMemberError extends InvalidTeamRequestError {
  constructor(teamId: string, member: string) {
    super(`User=${member} already in team=${teamId}. Use /team/member_update to change its role.`, 'member');
  }
}

export class MemberNotFoundError extends InvalidTeamRequestError {
  constructor(teamId: string, member: string) {
    super(`User=${member} not found in team=${teamId}`, 'user_id');
  }
}

/** 400 as LiteLLM: a team or user naming an organization that does not exist. */
export class UnknownOrganizationError extends InvalidTeamRequestError {
  constructor(organizationId: string) {
    super(`Organization not found, passed organization_id=${organizationId}`, 'organization_id');
  }
}

export class OrganizationNotFoundError extends DomainError {
  constructor(organizationIds: readonly string[]) {
    super('GW_NOT_FOUND', `Organization not found, passed organization_id=${organizationIds.join(', ')}`, {
      status: 404,
      type: 'not_found_error',
      param: 'organization_id',
    });
  }
}

export class OrganizationExistsError extends InvalidTeamRequestError {
  constructor(organizationId: string) {
    super(`Organization id = ${organizationId} already exists. Please use a different organization id.`, 'organization_id');
  }
}

export class UserExistsError extends InvalidTeamRequestError {
  constructor(what: string) {
    super(`User with ${what} already exists.`, 'user_id');
  }
}

/** 404 for /user/info, /user/update and /user/delete of an unknown user. */
export class UserNotFoundError extends DomainError {
  constructor(userIds: readonly string[], param = 'user_id') {
    super('GW_NOT_FOUND', `User not found, passed user_id=${userIds.join(', ')}`, { status: 404, type: 'not_found_error', param });
  }
}

/** 403: the caller is authenticated but may not see or change this team or user. */
export class TeamsAccessDeniedError extends DomainError {
  constructor(message: string, param: string | null = null) {
    super('GW_AUTH_FORBIDDEN', message, { status: 403, type: 'auth_error', param });
  }
}
