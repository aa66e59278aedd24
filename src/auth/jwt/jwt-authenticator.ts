import { createHash, type KeyObject } from 'node:crypto';
import { Strategy as JwtStrategy, type StrategyOptionsWithoutRequest, type VerifiedCallback } from 'passport-jwt';
import { unlimitedKeyRecord, type VirtualKeyRecord } from '../../common/access/virtual-key';
import type { TeamRecord, UserRecord } from '../../teams/team';
import type { AuthContext, UserRole } from '../../common/access/caller';
import { JwtRejectedError, JwtRouteNotAllowedError } from '../auth.errors';
import { RouteMatcher, type RouteRef } from '../route-policy';
import { JwksCache } from './jwks-cache';

/** `general_settings.litellm_jwtauth`, LiteLLM's names. */
export interface JwtAuthSettings {
  admin_jwt_scope?: string;
  team_id_jwt_field?: string;
  user_id_jwt_field?: string;
  end_user_id_jwt_field?: string;
  /** Seconds the JWKS is cached (LiteLLM's default 600). */
  public_key_ttl?: number;
  admin_allowed_routes?: string[];
  team_allowed_routes?: string[];
  /**
   * Accept tokens that carry no `exp` claim (Tollgate's setting; off by default, as in LiteLLM, which requires
   * `exp`): such a token never expires, so one that leaks stays valid until its signing key is rotated.
   */
  allow_tokens_without_exp?: boolean;
}

export interface JwtEnvironment {
  /** `JWT_PUBLIC_KEY_URL`: the identity provider's JWKS. */
  publicKeyUrl: string;
  /** `JWT_AUDIENCE`, `JWT_ISSUER`: checked when set. */
  audience?: string;
  issuer?: string;
}

/** The records a verified token maps to; looked up through the same cached services keys use. */
export interface JwtDirectory {
  findTeam(teamId: string): Promise<TeamRecord | null>;
  findUser(userId: string): Promise<UserRecord | null>;
}

const ALGORITHMS = ['RS256', 'ES256'];
const DEFAULT_ADMIN_ROUTES = ['management_routes', 'spend_tracking_routes', 'global_spend_tracking_routes', 'info_routes'];
const DEFAULT_TEAM_ROUTES = ['openai_routes', 'info_routes'];
const UNKNOWN_KID_COOLDOWN_MS = 30_000;
const MAX_SYNTHETIC_KEYS = 10_000;

type Claims = Record<string, unknown>;

/**
 * `enable_jwt_auth`: verifies bearer JWTs with passport-jwt against the provider's JWKS (RS256 / ES256 only, so
 * neither `alg: none` nor an HMAC signed with the public key passes), with audience and issuer checks, and maps
 * the claims to a caller: the admin scope to a proxy admin, a team claim to that team (its models, limits and
 * budget, exactly as a key of the team), a user claim to that internal user.
 */
export class JwtAuthenticator {
  private readonly strategy: JwtStrategy;
  private readonly jwks: JwksCache;
  private readonly adminScope: string;
  private readonly teamField: string;
  private readonly userField?: string;
  private readonly endUserField?: string;
  private readonly adminRoutes: RouteMatcher;
  private readonly teamRoutes: RouteMatcher;
  private readonly requireExpiry: boolean;
  /** One stable record per team (and user) a token names, so limits and spend rows group by it. */
  private readonly syntheticKeys = new Map<string, VirtualKeyRecord>();

