import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { InvalidApiKeyError, MalformedApiKeyError, MissingApiKeyError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { extractApiKey } from '../common/access/api-key.extractor';
import { AuthContext, MASTER_KEY_USER_ID, OPEN_PROXY_CALLER, PUBLIC_CALLER, UserRole } from '../common/access/caller';
import { ExpiredKeyError, IpNotAllowedError, KeyBlockedError, RouteNotAllowedError, UndeclaredRouteError } from './auth.errors';
import { ClientIpPolicy } from './client-ip';
import { RouteAccess, RoutePolicy } from './route-policy';
import { pathOf, templateOf } from '../common/http/request-route';
import { JwtAuthenticator } from './jwt/jwt-authenticator';
import { JWT_AUTHENTICATOR } from './jwt/jwt.provider';
import { KeysService } from '../keys/keys.service';
import { TeamDirectory } from '../teams/team-directory.service';
import { MasterKeyMatcher } from './master-key';
import { RouteClass, type RouteDeclaration } from '../common/access/route-class';
import { RouteCatalog } from './route-catalog.service';
import { UiSessions } from '../sessions/ui-sessions.service';

/**
 * Establishes who is calling (`request.auth`) — master key, virtual key, JWT, Admin UI session cookie, or an open
 * proxy — or refuses with
 * LiteLLM's texts, after the IP allow-list and the config's route lists. Keys come from KeysService, whose cache
 * is updated by every revocation before it is acknowledged, so a blocked, deleted or rotated-out key is refused
 * at once. Used by the first guard of the chain and by routes served outside Nest (pass-through endpoints).
 */
@Injectable()
export class CallerAuthenticator {
  private readonly masterKey?: MasterKeyMatcher;
  private readonly masterCaller?: AuthContext;
  private readonly customHeader?: string;
  private readonly ipPolicy: ClientIpPolicy;
  private readonly routePolicy: RoutePolicy;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly keys: KeysService,
    private readonly teams: TeamDirectory,
    @Inject(JWT_AUTHENTICATOR) private readonly jwt: JwtAuthenticator | null,
    private readonly sessions: UiSessions,
  ) {
    if (config.masterKey) {
      this.masterKey = new MasterKeyMatcher(config.masterKey);
      this.masterCaller = Object.freeze({ method: 'master_key', role: 'proxy_admin', userId: MASTER_KEY_USER_ID, apiKeyHash: this.masterKey.hashHex });
    }
    this.customHeader = config.general_settings.litellm_key_header_name;
    this.ipPolicy = new ClientIpPolicy(config.general_settings);
    this.routePolicy = new RoutePolicy(config.general_settings);
    if (!this.masterKey) {
      new Logger('Auth').warn('No master key is set: every caller is treated as a proxy admin. Set general_settings.master_key.');
    }
  }

  /**
   * Sets `request.clientIp`, `request.routeAccess` and `request.auth`; synchronous for public routes and the
   * master key, which need no lookup.
   * @param keyHeader a further header to read the key from (a pass-through endpoint's `litellm_user_api_key`).
   * @throws the refusal, in LiteLLM's words.
   */
  authenticate(request: FastifyRequest, declaration: RouteDeclaration, keyHeader?: string): true | Promise<true> {
    // LiteLLM's order: the IP allow-list first, then what is exposed at all, then public routes, then keys.
    const clientIp = this.ipPolicy.clientIp(request.socket.remoteAddress, request.headers['x-forwarded-for']);
    request.clientIp = clientIp;
    if (!this.ipPolicy.isAllowed(clientIp)) throw new IpNotAllowedError(clientIp);
    const access = this.routePolicy.isEmpty ? DECLARED_ONLY : this.routePolicy.accessOf({ path: pathOf(request), template: templateOf(request), declaration });
    request.routeAccess = access;
    if (!access.exposed) throw new RouteNotAllowedError(pathOf(request));
    if (declaration.routeClass === RouteClass.Public || access.public) {
      request.auth = PUBLIC_CALLER;
      return true;
    }
    if (!this.masterKey) {
      request.auth = OPEN_PROXY_CALLER;
      return true;
    }
    const extracted = extractApiKey(request.headers, keyHeader ?? this.customHeader);
    if ('problem' in extracted) {
      // An Admin UI session cookie counts only when no key is presented at all: a key header always wins.
      if (extracted.problem === 'missing' && UiSessions.presentsSession(request)) return this.authenticateSession(request);
      throw extracted.problem === 'missing' ? new MissingApiKeyError() : new MalformedApiKeyError();
    }
    if (this.jwt && JwtAuthenticator.looksLikeJwt(extracted.key)) {
      return this.jwt.authenticate(extracted.key, { path: pathOf(request), template: templateOf(request), declaration }).then((auth) => {
        request.auth = auth;
        return true as const;
      });
    }
    // The master key is checked first and synchronously: it needs no lookup.
    if (this.masterKey.matches(extracted.key)) {
      request.auth = this.masterCaller as AuthContext;
      return true;
    }
    return this.authenticateVirtualKey(request, extracted.key);
  }

  private async authenticateSession(request: FastifyRequest): Promise<true> {
    request.auth = await this.sessions.authenticate(request);
    return true;
  }

  private async authenticateVirtualKey(request: FastifyRequest, presented: string): Promise<true> {
    if (!presented.startsWith('sk-')) throw new InvalidApiKeyError();
    const key = await this.keys.authenticate(presented);
    if (!key) throw new InvalidApiKeyError();
    if (key.blocked) throw new KeyBlockedError();
    if (key.expires && key.expires.getTime() <= Date.now()) throw new ExpiredKeyError(key.expires);
    // The role is the owning user's (LiteLLM's user table); a key without a user may only call models.
    const user = key.userId ? await this.teams.findUser(key.userId) : null;
    request.auth = { method: 'virtual_key', role: toRole(user?.userRole), userId: key.userId, apiKeyHash: key.token, key };
    return true;
  }
}

/** First guard of the chain: the route's declaration, then who is calling. Authorisation is the next guard's job. */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly routes: RouteCatalog,
    private readonly authenticator: CallerAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const declaration = this.routes.declarationOf(context.getHandler(), context.getClass());
    if (!declaration) throw new UndeclaredRouteError(request.routeOptions.url ?? request.url);
    request.routeDeclaration = declaration;
    return this.authenticator.authenticate(request, declaration);
  }
}

/** No `public_routes` / `admin_only_routes` / `allowed_routes` configured: every route is as declared. */
const DECLARED_ONLY: RouteAccess = Object.freeze({ public: false, adminOnly: false, exposed: true });

const ROLES: ReadonlySet<string> = new Set(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer']);

function toRole(role: string | undefined): UserRole | null {
  return role !== undefined && ROLES.has(role) ? (role as UserRole) : null;
}
