import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject } from '../../openai.types';
import { UpstreamHttp } from '../../upstream-http.service';
import { HttpProviderAdapter, joinUrl } from '../http-provider.adapter';
import type { JsonObject } from '../media.types';
import type { JsonResult, MessagesCall, MessagesResult, StreamResult } from '../provider-adapter';
import { parseSse } from '../sse';
import { ChunkTranslator, sseJsonFrames } from '../stream-translation';
import { countTokensUpstreamBody, MESSAGES_ERROR_STATUS, messagesUpstreamBody } from './anthropic-messages';
import {
  AnthropicChunkTranslator,
  AnthropicResponse,
  AnthropicStreamError,
  AnthropicStreamEvent,
  fromAnthropicResponse,
  jsonModeSchema,
  toAnthropicRequest,
} from './anthropic.translation';

const ANTHROPIC_API_BASE = 'https://api.anthropic.com';
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * Anthropic's Messages API (`anthropic/<model>`): `x-api-key` and `anthropic-version` headers, system prompt
 * apart from the turns, tools as `tool_use`/`tool_result` blocks, and its own stream events.
 * https://docs.anthropic.com/en/api/messages
 */
@Injectable()
export class AnthropicAdapter extends HttpProviderAdapter {
  readonly id = 'anthropic' as const;
  protected readonly label = 'Anthropic';

  constructor(http: UpstreamHttp) {
    super(http);
  }

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const body = toAnthropicRequest(request, deployment.upstreamModel, deployment.params, false);
    const response = await this.post(messagesUrl(deployment), this.headers(deployment), JSON.stringify(body), deployment, signal, false);
    const headers = this.forwardedHeaders(response);
    return { headers, body: fromAnthropicResponse(await this.readJson<AnthropicResponse>(response, signal), jsonModeSchema(request) !== undefined) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const body = toAnthropicRequest(request, deployment.upstreamModel, deployment.params, true);
    const response = await this.post(messagesUrl(deployment), this.headers(deployment), JSON.stringify(body), deployment, signal, true);
    return this.streamResult(
      response,
      signal,
      sseJsonFrames<AnthropicStreamEvent>,
      this.withStreamErrors(new AnthropicChunkTranslator(deployment.upstreamModel, jsonModeSchema(request) !== undefined)),
    );
  }

  /** The Messages API as it is: the client's body (LiteLLM's fields removed), version and betas. */
  async messages(call: MessagesCall, deployment: Deployment, signal: AbortSignal, streaming: boolean): Promise<MessagesResult> {
    const body = { ...messagesUpstreamBody(call.body, streaming), model: deployment.upstreamModel };
    const response = await this.post(messagesUrl(deployment), this.headers(deployment, call), JSON.stringify(body), deployment, signal, streaming);
    if (streaming) return { kind: 'stream', stream: this.eventStream(response, signal, (raw) => this.messageEvents(raw)) };
    return { kind: 'json', body: await this.readJson<JsonObject>(response, signal), headers: this.forwardedHeaders(response) };
  }

  speaksMessages(): boolean {
    return true;
  }

  async countMessageTokens(call: MessagesCall, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    const body = { ...countTokensUpstreamBody(call.body), model: deployment.upstreamModel };
    const response = await this.post(`${messagesUrl(deployment)}/count_tokens`, this.headers(deployment, call), JSON.stringify(body), deployment, signal, false);
    return { body: await this.readJson<JsonObject>(response, signal), headers: this.forwardedHeaders(response) };
  }

  /** Anthropic's events as they came; an `error` event becomes the error class the same failure has outside a stream. */
  private async *messageEvents(body: AsyncIterable<Buffer>): AsyncGenerator<string[]> {
    for await (const batch of parseSse(body)) {
      // Quotes inside strings are escaped, so this only matches an event whose own type is `error`.
      const failed = batch.findIndex((data) => data.includes('"type":"error"') && (JSON.parse(data) as { type?: string }).type === 'error');
      if (failed < 0) {
        yield batch;
        continue;
      }
      if (failed > 0) yield batch.slice(0, failed);
      const error = (JSON.parse(batch[failed]) as { error?: { type?: string; message?: string } }).error;
      throw this.streamError(error?.message ?? 'stream error', MESSAGES_ERROR_STATUS[error?.type ?? ''] ?? 500);
    }
  }

  /** The deployment's key and version; a Messages call's own `anthropic-version` and betas win. */
  private headers(deployment: Deployment, call?: MessagesCall): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'anthropic-version': call?.version ?? (typeof deployment.params.anthropic_version === 'string' ? deployment.params.anthropic_version : ANTHROPIC_VERSION),
    };
    if (call && call.betas.length > 0) headers['anthropic-beta'] = call.betas.join(',');
    if (deployment.apiKey) headers['x-api-key'] = deployment.apiKey;
    return headers;
  }

  /** An `error` event mid-stream becomes the same error class a failed HTTP call would have. */
  private withStreamErrors(translator: AnthropicChunkTranslator): ChunkTranslator<AnthropicStreamEvent> {
    return {
      next: (event) => {
        try {
          return translator.next(event);
        } catch (error) {
          if (error instanceof AnthropicStreamError) throw this.streamError(error.detail, error.status);
          throw error;
        }
      },
      end: () => translator.end(),
    };
  }
}

/** `api_base` may be the host (LiteLLM's usual form) or already end in `/v1` or `/v1/messages`. */
function messagesUrl(deployment: Deployment): string {
  const base = (deployment.apiBase ?? ANTHROPIC_API_BASE).replace(/\/+$/, '');
  if (base.endsWith('/v1/messages')) return base;
  if (base.endsWith('/v1')) return `${base}/messages`;
  return joinUrl(base, '/v1/messages');
}
