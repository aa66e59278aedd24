import { DomainError } from '../common/errors/domain-error';

/** A blocked end user (the request's `user`), LiteLLM's text. */
export class EndUserBlockedError extends DomainError {
  constructor(userId: string) {
    super('GW_END_USER_BLOCKED', `User blocked from making LLM API Calls. User=${userId}`, { status: 400, type: 'invalid_request_error', param: 'user' });
  }
}

/** A key of a blocked team, LiteLLM's text. */
export class TeamBlockedError extends DomainError {
  constructor(teamId: string) {
    super('GW_KEY_BLOCKED', `Authentication Error, Team=${teamId} is blocked. Update via /team/unblock if you're an admin.`, { status: 401, type: 'auth_error' });
  }
}
