import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { ANTHROPIC_SSE, EdgeCall } from '../gateway/edge-call';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { MESSAGES, MESSAGES_COUNT_TOKENS } from '../pipeline/operations';
import { ANTHROPIC_BETA_HEADER, ANTHROPIC_VERSION_HEADER } from '../routing/providers/anthropic/anthropic-messages';
import { ResponseSizeLimit } from '../routing/response-size-limit';
import { validateMessagesBody } from './messages-validation';

/**
 * The Anthropic Messages edge (`/v1/messages`, `/v1/messages/count_tokens`): reads Anthropic's wire format and the
 * client's `anthropic-version` / `anthropic-beta`, hands the call to the one call pipeline, and renders its answer
 * as Anthropic JSON or Anthropic server-sent events (`event: <type>` framing). Errors on these routes are
 * Anthropic-shaped (the routes' config tells the global filter; the framing, mid-stream).
 */
@Injectable()
export class MessagesService {
  private readonly streamLimit: ResponseSizeLimit | undefined;

  constructor(
    private readonly pipeline: CallPipeline,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const maxResponseMb = config.general_settings.max_response_size_mb;
    this.streamLimit = maxResponseMb === undefined ? undefined : new ResponseSizeLimit(maxResponseMb);
  }

  async create(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = validateMessagesBody(request.body);
    const edge = new EdgeCall(request, reply, {
      idPrefix: MESSAGES.idPrefix,
      input: { body, providerHeaders: anthropicHeaders(request) },
      model: body.model as string,
      streaming: body.stream === true,
      sse: ANTHROPIC_SSE,
    });
    await edge.serve(() => this.pipeline.run(MESSAGES, edge.request), this.streamLimit);
  }

  async countTokens(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = validateMessagesBody(request.body, true);
    const edge = new EdgeCall(request, reply, {
      idPrefix: MESSAGES_COUNT_TOKENS.idPrefix,
      input: { body, providerHeaders: anthropicHeaders(request) },
      model: body.model as string,
    });
    await edge.serve(() => this.pipeline.run(MESSAGES_COUNT_TOKENS, edge.request));
  }
}

/** `anthropic-version` and `anthropic-beta` as the client sent them (a repeated header joined, as HTTP allows). */
function anthropicHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of [ANTHROPIC_VERSION_HEADER, ANTHROPIC_BETA_HEADER]) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}
