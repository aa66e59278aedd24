import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { ResponsesService } from './responses.service';

/** OpenAI's Responses API, under the plain, `/v1` and Azure OpenAI (`/openai/responses?api-version=`) paths. */
@ApiTags('LLM API (OpenAI-compatible)')
@Controller()
export class ResponsesController {
  constructor(private readonly responses: ResponsesService) {}

  @Post(['/v1/responses', '/responses', '/openai/responses'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a model response (Responses API; JSON or its typed event stream)' })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.responses.create(request, reply);
  }

  @Get(['/v1/responses/:responseId', '/responses/:responseId', '/openai/responses/:responseId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Retrieve a stored response (the calling key’s own)' })
  retrieve(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('responseId') responseId: string): Promise<void> {
    return this.responses.retrieve(responseId, request, reply);
  }

  @Delete(['/v1/responses/:responseId', '/responses/:responseId', '/openai/responses/:responseId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Delete a stored response (the calling key’s own)' })
  delete(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('responseId') responseId: string): Promise<void> {
    return this.responses.delete(responseId, request, reply);
  }

  @Get(['/v1/responses/:responseId/input_items', '/responses/:responseId/input_items', '/openai/responses/:responseId/input_items'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'List the input items of a stored response' })
  inputItems(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('responseId') responseId: string): Promise<void> {
    return this.responses.inputItems(responseId, request, reply);
  }
}
