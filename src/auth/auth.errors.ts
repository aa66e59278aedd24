import { DomainError } from '../common/errors/domain-error';

/** A handler without @Route(): refused rather than guessed, so a forgotten declaration never opens a route. */
export class UndeclaredRouteError extends DomainError {
  constructor(path: string) {
    super('GW_INTERNAL', `Route ${path} has no access class declared.`, { status: 500, type: 'internal_server_error' });
  }
}

export class ExpiredKeyError extends DomainError {
  constructor(expires: Date) {
    super(
      'GW_KEY_EXPIRED',
      `Authentication Error - Expired Key. Key Expiry time ${expires.toISOString()} and current time ${new Date().toISOString()}`,
      { status: 400, type: 'expired_key', param: 'key' },
    );
  }
}

export class KeyBlockedError extends DomainError {
  constructor() {
    super('GW_KEY_BLOCKED', "Authentication Error, Key is blocked. Update via `/key/unblock` if you're admin.", {
      status: 401,
      type: 'auth_error',
    });
  }
}

/** LiteLLM's per-key `allowed_routes` refusal. */
export class RouteNotAllowedError extends DomainError {
  constructor(path: string) {
    super('GW_ROUTE_NOT_ALLOWED', `Route ${path} not allowed`, { status: 403, type: 'auth_error' });
  }
}

/** A role that may not use this kind of route at all (e.g. a viewer calling a model). */
export class RoleNotAllowedError extends DomainError {
  constructor(role: string, route: string) {
    super('GW_AUTH_FORBIDDEN', `Authentication Error, user not allowed to access this route, role= ${role}. Route=${route}`, {
      status: 401,
      type: 'auth_error',
    });
  }
}
