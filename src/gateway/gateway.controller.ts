import { Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Route } from '../common/access/route.decorator';
import { RouteClass } from '../common/access/route-class';
import { ChatCompletionRequestDto, EmbeddingRequestDto, TextCompletionRequestDto } from './dto/llm-request.dto';
import { ChatCompletionDto, EmbeddingResponseDto, ModelCardDto, ModelListDto, TextCompletionDto } from './dto/llm-response.dto';
import { GatewayService } from './gateway.service';

const SSE = { schema: { type: 'string', description: 'Server-sent events: `data: {chunk}` lines, then `data: [DONE]`' } } as const;

/** A JSON reply, or with `stream: true` an SSE stream of chunk objects. */
const ApiCompletionResponse = (type: 'chat' | 'completion'): MethodDecorator & ClassDecorator =>
  ApiOkResponse({
    description: type === 'chat' ? 'A chat.completion, or with stream: true chat.completion.chunk events' : 'A text_completion, or with stream: true its chunks as events',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(type === 'chat' ? ChatCompletionDto : TextCompletionDto) } },
      'text/event-stream': SSE,
    },
  });

/** The OpenAI-compatible LLM API, under every path shape LiteLLM serves (plain, /v1, /engines, Azure). */
@ApiTags('LLM API (OpenAI-compatible)')
@ApiExtraModels(ChatCompletionDto, TextCompletionDto)
@Controller()
export class GatewayController {
  constructor(private readonly gateway: GatewayService) {}

  @Post(['/v1/chat/completions', '/chat/completions'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a chat completion (JSON or SSE stream)' })
  @ApiBody({ type: ChatCompletionRequestDto })
  @ApiCompletionResponse('chat')
  chatCompletions(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.gateway.handle('chat', request, reply);
  }

  @Post(['/engines/:model/chat/completions', '/openai/deployments/:model/chat/completions'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Chat completion with the model in the path (Azure OpenAI clients)' })
  @ApiBody({ type: ChatCompletionRequestDto })
  @ApiCompletionResponse('chat')
  chatCompletionsForModel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('model') model: string): Promise<void> {
    return this.gateway.handle('chat', request, reply, model);
  }

  @Post(['/v1/completions', '/completions'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create a text completion (legacy)' })
  @ApiBody({ type: TextCompletionRequestDto })
  @ApiCompletionResponse('completion')
  completions(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.gateway.handle('completion', request, reply);
  }

  @Post(['/engines/:model/completions', '/openai/deployments/:model/completions'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Text completion with the model in the path' })
  @ApiBody({ type: TextCompletionRequestDto })
  @ApiCompletionResponse('completion')
  completionsForModel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('model') model: string): Promise<void> {
    return this.gateway.handle('completion', request, reply, model);
  }

  @Post(['/v1/embeddings', '/embeddings'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Create embeddings' })
  @ApiBody({ type: EmbeddingRequestDto })
  @ApiOkResponse({ type: EmbeddingResponseDto })
  embeddings(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.gateway.handle('embedding', request, reply);
  }

  @Post(['/engines/:model/embeddings', '/openai/deployments/:model/embeddings'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @HttpCode(200)
  @ApiOperation({ summary: 'Embeddings with the model in the path' })
  @ApiBody({ type: EmbeddingRequestDto })
  @ApiOkResponse({ type: EmbeddingResponseDto })
  embeddingsForModel(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Param('model') model: string): Promise<void> {
    return this.gateway.handle('embedding', request, reply, model);
  }

  @Get(['/v1/models', '/models'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'List the models the caller can use' })
  @ApiOkResponse({ type: ModelListDto })
  @ApiQuery({ name: 'only_model_access_groups', required: false, description: 'List only the model access groups the caller may use' })
  @ApiQuery({ name: 'include_model_access_groups', required: false, description: 'List the access groups beside the models' })
  listModels(
    @Req() request: FastifyRequest,
    @Query('only_model_access_groups') onlyAccessGroups?: string,
    @Query('include_model_access_groups') includeAccessGroups?: string,
  ): Promise<ModelListDto> {
    return this.gateway.listModels(request.auth?.key, { onlyAccessGroups: isTrue(onlyAccessGroups), includeAccessGroups: isTrue(includeAccessGroups) });
  }

  @Get(['/v1/models/:model', '/models/:model'])
  @Route(RouteClass.Llm, 'openai_routes', 'llm_api_routes')
  @ApiOperation({ summary: 'Describe one model' })
  @ApiOkResponse({ type: ModelCardDto })
  retrieveModel(@Req() request: FastifyRequest, @Param('model') model: string): Promise<ModelCardDto> {
    return this.gateway.retrieveModel(model, request.auth?.key);
  }
}

/** A boolean query parameter as LiteLLM's clients send it (`True` from Python, `true`, `1`). */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|1|yes)$/i.test(value);
}
