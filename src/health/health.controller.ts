import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { DeploymentHealthReport, DeploymentHealthService } from './deployment-health.service';
import { DeploymentHealthReportDto, ReadinessDetailsDto, ReadinessReportDto } from './dto/health-response.dto';
import { HealthService, ReadinessDetails, ReadinessReport } from './health.service';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly deployments: DeploymentHealthService,
  ) {}

  @Get()
  @Route(RouteClass.Management, 'health_routes', 'info_routes')
  @ApiOperation({ summary: 'Calls every deployment (by model_info.mode) and reports healthy and unhealthy endpoints' })
  @ApiQuery({ name: 'model', required: false, description: 'Only this model group (or deployment id)' })
  @ApiOkResponse({ type: DeploymentHealthReportDto })
  deploymentHealth(@Query('model') model?: string): Promise<DeploymentHealthReport> {
    return this.deployments.check(model || undefined);
  }

  @Get(['liveliness', 'liveness'])
  @Route(RouteClass.Public, 'public_routes', 'health_routes')
  @ApiOperation({ summary: 'Liveness probe: the process is up' })
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string', example: "I'm alive!" } } } })
  liveness(): string {
    return "I'm alive!";
  }

  @Get('readiness')
  @Route(RouteClass.Public, 'public_routes', 'health_routes')
  @ApiOperation({ summary: 'Readiness probe: database reachable; 503 when not' })
  @ApiOkResponse({ type: ReadinessReportDto })
  @ApiServiceUnavailableResponse({ type: ReadinessReportDto, description: 'The database is unreachable (status: unhealthy)' })
  async readiness(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    reply.status(report.status === 'healthy' ? 200 : 503);
    return report;
  }

  @Get('readiness/details')
  // Any key may read it, as /model/info (LiteLLM: user_api_key_auth); it is no LLM call.
  @Route(RouteClass.Management, 'health_routes', 'info_routes', 'internal_user_routes')
  @ApiOperation({ summary: "Readiness with LiteLLM's diagnostics (callbacks, log level, version) for any valid key; 503 when the database is not reachable" })
  @ApiOkResponse({ type: ReadinessDetailsDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDetailsDto, description: 'The database is unreachable (status: unhealthy)' })
  async readinessDetails(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessDetails> {
    const details = await this.health.readinessDetails();
    reply.status(details.status === 'healthy' ? 200 : 503);
    return details;
  }
}
