import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { CatalogedRoute, RouteCatalog } from '../auth/route-catalog.service';
import { RoutesResponseDto } from './dto/routes-response.dto';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DEFAULT_DOCS } from '../config/observability-settings';

@ApiTags('Info')
@Controller()
export class DocsController {
  private readonly docsUrl: string;

  constructor(
    private readonly catalog: RouteCatalog,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const docs = config.docs ?? DEFAULT_DOCS;
    this.docsUrl = docs.rootRedirectUrl ?? docs.url;
  }

  /** LiteLLM serves its Swagger UI at `/`; Tollgate's lives at `/docs` (or `DOCS_URL`), unless `ROOT_REDIRECT_URL` says where `/` goes. */
  @Get('/')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  root(@Res() reply: FastifyReply): void {
    reply.redirect(this.docsUrl, 302);
  }

  @Get('/routes')
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: 'Every route with its methods, access class and LiteLLM route groups' })
  @ApiOkResponse({ type: RoutesResponseDto })
  routes(): { routes: readonly CatalogedRoute[] } {
    return { routes: this.catalog.list() };
  }
}