  constructor(
    settings: JwtAuthSettings,
    environment: JwtEnvironment,
    private readonly directory: JwtDirectory,
    fetchJwks: (url: string) => Promise<unknown>,
  ) {
    this.adminScope = settings.admin_jwt_scope ?? 'litellm_proxy_admin';
    this.teamField = settings.team_id_jwt_field ?? 'client_id';
    this.userField = settings.user_id_jwt_field;
    this.endUserField = settings.end_user_id_jwt_field;
    this.adminRoutes = new RouteMatcher(settings.admin_allowed_routes ?? DEFAULT_ADMIN_ROUTES);
    this.teamRoutes = new RouteMatcher(settings.team_allowed_routes ?? DEFAULT_TEAM_ROUTES);
    this.requireExpiry = settings.allow_tokens_without_exp !== true;
    this.jwks = new JwksCache(environment.publicKeyUrl, (settings.public_key_ttl ?? 600) * 1000, UNKNOWN_KID_COOLDOWN_MS, fetchJwks);
    const options: StrategyOptionsWithoutRequest = {
      jwtFromRequest: (request: { token?: string }) => request.token ?? null,
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: unknown, key?: string | Buffer) => void) => {
        this.keyOf(rawToken).then(
          (key) => (key ? done(null, key as unknown as Buffer) : done(new JwtRejectedError('unknown signing key'))),
          () => done(new JwtRejectedError('the identity provider keys could not be fetched')),
        );
      },
      algorithms: ALGORITHMS as StrategyOptionsWithoutRequest['algorithms'],
      audience: environment.audience,
      issuer: environment.issuer,
    };
    this.strategy = new JwtStrategy(options, (payload: Claims, done: VerifiedCallback) => done(null, payload));
  }

  /** How many times the JWKS was fetched. */
  get jwksFetches(): number {
    return this.jwks.fetches;
  }

  /** Whether a presented credential is a JWT rather than an `sk-` key. */
  static looksLikeJwt(credential: string): boolean {
    return credential.startsWith('eyJ') && credential.split('.').length === 3;
  }

  /**
   * @throws JwtRejectedError (401) for a token that does not verify or maps to nobody,
   *   JwtRouteNotAllowedError (403) for a route outside the token's allowed routes.
   */
  async authenticate(token: string, route: RouteRef): Promise<AuthContext> {
    const claims = await this.verify(token);
    const userId = this.userField ? stringClaim(claims, this.userField) : undefined;
    const endUserId = this.endUserField ? stringClaim(claims, this.endUserField) : undefined;
    if (scopesOf(claims).includes(this.adminScope)) {
      if (!this.adminRoutes.matches(route)) throw new JwtRouteNotAllowedError('admin', route.path);
      return { method: 'jwt', role: 'proxy_admin', userId: userId ?? null, apiKeyHash: null, endUserId };
    }
    const teamId = stringClaim(claims, this.teamField);
    if (teamId !== undefined) {
      const team = await this.directory.findTeam(teamId);
      if (!team) throw new JwtRejectedError(`team ${teamId} does not exist`);
      if (!this.teamRoutes.matches(route)) throw new JwtRouteNotAllowedError('team', route.path);
      const key = this.syntheticKey(teamId, userId ?? null);
      return { method: 'jwt', role: 'team', userId: userId ?? null, apiKeyHash: key.token, key, endUserId };
    }
    if (userId !== undefined) {
      const user = await this.directory.findUser(userId);
      if (!user) throw new JwtRejectedError(`user ${userId} does not exist`);
      const key = this.syntheticKey(null, userId);
      return { method: 'jwt', role: toRole(user.userRole), userId, apiKeyHash: key.token, key, endUserId };
    }
    throw new JwtRejectedError('the token has neither the admin scope nor a team or user claim');
  }

  private verify(token: string): Promise<Claims> {
    return new Promise((resolve, reject) => {
      // passport's own pattern: a per-call object inheriting the strategy, so concurrent calls never share callbacks.
      const attempt = Object.create(this.strategy) as JwtStrategy & {
        success(user: Claims): void;
        fail(reason: unknown): void;
        error(reason: unknown): void;
      };
      // jsonwebtoken checks `exp` only when the token has one; a token without it would never expire.
      attempt.success = (claims) => (this.requireExpiry && claims.exp === undefined ? reject(new JwtRejectedError('the token has no expiry (exp claim)')) : resolve(claims));
      attempt.fail = (reason) => reject(reason instanceof JwtRejectedError ? reason : new JwtRejectedError(describe(reason)));
      attempt.error = (reason) => reject(new JwtRejectedError(describe(reason)));
      attempt.authenticate({ token } as never);
    });
  }

  private async keyOf(rawToken: string): Promise<KeyObject | null> {
    const header = decodeHeader(rawToken);
    if (!header || typeof header.alg !== 'string' || !ALGORITHMS.includes(header.alg)) return null;
    return this.jwks.keyFor(typeof header.kid === 'string' ? header.kid : undefined);
  }

  /** A key-shaped record for a team (and user) a token names: the team's models and limits apply through it. */
  private syntheticKey(teamId: string | null, userId: string | null): VirtualKeyRecord {
    const name = `jwt:${teamId ?? ''}:${userId ?? ''}`;
    let key = this.syntheticKeys.get(name);
    if (!key) {
      const digest = createHash('sha256').update(name).digest('hex');
      key = unlimitedKeyRecord({
        token: digest,
        id: uuidFrom(digest),
        keyName: `jwt:${teamId ?? userId}`,
        userId,
        teamId,
        models: teamId ? ['all-team-models'] : [],
      });
      if (this.syntheticKeys.size >= MAX_SYNTHETIC_KEYS) this.syntheticKeys.clear();
      this.syntheticKeys.set(name, key);
    }
    return key;
  }
}

function decodeHeader(token: string): { alg?: unknown; kid?: unknown } | null {
  try {
    return JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
  } catch {
    return null;
  }
}

/** OAuth scopes: a space-separated `scope` string, or a `scp` / `scope` array. */
function scopesOf(claims: Claims): string[] {
  const scope = claims.scope ?? claims.scp;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  return Array.isArray(scope) ? scope.filter((item): item is string => typeof item === 'string') : [];
}

/** A claim by (dotted) name, when it is a non-empty string or a number. */
function stringClaim(claims: Claims, field: string): string | undefined {
  let value: unknown = claims;
  for (const segment of field.split('.')) value = typeof value === 'object' && value !== null ? (value as Claims)[segment] : undefined;
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** jsonwebtoken's reasons name the check that failed (expired, audience, signature) and never echo the token. */
function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return 'invalid token';
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const ROLES: ReadonlySet<string> = new Set(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer']);

function toRole(role: string): UserRole {
  return ROLES.has(role) ? (role as UserRole) : 'internal_user';
}
