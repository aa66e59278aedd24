import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { RealtimeService } from './realtime.service';

/** The realtime websocket; a plain GET (no upgrade) is answered 426. */
@Controller()
export class RealtimeController {
  constructor(private readonly realtime: RealtimeService) {}

  @Get(['/v1/realtime', '/realtime'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  // Left out of the OpenAPI document: its only success is a 101 and an event protocol OpenAPI cannot describe
  // (recommended-strict rightly wants a 2XX). docs/realtime-and-batches.md documents it.
  @ApiExcludeEndpoint()
  connect(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.realtime.serve(request, reply);
  }
}
