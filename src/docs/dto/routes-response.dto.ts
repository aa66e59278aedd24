import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CatalogedRoute } from '../../auth/route-catalog.service';
import { RouteClass } from '../../common/access/route-class';
import type { AuditedTable, RouteGroup } from '../../common/access/route-class';

export class CatalogedRouteDto implements CatalogedRoute {
  @ApiProperty({ example: '/key/generate', description: 'Path parameters as {name}' }) path!: string;
  @ApiProperty({ type: [String], example: ['POST'] }) methods!: string[];
  @ApiProperty({ example: 'KeysController.generateKey', description: 'Controller.method, for diagnostics' }) endpoint!: string;
  @ApiProperty({ type: String, enum: Object.values(RouteClass), nullable: true, description: 'null for a route without a declaration (refused)' }) routeClass!: RouteClass | null;
  @ApiProperty({ type: [String], example: ['management_routes'], description: "LiteLLM's route groups (LiteLLMRoutes)" }) groups!: RouteGroup[];
  @ApiPropertyOptional({ type: String, example: 'LiteLLM_VerificationToken', description: 'The table an audited route changes' }) audited?: AuditedTable;
}

export class RoutesResponseDto {
  @ApiProperty({ type: [CatalogedRouteDto] }) routes!: CatalogedRouteDto[];
}
