import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest } from '../../openai.types';
import { UpstreamHttp } from '../../upstream-http.service';
import { HttpProviderAdapter, joinUrl } from '../http-provider.adapter';
import type { EmbeddingResult, JsonResult, StreamResult } from '../provider-adapter';
import { ChunkTranslator, ndjsonFrames } from '../stream-translation';
import {
  fromOllamaEmbeddings,
  fromOllamaResponse,
  OllamaChunkTranslator,
  OllamaResponse,
  OllamaStreamError,
  toOllamaChatRequest,
  toOllamaGenerateRequest,
} from './ollama.translation';

const OLLAMA_API_BASE = 'http://localhost:11434';

/**
 * Ollama's native API. `ollama/<model>` uses `/api/generate` (one prompt), `ollama_chat/<model>` uses `/api/chat`
 * (turns, tools); both stream NDJSON and embed through `/api/embed`. An `api_key` is sent as a bearer token, for
 * Ollama servers behind an authenticating proxy. https://github.com/ollama/ollama/blob/main/docs/api.md
 */
abstract class OllamaAdapterBase extends HttpProviderAdapter {
  protected readonly label = 'Ollama';
  protected abstract readonly path: '/api/generate' | '/api/chat';
  protected abstract toRequest(request: ChatCompletionRequest, deployment: Deployment, stream: boolean): Record<string, unknown>;

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const body = this.toRequest(request, deployment, false);
    const response = await this.post(urlOf(deployment, this.path), this.headers(deployment), JSON.stringify(body), deployment, signal, false);
    const parsed = await this.readJson<OllamaResponse>(response, signal);
    return { headers: this.forwardedHeaders(response), body: fromOllamaResponse(parsed, deployment.upstreamModel) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const body = this.toRequest(request, deployment, true);
    const response = await this.post(urlOf(deployment, this.path), this.headers(deployment), JSON.stringify(body), deployment, signal, true);
    const translator = new OllamaChunkTranslator(deployment.upstreamModel);
    const guarded: ChunkTranslator<OllamaResponse> = {
      next: (line) => {
        try {
          return translator.next(line);
        } catch (error) {
          if (error instanceof OllamaStreamError) throw this.streamError(error.message);
          throw error;
        }
      },
      end: () => translator.end(),
    };
    return this.streamResult(response, signal, ndjsonFrames<OllamaResponse>, guarded);
  }

  override async embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    const body: Record<string, unknown> = { model: deployment.upstreamModel, input: request.input };
    if (typeof request.dimensions === 'number') body.dimensions = request.dimensions;
    const response = await this.post(urlOf(deployment, '/api/embed'), this.headers(deployment), JSON.stringify(body), deployment, signal, false);
    const parsed = await this.readJson<{ embeddings?: number[][]; prompt_eval_count?: number }>(response, signal);
    const { json, usage } = fromOllamaEmbeddings(parsed, `ollama/${deployment.upstreamModel}`);
    return { rawJson: json, usage, headers: this.forwardedHeaders(response) };
  }

  private headers(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, application/x-ndjson' };
    if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
    return headers;
  }
}

@Injectable()
export class OllamaAdapter extends OllamaAdapterBase {
  readonly id = 'ollama' as const;
  protected readonly path = '/api/generate' as const;

  constructor(http: UpstreamHttp) {
    super(http);
  }

  protected toRequest(request: ChatCompletionRequest, deployment: Deployment, stream: boolean): Record<string, unknown> {
    return toOllamaGenerateRequest(request, deployment.upstreamModel, deployment.params, stream);
  }
}

@Injectable()
export class OllamaChatAdapter extends OllamaAdapterBase {
  readonly id = 'ollama_chat' as const;
  protected readonly path = '/api/chat' as const;

  constructor(http: UpstreamHttp) {
    super(http);
  }

  protected toRequest(request: ChatCompletionRequest, deployment: Deployment, stream: boolean): Record<string, unknown> {
    return toOllamaChatRequest(request, deployment.upstreamModel, deployment.params, stream);
  }
}

/** The article's `api_base: http://localhost:11434`; a base that already ends in `/api` is accepted too. */
function urlOf(deployment: Deployment, path: string): string {
  const base = (deployment.apiBase ?? OLLAMA_API_BASE).replace(/\/+$/, '').replace(/\/api$/, '');
  return joinUrl(base, path);
}
