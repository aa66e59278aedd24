import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { ANTHROPIC_ERROR_ROUTE } from '../common/http/anthropic-error';
import { MessagesService } from './messages.service';

/** A content block, a system block or a tool: Anthropic's objects, passed on as the client wrote them. */
const BLOCK = { type: 'object', additionalProperties: true, properties: { type: { type: 'string' } } } as const;

const MESSAGES_BODY = {
  schema: {
    type: 'object',
    required: ['model', 'messages'],
    properties: {
      model: { type: 'string', example: 'claude-sonnet' },
      max_tokens: { type: 'integer', example: 1024 },
      system: { oneOf: [{ type: 'string' }, { type: 'array', items: BLOCK }] },
      messages: {
        type: 'array',
        items: {
          type: 'object',
          required: ['role', 'content'],
          properties: { role: { type: 'string', enum: ['user', 'assistant'] }, content: { oneOf: [{ type: 'string' }, { type: 'array', items: BLOCK }] } },
        },
        example: [{ role: 'user', content: 'Hello, Claude' }],
      },
      stream: { type: 'boolean' },
      tools: {
        type: 'array',
        items: { ...BLOCK, properties: { name: { type: 'string' }, description: { type: 'string' }, input_schema: { type: 'object', additionalProperties: true } } },
      },
      tags: { type: 'array', items: { type: 'string' } },
    },
  },
};

const USAGE = {
  type: 'object',
  properties: {
    input_tokens: { type: 'integer' },
    output_tokens: { type: 'integer' },
    cache_read_input_tokens: { type: 'integer' },
    cache_creation_input_tokens: { type: 'integer' },
  },
} as const;

const MESSAGE_REPLY = {
  description: "A message, or with stream: true Anthropic's typed events (message_start … message_stop)",
  content: {
    'application/json': {
      schema: {
        type: 'object',
        additionalProperties: true,
        properties: {
          id: { type: 'string' },
          type: { type: 'string', example: 'message' },
          role: { type: 'string', example: 'assistant' },
          model: { type: 'string' },
          content: { type: 'array', items: BLOCK },
          stop_reason: { type: 'string', nullable: true },
          usage: USAGE,
        },
      },
    },
    'text/event-stream': { schema: { type: 'string', description: 'Server-sent events: `event: <type>` and `data: <json>` pairs' } },
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
  @ApiOkResponse(MESSAGE_REPLY)
  create(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.messages.create(request, reply);
  }

  @Post(['/v1/messages/count_tokens', '/anthropic/v1/messages/count_tokens'])
  @Route(RouteClass.Llm, 'anthropic_routes', 'llm_api_routes')
  @RouteConfig(ANTHROPIC_ERROR_ROUTE)
  @HttpCode(200)
  @ApiOperation({ summary: "Count a message's input tokens (Anthropic's count_tokens; counted locally for non-Anthropic models)" })
  @ApiBody(MESSAGES_BODY)
  @ApiOkResponse({ schema: { type: 'object', required: ['input_tokens'], properties: { input_tokens: { type: 'integer' } } } })
  countTokens(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.messages.countTokens(request, reply);
  }
}
