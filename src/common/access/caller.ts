import type { VirtualKeyRecord } from './virtual-key';
import type { RouteAccess, RouteDeclaration } from './route-class';

export type UserRole = 'proxy_admin' | 'proxy_admin_viewer' | 'org_admin' | 'internal_user' | 'internal_user_viewer' | 'team' | 'customer';

/** Who is calling, established once per request by the authentication guard. */
export interface AuthContext {
  /**
   * How the caller got in: the master key, a virtual key, a JWT, an Admin UI session cookie, no key on a public
   * route, or an open proxy (no master key set).
   */
  readonly method: 'master_key' | 'virtual_key' | 'jwt' | 'session' | 'public' | 'open';
  readonly role: UserRole | null;
  readonly userId: string | null;
  /** sha256 of the presented key, never the key itself. */
  readonly apiKeyHash: string | null;
  /**
   * The virtual key record when `method` is `virtual_key`; for a team or user JWT, or a user's UI session, a record
   * standing for it (the user's own key, with no limits of its own).
   */
  readonly key?: VirtualKeyRecord;
  /** The end user a JWT names (`end_user_id_jwt_field`), used when the request has no `user`. */
  readonly endUserId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    routeDeclaration: RouteDeclaration | null;
    /** The caller's address: the socket's, or with `use_x_forwarded_for` the right-most untrusted X-Forwarded-For hop. */
    clientIp: string | null;
    /** What `public_routes`, `admin_only_routes` and `allowed_routes` say about the route. */
    routeAccess: RouteAccess | null;
  }
}

/** LiteLLM reports the master key's identity as this user id; tools filter on it. */
export const MASTER_KEY_USER_ID = 'default_user_id';

export const PUBLIC_CALLER: AuthContext = Object.freeze({
  method: 'public',
  role: null,
  userId: null,
  apiKeyHash: null,
});

export const OPEN_PROXY_CALLER: AuthContext = Object.freeze({
  method: 'open',
  role: 'proxy_admin',
  userId: MASTER_KEY_USER_ID,
  apiKeyHash: null,
});
