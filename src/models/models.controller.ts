import { Body, Controller, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Audited, Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { TeamDirectory } from '../teams/team-directory.service';
import type { TeamRecord } from '../teams/team';
import { DeleteModelDto, NewModelDto, TestConnectionDto, TestConnectionResponseDto, UpdateModelDto } from './dto/model-request.dto';
import { DeleteModelResponseDto, ModelGroupInfoResponseDto, ModelInfoResponseDto, StoredModelDto } from './dto/model-response.dto';
import { ModelChangeBody, ModelGroupInfo, ModelInfoEntry, ModelsService, StoredModelView, validated } from './models.service';
import { BadRequestError } from '../common/errors/http-errors';
import { DeploymentHealthService, type ConnectionTestResult, type DeploymentMode } from '../health/deployment-health.service';

/** LiteLLM's model API: deployment and group info for any key, changes for proxy admins. */
@ApiTags('Models')
@Controller()
export class ModelsController {
  constructor(
    private readonly models: ModelsService,
    private readonly teams: TeamDirectory,
    private readonly health: DeploymentHealthService,
  ) {}

  @Get(['/model/info', '/v1/model/info', '/v2/model/info'])
  @Route(RouteClass.Management, 'info_routes', 'internal_user_routes')
  @ApiOperation({ summary: 'Deployments the caller may use, credentials stripped (one with ?litellm_model_id=)' })
  @ApiQuery({ name: 'litellm_model_id', required: false })
  @ApiOkResponse({ type: ModelInfoResponseDto })
  async modelInfo(@Req() request: FastifyRequest, @Query('litellm_model_id') litellmModelId?: string): Promise<{ data: ModelInfoEntry[] }> {
    return this.models.modelInfo(request.auth?.key, await this.teamOf(request), litellmModelId || undefined);
  }

  @Get('/model_group/info')
  @Route(RouteClass.Management, 'info_routes', 'internal_user_routes')
  @ApiOperation({ summary: 'Model groups the caller may use: providers, context window, prices, mode' })
  @ApiQuery({ name: 'model_group', required: false })
  @ApiOkResponse({ type: ModelGroupInfoResponseDto })
  async modelGroupInfo(@Req() request: FastifyRequest, @Query('model_group') group?: string): Promise<{ data: ModelGroupInfo[] }> {
    return this.models.modelGroupInfo(request.auth?.key, await this.teamOf(request), group || undefined);
  }

  @Post('/health/test_connection')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Try a deployment definition with one minimal call before adding it (LiteLLM: "Test Connect" in the UI)' })
  @ApiBody({ type: TestConnectionDto })
  @ApiOkResponse({ type: TestConnectionResponseDto })
  testConnection(@Body() body: { litellm_params?: unknown; mode?: unknown } | undefined): Promise<ConnectionTestResult> {
    const mode = body?.mode ?? 'chat';
    if (mode !== 'chat' && mode !== 'completion' && mode !== 'embedding') throw new BadRequestError('mode must be one of chat, completion, embedding', 'mode');
    const entry = validated({ model_name: 'test_connection', litellm_params: body?.litellm_params ?? {}, model_info: {} });
    return this.health.testConnection(entry, mode satisfies DeploymentMode);
  }

  @Post('/model/new')
  @Audited('LiteLLM_ProxyModelTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add a deployment (needs general_settings.store_model_in_db); live on every instance' })
  @ApiBody({ type: NewModelDto })
  @ApiOkResponse({ type: StoredModelDto })
  createModel(@Req() request: FastifyRequest, @Body() body: ModelChangeBody): Promise<StoredModelView> {
    return this.models.createModel(request.auth, body ?? {});
  }

  @Post('/model/update')
  @Audited('LiteLLM_ProxyModelTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change a stored deployment; litellm_params and model_info are merged' })
  @ApiBody({ type: UpdateModelDto })
  @ApiOkResponse({ type: StoredModelDto })
  updateModel(@Req() request: FastifyRequest, @Body() body: ModelChangeBody): Promise<StoredModelView> {
    return this.models.updateModel(request.auth, body ?? {});
  }

  @Post('/model/delete')
  @Audited('LiteLLM_ProxyModelTable')
  @Route(RouteClass.AdminOnly, 'management_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a stored deployment by id' })
  @ApiBody({ type: DeleteModelDto })
  @ApiOkResponse({ type: DeleteModelResponseDto })
  deleteModel(@Req() request: FastifyRequest, @Body() body: ModelChangeBody): Promise<{ message: string; model_id: string }> {
    return this.models.deleteModel(request.auth, body ?? {});
  }

  private teamOf(request: FastifyRequest): Promise<TeamRecord | null> {
    const teamId = request.auth?.key?.teamId;
    return teamId ? this.teams.findTeam(teamId) : Promise.resolve(null);
  }
}
