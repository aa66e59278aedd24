import { DomainError } from '../common/errors/domain-error';

/** Any failed login: the same words whether the user, the password or both were wrong. */
export class InvalidLoginError extends DomainError {
  constructor() {
    super('GW_AUTH_INVALID_KEY', 'Invalid credentials used to access UI.', { status: 401, type: 'auth_error', param: 'invalid_credentials' });
  }
}

/** Too many failed logins from one address or for one username. */
export class LoginThrottledError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super('GW_RATE_LIMITED', 'Too many failed login attempts. Try again later.', {
      status: 429,
      type: 'rate_limit_error',
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

/** A session cookie that names no live session (unknown, logged out, revoked, idle or past its age). */
export class SessionExpiredError extends DomainError {
  constructor() {
    super('GW_AUTH_INVALID_KEY', 'Authentication Error, the UI session is not valid or has expired. Log in again.', { status: 401, type: 'auth_error' });
  }
}

/** `/session/info` without a live session: the UI shows its login page. */
export class NotLoggedInError extends DomainError {
  constructor() {
    super('GW_AUTH_INVALID_KEY', 'Not logged in to the UI, or the session has ended: log in with POST /v2/login.', { status: 401, type: 'auth_error' });
  }
}

/** An unsafe request authenticated by the session cookie without the session's `x-csrf-token`. */
export class CsrfTokenError extends DomainError {
  constructor() {
    super('GW_AUTH_FORBIDDEN', 'Missing or invalid x-csrf-token header: requests that change something with the UI session cookie must send the csrf_token of the session.', {
      status: 403,
      type: 'auth_error',
      param: 'x-csrf-token',
    });
  }
}

/** A login form posted from another site's page (its `Origin` names another host). */
export class CrossSiteLoginError extends DomainError {
  constructor() {
    super('GW_AUTH_FORBIDDEN', 'Login refused: the request came from another site.', { status: 403, type: 'auth_error', param: 'origin' });
  }
}
