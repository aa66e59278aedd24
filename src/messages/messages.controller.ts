import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { ANTHROPIC_ERROR_ROUTE } from '../common/http/anthropic-error';
import { MessagesService } from './messages.service';

const MESSAGES_BODY = {
  schema: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string', example: 'claude-sonnet' },
      max_tokens: { type: 'integer', example: 1024 },
      system: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'object' } }] },
      messages: { type: 'array', items: { type: 'object' }, example: [{ role: 'user', content: 'Hello, Claude' }] },
      stream: { type: 'boolean' },
      tools: { type: 'array', items: { type: 'object' } },
      tags: { type: 'array', items: { type: 'string' } },
    },
  },
};

/**
 * Anthropic's Messages API, for Anthropic SDK clients and Claude Code (`ANTHROPIC_BASE_URL` pointed at Tollgate),
 * under `/v1` and LiteLLM's `/anthropic/v1` prefix. Keys come from `x-api-key`, `Authorization: Bearer` or
 * `x-litellm-api-key`; every error is in Anthropic's shape.
 */
@ApiTags('LLM API (Anthropic-compatible)')
@Controller()
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post(['/v1/messages', '/anthropic/v1/messages'])
  @Route(RouteClass.Llm, 'anthropic_routes', 'llm_api_routes')
  @RouteConfig(ANTHROPIC_ERROR_ROUTE)
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a message (Anthropic Messages API; JSON or Anthropic SSE stream), on any configured model' })
  @ApiBody(MESSAGES_BODY)
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.messages.create(request, reply);
  }

  @Post(['/v1/messages/count_tokens', '/anthropic/v1/messages/count_tokens'])
  @Route(RouteClass.Llm, 'anthropic_routes', 'llm_api_routes')
  @RouteConfig(ANTHROPIC_ERROR_ROUTE)
  @HttpCode(200)
  @ApiOperation({ summary: "Count a message's input tokens (Anthropic's count_tokens; counted locally for non-Anthropic models)" })
  @ApiBody(MESSAGES_BODY)
  countTokens(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.messages.countTokens(request, reply);
  }
}
