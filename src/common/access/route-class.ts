/**
 * Every HTTP route declares exactly one class; the global guards read it. Later features (allowed_routes,
 * admin_only_routes, public_routes from config, per-key allowed routes) refine access per path, but
 * never change the default class a route is declared with in code.
 */
export enum RouteClass {
  /** No key needed (health probes, docs, metrics). */
  Public = 'public',
  /** The OpenAI-compatible LLM API: any valid key. */
  Llm = 'llm',
  /** Management API (keys, teams, …): admins, or callers the route itself authorises. */
  Management = 'management',
  /** Proxy admins only. */
  AdminOnly = 'admin',
}

/**
 * LiteLLM's route groups (`LiteLLMRoutes` enum) so config tokens such as `LiteLLMRoutes.public_routes`
 * keep meaning the same set of routes.
 */
export type RouteGroup =
  | 'public_routes'
  | 'openai_routes'
  | 'anthropic_routes'
  | 'llm_api_routes'
  | 'info_routes'
  | 'management_routes'
  | 'spend_tracking_routes'
  | 'global_spend_tracking_routes'
  | 'master_key_only_routes'
  | 'self_managed_routes'
  | 'internal_user_routes'
  | 'org_admin_only_routes'
  | 'health_routes';

/** LiteLLM's table names, which audit rows use in `table_name` so existing audit tooling keeps its filters. */
export type AuditedTable =
  | 'LiteLLM_VerificationToken'
  | 'LiteLLM_TeamTable'
  | 'LiteLLM_UserTable'
  | 'LiteLLM_OrganizationTable'
  | 'LiteLLM_EndUserTable'
  | 'LiteLLM_BudgetTable'
  | 'LiteLLM_ProxyModelTable'
  /** Settings changed at runtime (public model groups …); Tollgate's table is `tollgate_proxy_settings`. */
  | 'LiteLLM_Config';

export interface RouteDeclaration {
  routeClass: RouteClass;
  groups: readonly RouteGroup[];
  /** Set by `@Audited`: the route changes rows of this table, so it runs in one transaction with its audit row. */
  audited?: AuditedTable;
}

export const ROUTE_DECLARATION = Symbol('ROUTE_DECLARATION');
export const AUDITED_MUTATION = Symbol('AUDITED_MUTATION');

/** What `general_settings` says about one route, on top of its declared class. */
export interface RouteAccess {
  /** `public_routes`: served without a key. */
  readonly public: boolean;
  /** `admin_only_routes`: proxy admins only (403 for anyone else). */
  readonly adminOnly: boolean;
  /** `allowed_routes`: exposed at all (every route when the list is unset). Binds the master key too. */
  readonly exposed: boolean;
}
