import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { RealtimeService } from './realtime.service';

/** The realtime websocket; a plain GET (no upgrade) is answered 426. */
@ApiTags('LLM API (OpenAI-compatible)')
@Controller()
export class RealtimeController {
  constructor(private readonly realtime: RealtimeService) {}

  @Get(['/v1/realtime', '/realtime'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Realtime API websocket (key in Authorization, api-key, or the openai-insecure-api-key.<key> subprotocol)' })
  @ApiQuery({ name: 'model', required: true, type: String })
  @ApiResponse({ status: 101, description: 'Switching protocols: realtime events are relayed both ways' })
  connect(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.realtime.serve(request, reply);
  }
}
