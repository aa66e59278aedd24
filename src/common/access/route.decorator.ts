import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ErrorEnvelopeDto } from '../dto/error-response.dto';
import { AUDITED_MUTATION, type AuditedTable, ROUTE_DECLARATION, RouteClass, type RouteDeclaration, type RouteGroup } from './route-class';

/**
 * Declares a route's access class and LiteLLM route groups, and documents its security and its error responses
 * in Swagger. The global guards refuse to serve a route without it (fail closed), and a test checks every route has one.
 */
export function Route(routeClass: RouteClass, ...groups: RouteGroup[]): MethodDecorator & ClassDecorator {
  const declaration: RouteDeclaration = { routeClass, groups };
  const decorators: (ClassDecorator | MethodDecorator)[] = [
    SetMetadata(ROUTE_DECLARATION, declaration),
    // Every route can be refused (IP allow-list, allowed_routes, a bad request…), always in the same envelope.
    ApiResponse({ status: '4XX', type: ErrorEnvelopeDto, description: 'Refused: the OpenAI error envelope, HTTP status = int(error.code)' }),
  ];
  // A public route needs no credentials: an empty requirement says so in the spec (OpenAPI's "no security").
  decorators.push(routeClass === RouteClass.Public ? ApiSecurity({}) : applyDecorators(ApiBearerAuth(), ApiSecurity('api-key')));
  return applyDecorators(...decorators);
}

/**
 * Declares a management route that changes rows of `table`. With `store_audit_logs` on it runs in one transaction
 * with the audit row its service writes, and a refused attempt at it writes a `denied` row. A test enumerates
 * every mutating route and fails for one that is neither `@Audited` nor `@ReadOnlyRoute`.
 */
export function Audited(table: AuditedTable): MethodDecorator {
  return SetMetadata(AUDITED_MUTATION, table);
}
