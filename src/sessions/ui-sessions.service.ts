import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unlimitedKeyRecord, type VirtualKeyRecord } from '../common/access/virtual-key';
import { MASTER_KEY_USER_ID, type AuthContext, type UserRole } from '../common/access/caller';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig, UiLoginSettings } from '../config/config.types';
import { DEFAULT_UI_LOGIN } from '../config/ui-login-settings';
import { COUNTER_STORE, STORE_CLOCK, type Clock, type CounterStore } from '../store/counter-store';
import { TeamDirectory } from '../teams/team-directory.service';
import type { UserRecord } from '../teams/team';
import { UsersService } from '../teams/users.service';
import { LoginThrottle } from './login-throttle';
import { hasSessionCookie, sessionIdFromCookies } from './session-cookie';
import { sameSecret } from './session-tokens';
import { CsrfTokenError, InvalidLoginError, SessionExpiredError } from './sessions.errors';
import { UiSessionStore, type LiveSession } from './ui-session-store';

/** What `/v2/login` and `/session/info` answer (the UI contract). */
export interface SessionInfo {
  user_id: string;
  user_email: string | null;
  user_role: UserRole;
  csrf_token: string;
  expires_at: string;
  idle_timeout_seconds: number;
}

export const UI_SESSION_STORE = Symbol('UI_SESSION_STORE');

const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const ROLES: ReadonlySet<string> = new Set(['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer']);
const MAX_SYNTHETIC_KEYS = 10_000;

/**
 * Admin UI login and the session cookie as a way in: the UI admin (`UI_USERNAME` / `UI_PASSWORD`, by default
 * `admin` / the master key) becomes a proxy admin, an internal user with a password becomes that user with its
 * role. A session caller goes through the same guards and services as a key would: it holds no privilege of its own.
 */
@Injectable()
export class UiSessions {
  private readonly login: UiLoginSettings;
  private readonly throttle: LoginThrottle;
  /** One stable key-shaped record per user a session stands for, as a JWT's user gets (limits and spend group by it). */
  private readonly userKeys = new Map<string, VirtualKeyRecord>();

  constructor(
    @Inject(UI_SESSION_STORE) private readonly store: UiSessionStore,
    private readonly users: UsersService,
    private readonly directory: TeamDirectory,
    @Inject(COUNTER_STORE) counters: CounterStore,
    @Inject(STORE_CLOCK) clock: Clock,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.login = config.uiLogin ?? DEFAULT_UI_LOGIN;
    this.throttle = new LoginThrottle(counters, clock);
  }

  /**
   * Checks the credentials and opens a session. The UI admin's are compared in constant time; any other username
   * is looked up as a user id or email and its password verified with scrypt, and a failure costs the same
   * derivation whether the user exists or not.
   * @throws LoginThrottledError (429) after too many failures for the address or the username,
   *   InvalidLoginError (401, the same words for every failure).
   */
  async logIn(username: string, password: string, clientIp: string | null): Promise<{ sessionId: string; info: SessionInfo }> {
    await this.throttle.assertAllowed(clientIp, username);
    const adminPassword = this.login.password;
    // Both compared, always: which part was wrong must not show in the time taken.
    const adminUser = sameSecret(username, this.login.username);
    const adminPass = adminPassword !== undefined && sameSecret(password, adminPassword);
    if (adminUser && adminPass) {
      const { sessionId, session } = await this.store.open('ui_admin', null);
      return { sessionId, info: this.describe(session) };
    }
    const userId = await this.users.verifyCredentials(username, password);
    const user = userId === null ? null : await this.directory.findUser(userId);
    if (!user) {
      await this.throttle.recordFailure(clientIp, username);
      throw new InvalidLoginError();
    }
    const { sessionId, session } = await this.store.open('user', user);
    return { sessionId, info: this.describe(session) };
  }

  /** The live session the request's cookie names, or null (no cookie, or a session that ended). */
  async sessionOf(request: FastifyRequest): Promise<{ sessionId: string; session: LiveSession } | null> {
    const sessionId = sessionIdFromCookies(request.headers.cookie);
    if (sessionId === undefined) return null;
    const session = await this.store.resolve(sessionId);
    return session ? { sessionId, session } : null;
  }

  /** Ends the session on every instance. */
  logOut(sessionId: string): Promise<void> {
    return this.store.revoke(sessionId);
  }

  describe(session: LiveSession): SessionInfo {
    const admin = session.principal === 'ui_admin';
    return {
      user_id: admin ? MASTER_KEY_USER_ID : (session.userId ?? ''),
      user_email: admin ? null : (session.user?.userEmail ?? null),
      user_role: admin ? 'proxy_admin' : roleOf(session.user),
      csrf_token: session.csrfToken,
      expires_at: new Date(session.expiresAt).toISOString(),
      idle_timeout_seconds: Math.round(this.store.timeouts.idleTimeoutMs / 1000),
    };
  }

  /** Whether the request carries the session cookie at all: only then is it worth a session lookup. */
  static presentsSession(request: FastifyRequest): boolean {
    return hasSessionCookie(request.headers.cookie);
  }

  /**
   * The caller a session cookie stands for, for a request that presents no API key. Unsafe methods must carry the
   * session's csrf token in `x-csrf-token` (SameSite=Strict already keeps other sites' requests from carrying the
   * cookie; the token is the second line, and what keeps a script-less form post out).
   * @throws SessionExpiredError (401) for a cookie naming no live session, CsrfTokenError (403).
   */
  async authenticate(request: FastifyRequest): Promise<AuthContext> {
    const found = await this.sessionOf(request);
    if (!found) throw new SessionExpiredError();
    const { session } = found;
    if (!SAFE_METHODS.has(request.method)) {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameSecret(presented, session.csrfToken)) throw new CsrfTokenError();
    }
    if (session.principal === 'ui_admin') return ADMIN_SESSION_CALLER;
    const user = session.user!;
    const key = this.keyOf(user.userId);
    return { method: 'session', role: roleOf(user), userId: user.userId, apiKeyHash: key.token, key };
  }

  /** A key-shaped record standing for "the user's own key": no limits of its own; the user's apply through it. */
  private keyOf(userId: string): VirtualKeyRecord {
    let key = this.userKeys.get(userId);
    if (!key) {
      const digest = createHash('sha256').update(`ui-session:${userId}`).digest('hex');
      key = unlimitedKeyRecord({ token: digest, id: uuidFrom(digest), keyName: `ui-session:${userId}`, userId });
      if (this.userKeys.size >= MAX_SYNTHETIC_KEYS) this.userKeys.clear();
      this.userKeys.set(userId, key);
    }
    return key;
  }
}

/** The UI admin: a proxy admin as the master key is, under LiteLLM's admin user id, but by way of a session. */
const ADMIN_SESSION_CALLER: AuthContext = Object.freeze({ method: 'session', role: 'proxy_admin', userId: MASTER_KEY_USER_ID, apiKeyHash: null });

/** LiteLLM treats a user without a known role as a viewer. */
function roleOf(user: UserRecord | null): UserRole {
  return user && ROLES.has(user.userRole) ? (user.userRole as UserRole) : 'internal_user_viewer';
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
