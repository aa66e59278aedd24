import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminOnlyRouteError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { ConfiguredAdminOnlyRouteError, EnforcedParamMissingError, RoleNotAllowedError, RouteNotAllowedError } from './auth.errors';
import { pathOf, templateOf } from '../common/http/request-route';
import { missingEnforcedParam } from './enforced-params';
import { RouteClass } from '../common/access/route-class';

/**
 * Second guard: what the authenticated caller's role may do with the route's declared class (LiteLLM's
 * §2.0 step 10). Admins do everything; `proxy_admin_viewer` reads (info routes) but calls no model;
 * internal users manage their own keys (the service checks ownership), viewers and keys without a user
 * only read about themselves and call models.
 */
@Injectable()
export class RouteClassGuard implements CanActivate {
  private readonly enforcedParams: readonly string[];

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    this.enforcedParams = config.general_settings.enforced_params ?? [];
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const declaration = request.routeDeclaration;
    const routeClass = declaration?.routeClass;
    if (routeClass === RouteClass.Public || request.routeAccess?.public) return true;
    const key = request.auth?.key;
    if (key && key.allowedRoutes.length > 0 && !isRouteAllowed(key.allowedRoutes, request)) {
      throw new RouteNotAllowedError(pathOf(request));
    }
    const role = request.auth?.role ?? null;
    if (request.routeAccess?.adminOnly && role !== 'proxy_admin') throw new ConfiguredAdminOnlyRouteError(pathOf(request));
    const route = request.routeOptions.url ?? pathOf(request);
    if (routeClass === RouteClass.Llm) {
      if (role === 'proxy_admin_viewer') throw new RoleNotAllowedError(role, route);
      this.checkEnforcedParams(request, key?.enforcedParams);
      return true;
    }
    if (role === 'proxy_admin') return true;
    const groups: readonly string[] = declaration?.groups ?? [];
    const readsOnly = groups.includes('info_routes') && request.method === 'GET';
    if (role === 'proxy_admin_viewer' && readsOnly) return true;
    // Organization routes check that an org admin administers that organization in their service.
    if (routeClass === RouteClass.Management && groups.includes('org_admin_only_routes') && role === 'org_admin') return true;
    // Team member routes check team-admin rights in their service (LiteLLM's self_managed_routes).
    if (routeClass === RouteClass.Management && groups.includes('self_managed_routes') && role !== null && role !== 'internal_user_viewer') return true;
    if (routeClass === RouteClass.Management && groups.includes('internal_user_routes')) {
      if (role === 'internal_user' || role === 'org_admin') return true;
      // Any key may read about itself (e.g. GET /key/info); the service limits what it sees to its own.
      // A user's UI session is that user's own key by another way in.
      const method = request.auth?.method;
      if (readsOnly && (method === 'virtual_key' || method === 'jwt' || method === 'session')) return true;
    }
    throw new AdminOnlyRouteError(route);
  }

  /** `enforced_params` from config, then the key's own: the request must carry each (LLM routes only). */
  private checkEnforcedParams(request: FastifyRequest, keyParams: readonly string[] | undefined): void {
    if (this.enforcedParams.length === 0 && !keyParams?.length) return;
    const missing = missingEnforcedParam(request.body, this.enforcedParams) ?? missingEnforcedParam(request.body, keyParams ?? []);
    if (missing !== null) throw new EnforcedParamMissingError(missing);
  }
}

const GROUP_TOKEN_PREFIX = 'LiteLLMRoutes.';

/**
 * A key's `allowed_routes` lists paths (`/chat/completions`; with or without `/v1`, or the route template
 * `/engines/{model}/chat/completions`) and LiteLLM route groups (`openai_routes`, `LiteLLMRoutes.info_routes`).
 */
function isRouteAllowed(allowed: readonly string[], request: FastifyRequest): boolean {
  const path = pathOf(request);
  const template = templateOf(request);
  const bare = (p: string): string => (p.startsWith('/v1/') ? p.slice(3) : p);
  const groups = request.routeDeclaration?.groups ?? [];
  return allowed.some((entry) => {
    const group = entry.startsWith(GROUP_TOKEN_PREFIX) ? entry.slice(GROUP_TOKEN_PREFIX.length) : entry;
    if ((groups as readonly string[]).includes(group)) return true;
    return entry === path || entry === template || bare(entry) === bare(path) || bare(entry) === bare(template);
  });
}
