import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { CatalogedRoute, RouteCatalog } from '../auth/route-catalog.service';
import { RoutesResponseDto } from './dto/routes-response.dto';

@ApiTags('Info')
@Controller()
export class DocsController {
  constructor(private readonly catalog: RouteCatalog) {}

  /** LiteLLM serves its Swagger UI at `/`; Tollgate's lives at `/docs`. */
  @Get('/')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  root(@Res() reply: FastifyReply): void {
    reply.redirect('/docs', 302);
  }

  @Get('/routes')
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: 'Every route with its methods, access class and LiteLLM route groups' })
  @ApiOkResponse({ type: RoutesResponseDto })
  routes(): { routes: readonly CatalogedRoute[] } {
    return { routes: this.catalog.list() };
  }
}
