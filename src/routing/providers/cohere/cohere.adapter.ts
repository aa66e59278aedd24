import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest } from '../../openai.types';
import { UpstreamHttp } from '../../upstream-http.service';
import { HttpProviderAdapter, joinUrl } from '../http-provider.adapter';
import type { RerankRequest, RerankResponse } from '../media.types';
import type { EmbeddingResult, JsonResult, StreamResult } from '../provider-adapter';
import { ChunkTranslator, sseJsonFrames } from '../stream-translation';
import {
  CohereChatResponse,
  CohereChunkTranslator,
  CohereStreamError,
  CohereStreamEvent,
  fromCohereChatResponse,
  fromCohereRerankResponse,
  toCohereChatRequest,
  toCohereRerankRequest,
} from './cohere.translation';

const COHERE_API_BASE = 'https://api.cohere.com';
/** Cohere v3 embedding models require an input type; this is LiteLLM's default for documents. */
const DEFAULT_EMBEDDING_INPUT_TYPE = 'search_document';

/**
 * Cohere's v2 API (`cohere/<model>`, `cohere_chat/<model>`): chat with tools, embed and rerank, bearer-token auth.
 * https://docs.cohere.com/reference/about
 */
@Injectable()
export class CohereAdapter extends HttpProviderAdapter {
  readonly id = 'cohere' as const;
  protected readonly label = 'Cohere';

  constructor(http: UpstreamHttp) {
    super(http);
  }

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const body = JSON.stringify(toCohereChatRequest(request, deployment.upstreamModel, deployment.params, false));
    const response = await this.post(urlOf(deployment, '/v2/chat'), this.headers(deployment), body, deployment, signal, false);
    return { headers: this.forwardedHeaders(response), body: fromCohereChatResponse(await this.readJson<CohereChatResponse>(response, signal), deployment.upstreamModel) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const body = JSON.stringify(toCohereChatRequest(request, deployment.upstreamModel, deployment.params, true));
    const response = await this.post(urlOf(deployment, '/v2/chat'), this.headers(deployment), body, deployment, signal, true);
    const translator = new CohereChunkTranslator(deployment.upstreamModel);
    const guarded: ChunkTranslator<CohereStreamEvent> = {
      next: (event) => {
        try {
          return translator.next(event);
        } catch (error) {
          if (error instanceof CohereStreamError) throw this.streamError(error.message);
          throw error;
        }
      },
      end: () => translator.end(),
    };
    return this.streamResult(response, signal, sseJsonFrames<CohereStreamEvent>, guarded);
  }

  override async embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    const texts = (Array.isArray(request.input) ? request.input : [request.input]).map((input) => (typeof input === 'string' ? input : JSON.stringify(input)));
    const inputType =
      typeof request.input_type === 'string' ? request.input_type : typeof deployment.params.input_type === 'string' ? deployment.params.input_type : DEFAULT_EMBEDDING_INPUT_TYPE;
    const body: Record<string, unknown> = { model: deployment.upstreamModel, texts, input_type: inputType, embedding_types: ['float'] };
    if (typeof request.dimensions === 'number') body.output_dimension = request.dimensions;
    const response = await this.post(urlOf(deployment, '/v2/embed'), this.headers(deployment), JSON.stringify(body), deployment, signal, false);
    const parsed = await this.readJson<{ embeddings?: { float?: number[][] }; meta?: { billed_units?: { input_tokens?: number } } }>(response, signal);
    const tokens = parsed.meta?.billed_units?.input_tokens ?? 0;
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    const data = (parsed.embeddings?.float ?? []).map((embedding, index) => ({ object: 'embedding', index, embedding }));
    return { rawJson: JSON.stringify({ object: 'list', data, model: deployment.upstreamModel, usage }), usage, headers: this.forwardedHeaders(response) };
  }

  async rerank(request: RerankRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<RerankResponse>> {
    const body = JSON.stringify(toCohereRerankRequest(request, deployment.upstreamModel));
    const response = await this.post(urlOf(deployment, '/v2/rerank'), this.headers(deployment), body, deployment, signal, false);
    return { headers: this.forwardedHeaders(response), body: fromCohereRerankResponse(await this.readJson<RerankResponse>(response, signal), request) };
  }

  private headers(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
    return headers;
  }
}

function urlOf(deployment: Deployment, path: string): string {
  return joinUrl((deployment.apiBase ?? COHERE_API_BASE).replace(/\/+$/, '').replace(/\/v[12]$/, ''), path);
}
