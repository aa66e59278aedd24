import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ROUTE_DECLARATION, RouteClass, RouteDeclaration, RouteGroup } from './route-class';

/**
 * Declares a route's access class and LiteLLM route groups, and documents its security in Swagger.
 * The global guards refuse to serve a route without it (fail closed), and a test checks every route has one.
 */
export function Route(routeClass: RouteClass, ...groups: RouteGroup[]): MethodDecorator & ClassDecorator {
  const declaration: RouteDeclaration = { routeClass, groups };
  const decorators: (ClassDecorator | MethodDecorator)[] = [SetMetadata(ROUTE_DECLARATION, declaration)];
  if (routeClass !== RouteClass.Public) decorators.push(ApiBearerAuth(), ApiSecurity('api-key'));
  return applyDecorators(...decorators);
}
