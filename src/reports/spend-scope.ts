import type { AuthContext } from '../common/access/caller';
import { SpendAccessDeniedError } from './spend-reports.errors';

/**
 * Which spend rows a caller may see. Admins see the whole proxy; an internal user the rows of their own keys
 * (the ledger's `user` column is the key owner), as LiteLLM filters internal users by `user_id`; any other
 * virtual key only the rows it made itself.
 */
export type SpendScope = { readonly kind: 'all' } | { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'key'; readonly apiKeyHash: string };

const ADMIN_ROLES = new Set(['proxy_admin', 'proxy_admin_viewer']);
const USER_SCOPED_ROLES = new Set(['internal_user', 'internal_user_viewer', 'org_admin']);

/**
 * The scope of the authenticated caller. A key with `permissions.get_spend_routes: true` reads spend like an
 * admin (LiteLLM's way to open spend routes to a non-admin key).
 * @throws SpendAccessDeniedError for a caller with no identity to filter by.
 */
export function spendScopeOf(auth: AuthContext | null, route: string): SpendScope {
  if (!auth) throw new SpendAccessDeniedError(route);
  if (auth.method === 'master_key' || auth.method === 'open') return { kind: 'all' };
  if (auth.role !== null && ADMIN_ROLES.has(auth.role)) return { kind: 'all' };
  // A UI session is its user: it reads that user's spend, as the user's own key would.
  if (auth.method === 'session' && auth.userId) return { kind: 'user', userId: auth.userId };
  if (auth.method !== 'virtual_key') throw new SpendAccessDeniedError(route);
  if (auth.key?.permissions.get_spend_routes === true) return { kind: 'all' };
  if (auth.role !== null && USER_SCOPED_ROLES.has(auth.role) && auth.userId) return { kind: 'user', userId: auth.userId };
  if (auth.apiKeyHash) return { kind: 'key', apiKeyHash: auth.apiKeyHash };
  throw new SpendAccessDeniedError(route);
}

/**
 * For admin-only reports (`/global/*`, the export): the route guard already refuses most callers, this also
 * refuses the ones it lets through for their own data.
 * @throws SpendAccessDeniedError unless the caller sees the whole proxy.
 */
export function requireWholeProxyScope(auth: AuthContext | null, route: string): void {
  if (spendScopeOf(auth, route).kind !== 'all') throw new SpendAccessDeniedError(route);
}

/**
 * Appends the scope's condition on spend log table alias `alias` to `where`, its value to `params`.
 * Parameters are numbered by position, so callers add conditions and values in the same call.
 */
export function addScopeCondition(scope: SpendScope, alias: string, where: string[], params: unknown[]): void {
  if (scope.kind === 'user') where.push(`${alias}."user" = $${params.push(scope.userId)}`);
  else if (scope.kind === 'key') where.push(`${alias}."api_key" = $${params.push(scope.apiKeyHash)}`);
}
