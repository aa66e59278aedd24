import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AdminOnlyRouteError } from '../common/errors/http-errors';
import { RouteClass } from './route-class';

/** Second guard: what the authenticated caller may do with the route's declared class. */
@Injectable()
export class RouteClassGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const routeClass = request.routeDeclaration?.routeClass;
    if (routeClass === RouteClass.Public || routeClass === RouteClass.Llm) return true;
    if (request.auth?.role === 'proxy_admin') return true;
    // Routes LiteLLM opens to internal users (own keys, own spend) authorise each caller in their service.
    if (routeClass === RouteClass.Management && request.routeDeclaration?.groups.includes('internal_user_routes')) return true;
    throw new AdminOnlyRouteError(request.routeOptions.url ?? request.url);
  }
}
