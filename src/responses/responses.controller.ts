import { Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { DeletedResponseDto, ResponseInputItemListDto, ResponseObjectDto } from './dto/responses.dto';
import { ResponsesService } from './responses.service';

const TYPED_EVENTS = { schema: { type: 'string', description: 'Server-sent events: typed `event:`/`data:` pairs, response.created … response.completed' } } as const;

/** OpenAI's Responses API, under the plain, `/v1` and Azure OpenAI (`/openai/responses?api-version=`) paths. */
@ApiTags('LLM API (OpenAI-compatible)')
@ApiExtraModels(ResponseObjectDto)
@Controller()
export class ResponsesController {
  constructor(private readonly responses: ResponsesService) {}

  @Post(['/v1/responses', '/responses', '/openai/responses'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a model response (Responses API; JSON or its typed event stream)' })
  @ApiOkResponse({
    description: 'A Response, or with stream: true its typed events',
    content: { 'application/json': { schema: { $ref: getSchemaPath(ResponseObjectDto) } }, 'text/event-stream': TYPED_EVENTS },
  })
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.responses.create(request, reply);
  }

  @Get(['/v1/responses/:responseId', '/responses/:responseId', '/openai/responses/:responseId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Retrieve a stored response (the calling key’s own)' })
  @ApiOkResponse({ type: ResponseObjectDto })
  retrieve(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('responseId') responseId: string): Promise<void> {
    return this.responses.retrieve(responseId, request, reply);
  }

  @Delete(['/v1/responses/:responseId', '/responses/:responseId', '/openai/responses/:responseId'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Delete a stored response (the calling key’s own)' })
  @ApiOkResponse({ type: DeletedResponseDto })
  delete(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('responseId') responseId: string): Promise<void> {
    return this.responses.delete(responseId, request, reply);
  }

  @Get(['/v1/responses/:responseId/input_items', '/responses/:responseId/input_items', '/openai/responses/:responseId/input_items'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'List the input items of a stored response' })
  @ApiOkResponse({ type: ResponseInputItemListDto })
  inputItems(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('responseId') responseId: string): Promise<void> {
    return this.responses.inputItems(responseId, request, reply);
  }
}
