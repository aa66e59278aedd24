import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { NotFoundError } from '../common/errors/http-errors';
import { scriptFreePageHeaders } from '../common/http/security-headers';
import { ModelGroupInfoDto } from '../models/dto/model-response.dto';
import type { ModelGroupInfo } from '../models/models.service';
import { MakePublicDto, MakePublicResponseDto, ModelHubInfoDto } from './model-hub-info.dto';
import { MODEL_HUB_STYLE_HASH, renderModelHubPage } from './model-hub.page';
import { ModelHubService, type ModelHubInfo } from './model-hub.service';

/** Checked by the service, which names what is wrong (the DTO only documents the shape). */
interface MakePublicBody {
  model_groups?: unknown;
}

const PAGE_HEADERS = scriptFreePageHeaders([MODEL_HUB_STYLE_HASH]);
/** A search longer than any model name finds nothing; the bound keeps the echoed text small. */
const MAX_QUERY_LENGTH = 200;

/** LiteLLM's public model hub: its JSON for any client, and the page for people. */
@ApiTags('Model Hub')
@Controller()
export class ModelHubController {
  constructor(private readonly hub: ModelHubService) {}

  @Get('/public/model_hub')
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: 'The model groups made public (litellm_settings.public_model_groups), as /model_group/info describes them; no key needed' })
  @ApiOkResponse({ type: [ModelGroupInfoDto] })
  publicModels(): ModelGroupInfo[] {
    return this.hub.publicModels();
  }

  @Get('/public/model_hub/info')
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: "The hub's title, description, version and useful links; no key needed" })
  @ApiOkResponse({ type: ModelHubInfoDto })
  info(): ModelHubInfo {
    return this.hub.hubInfo();
  }

  @Post('/model_group/make_public')
  @Audited('LiteLLM_Config')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Choose the model groups the public model hub shows (replaces the list; every instance serves it at once)' })
  @ApiBody({ type: MakePublicDto })
  @ApiOkResponse({ type: MakePublicResponseDto })
  makePublic(@Req() request: FastifyRequest, @Body() body: MakePublicBody | undefined): Promise<MakePublicResponseDto> {
    return this.hub.makePublic(request.auth, body?.model_groups);
  }

  /**
   * The hub page, at the address LiteLLM's UI gives it. Served only with `general_settings.enable_public_model_hub`.
   * @throws NotFoundError when the page is not enabled
   */
  @Get('/ui/model_hub_table')
  @Route(RouteClass.Public, 'public_routes')
  @ApiExcludeEndpoint()
  page(@Res() reply: FastifyReply, @Query('q') query?: unknown): void {
    if (!this.hub.pageEnabled) throw new NotFoundError('Cannot GET /ui/model_hub_table');
    const search = typeof query === 'string' ? query.slice(0, MAX_QUERY_LENGTH) : '';
    const html = renderModelHubPage({ info: this.hub.hubInfo(), models: this.hub.publicModels(), query: search });
    reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  }
}
