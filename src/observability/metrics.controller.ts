import { Controller, Get, Res } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { LitellmMetrics } from './litellm-metrics';

/**
 * `/metrics` is public in LiteLLM (scrapers carry no key). Tollgate's own series come from prom-client's default
 * registry; LiteLLM's (`callbacks: ["prometheus"]`) from this app's own registry, appended.
 */
@ApiTags('Metrics')
@Controller()
export class MetricsController extends PrometheusController {
  private litellm?: LitellmMetrics;

  // The controller lives in PrometheusModule, which cannot import ours: the app's LitellmMetrics is looked up.
  constructor(private readonly modules: ModuleRef) {
    super();
  }

  @Get()
  @Route(RouteClass.Public, 'public_routes')
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    const own = await super.index(response);
    this.litellm ??= this.modules.get(LitellmMetrics, { strict: false });
    const litellm = await this.litellm.scrape();
    return litellm === '' ? own : `${own.endsWith('\n') ? own : `${own}\n`}${litellm}`;
  }
}
