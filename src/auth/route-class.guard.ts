import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminOnlyRouteError } from '../common/errors/http-errors';
import { RouteNotAllowedError } from './auth.errors';
import { RouteClass } from './route-class';

/** Second guard: what the authenticated caller may do with the route's declared class. */
@Injectable()
export class RouteClassGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const routeClass = request.routeDeclaration?.routeClass;
    if (routeClass === RouteClass.Public) return true;
    const key = request.auth?.key;
    if (key && key.allowedRoutes.length > 0 && !isRouteAllowed(key.allowedRoutes, request)) {
      throw new RouteNotAllowedError(pathOf(request));
    }
    if (routeClass === RouteClass.Llm) return true;
    if (request.auth?.role === 'proxy_admin') return true;
    // Routes LiteLLM opens to internal users (own keys, own spend) authorise each caller in their service.
    if (routeClass === RouteClass.Management && request.routeDeclaration?.groups.includes('internal_user_routes')) return true;
    throw new AdminOnlyRouteError(request.routeOptions.url ?? request.url);
  }
}

const GROUP_TOKEN_PREFIX = 'LiteLLMRoutes.';

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}

/**
 * A key's `allowed_routes` lists paths (`/chat/completions`; with or without `/v1`, or the route template
 * `/engines/{model}/chat/completions`) and LiteLLM route groups (`openai_routes`, `LiteLLMRoutes.info_routes`).
 */
function isRouteAllowed(allowed: readonly string[], request: FastifyRequest): boolean {
  const path = pathOf(request);
  const template = (request.routeOptions.url ?? path).replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const bare = (p: string): string => (p.startsWith('/v1/') ? p.slice(3) : p);
  const groups = request.routeDeclaration?.groups ?? [];
  return allowed.some((entry) => {
    const group = entry.startsWith(GROUP_TOKEN_PREFIX) ? entry.slice(GROUP_TOKEN_PREFIX.length) : entry;
    if ((groups as readonly string[]).includes(group)) return true;
    return entry === path || entry === template || bare(entry) === bare(path) || bare(entry) === bare(template);
  });
}
