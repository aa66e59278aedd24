import { DomainError } from '../common/errors/domain-error';

/** A handler without @Route(): refused rather than guessed, so a forgotten declaration never opens a route. */
export class UndeclaredRouteError extends DomainError {
  constructor(path: string) {
    super('GW_INTERNAL', `Route ${path} has no access class declared.`, { status: 500, type: 'internal_server_error' });
  }
}

export class ExpiredKeyError extends DomainError {
  constructor(expires: Date) {
    super('GW_KEY_EXPIRED', `Authentication Error - Expired Key. Key Expiry time ${expires.toISOString()} and current time ${new Date().toISOString()}`, {
      status: 400,
      type: 'expired_key',
      param: 'key',
    });
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

/** `allowed_routes` (config or key) does not list the route. `param: "None"` as LiteLLM sends it. */
export class RouteNotAllowedError extends DomainError {
  constructor(path: string) {
    super('GW_ROUTE_NOT_ALLOWED', `Route ${path} not allowed`, { status: 403, type: 'auth_error', param: 'None' });
  }
}

/** `general_settings.admin_only_routes` hit by anyone but a proxy admin. */
export class ConfiguredAdminOnlyRouteError extends DomainError {
  constructor(path: string) {
    super('GW_AUTH_FORBIDDEN', `user not allowed to access this route. Route=${path} is an admin only route`, {
      status: 403,
      type: 'auth_error',
      param: 'None',
    });
  }
}

/** `allowed_ips` does not admit the caller. */
export class IpNotAllowedError extends DomainError {
  constructor(ip: string | null) {
    super('GW_AUTH_FORBIDDEN', `Access forbidden: IP address ${ip ?? 'unknown'} not allowed.`, { status: 403, type: 'auth_error', param: 'None' });
  }
}

/** `enforced_params` (config or key): a required request parameter is missing. */
export class EnforcedParamMissingError extends DomainError {
  constructor(param: string) {
    super('GW_AUTH_FORBIDDEN', `Authentication Error, BadRequest please pass param=${param} in request body. This is a required param`, {
      status: 401,
      type: 'auth_error',
      param: 'None',
    });
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

/** A bearer JWT that does not verify (signature, algorithm, expiry, audience, issuer) or maps to nobody. */
export class JwtRejectedError extends DomainError {
  constructor(reason: string) {
    super('GW_AUTH_INVALID_KEY', `Authentication Error, invalid JWT: ${reason}`, { status: 401, type: 'auth_error' });
  }
}

/** `admin_allowed_routes` / `team_allowed_routes` do not cover the route. */
export class JwtRouteNotAllowedError extends DomainError {
  constructor(kind: 'admin' | 'team', path: string) {
    super('GW_ROUTE_NOT_ALLOWED', `Authentication Error, a ${kind} JWT is not allowed to call route ${path}`, { status: 403, type: 'auth_error', param: 'None' });
  }
}
