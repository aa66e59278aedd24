import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest } from '../../openai.types';
import { UpstreamError } from '../../routing.errors';
import { UpstreamHttp, UpstreamResponse } from '../../upstream-http.service';
import {
  AnthropicChunkTranslator,
  AnthropicResponse,
  AnthropicStreamError,
  AnthropicStreamEvent,
  fromAnthropicResponse,
  jsonModeSchema,
  toAnthropicRequest,
} from '../anthropic/anthropic.translation';
import { fromGeminiResponse, GeminiChunkTranslator, GeminiResponse, toGeminiRequest } from '../gemini/gemini.translation';
import { HttpProviderAdapter, joinUrl } from '../http-provider.adapter';
import type { EmbeddingResult, JsonResult, StreamResult } from '../provider-adapter';
import { ChunkTranslator, sseJsonFrames } from '../stream-translation';
import { GoogleTokenSource, serviceAccountOf } from './vertex-credentials';

/** The `anthropic_version` Claude on Vertex takes in the body (there is no header). */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
const DEFAULT_LOCATION = 'us-central1';
/** `us-central1`, `europe-west4`, `global`… one path segment, never a URL. */
const LOCATION = /^[a-z][a-z0-9-]{1,62}$/;
const PROJECT = /^[a-z0-9][a-z0-9.:-]{0,99}$/i;

type Publisher = 'google' | 'anthropic';

/**
 * Vertex AI (`vertex_ai/<model>`): Gemini through `generateContent` / `streamGenerateContent?alt=sse` with the Gemini
 * translation, Claude through `rawPredict` / `streamRawPredict` with the Anthropic translation (`anthropic_version:
 * vertex-2023-10-16` in the body), embeddings through `predict`. Authenticated with an OAuth2 access token for the
 * deployment's service account (`vertex_credentials`), kept until shortly before it expires; `vertex_project` and
 * `vertex_location` (default us-central1) place the call.
 * https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
@Injectable()
export class VertexAiAdapter extends HttpProviderAdapter {
  readonly id = 'vertex_ai' as const;
  protected readonly label = 'VertexAI';
  private readonly tokens: GoogleTokenSource;

  constructor(http: UpstreamHttp) {
    super(http);
    this.tokens = new GoogleTokenSource(http);
  }

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    if (publisherOf(deployment) === 'anthropic') {
      const response = await this.call(deployment, 'rawPredict', claudeBody(request, deployment, false), signal, false);
      return {
        headers: this.forwardedHeaders(response),
        body: fromAnthropicResponse(await this.readJson<AnthropicResponse>(response, signal), jsonModeSchema(request) !== undefined),
      };
    }
    const response = await this.call(deployment, 'generateContent', toGeminiRequest(request, deployment.params), signal, false);
    return { headers: this.forwardedHeaders(response), body: fromGeminiResponse(await this.readJson<GeminiResponse>(response, signal), deployment.upstreamModel) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    if (publisherOf(deployment) === 'anthropic') {
      const response = await this.call(deployment, 'streamRawPredict', claudeBody(request, deployment, true), signal, true);
      const translator = new AnthropicChunkTranslator(deployment.upstreamModel, jsonModeSchema(request) !== undefined);
      return this.streamResult(response, signal, sseJsonFrames<AnthropicStreamEvent>, this.withStreamErrors(translator));
    }
    const response = await this.call(deployment, 'streamGenerateContent', toGeminiRequest(request, deployment.params), signal, true, 'alt=sse');
    return this.streamResult(response, signal, sseJsonFrames<GeminiResponse>, new GeminiChunkTranslator(deployment.upstreamModel));
  }

  /** Text embedding models (`text-embedding-004`, `text-multilingual-embedding-002`, …) through `predict`. */
  override async embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    const texts = (Array.isArray(request.input) ? request.input : [request.input]).map((input) => (typeof input === 'string' ? input : JSON.stringify(input)));
    const instances = texts.map((content) => (typeof deployment.params.task_type === 'string' ? { content, task_type: deployment.params.task_type } : { content }));
    const parameters = typeof request.dimensions === 'number' ? { outputDimensionality: request.dimensions } : undefined;
    const response = await this.call(deployment, 'predict', parameters ? { instances, parameters } : { instances }, signal, false);
    const parsed = await this.readJson<{ predictions?: { embeddings?: { values?: number[]; statistics?: { token_count?: number } } }[] }>(response, signal);
    const predictions = parsed.predictions ?? [];
    const tokens = predictions.reduce((sum, prediction) => sum + (prediction.embeddings?.statistics?.token_count ?? 0), 0);
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    const data = predictions.map((prediction, index) => ({ object: 'embedding', index, embedding: prediction.embeddings?.values ?? [] }));
    return { rawJson: JSON.stringify({ object: 'list', data, model: deployment.upstreamModel, usage }), usage, headers: this.forwardedHeaders(response) };
  }

  private async call(deployment: Deployment, method: string, payload: object, signal: AbortSignal, streaming: boolean, query?: string): Promise<UpstreamResponse> {
    const account = await serviceAccountOf(deployment);
    const url = vertexUrl(deployment, method, query, account.projectId);
    const token = await this.tokens.accessToken(account, deployment);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` };
    return this.post(url, headers, JSON.stringify(payload), deployment, signal, streaming);
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

/** Claude models are Anthropic's on Vertex; everything else (Gemini, Gemma, embeddings) is Google's. */
function publisherOf(deployment: Deployment): Publisher {
  return /^claude/i.test(modelOf(deployment)) ? 'anthropic' : 'google';
}

function modelOf(deployment: Deployment): string {
  return deployment.upstreamModel.replace(/^(publishers\/[^/]+\/)?models\//, '');
}

function claudeBody(request: ChatCompletionRequest, deployment: Deployment, stream: boolean): Record<string, unknown> {
  // The model is in the URL; Vertex refuses it in the body.
  const { model: _model, ...body } = toAnthropicRequest(request, modelOf(deployment), deployment.params, stream);
  return { anthropic_version: typeof deployment.params.anthropic_version === 'string' ? deployment.params.anthropic_version : VERTEX_ANTHROPIC_VERSION, ...body };
}

/**
 * `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}`
 * (`aiplatform.googleapis.com` for the `global` location); an `api_base` replaces the origin.
 */
export function vertexUrl(deployment: Deployment, method: string, query?: string, credentialsProject?: string): string {
  // As in LiteLLM, the service account's own project serves when the deployment names none.
  const project = stringParam(deployment, 'vertex_project') ?? credentialsProject;
  if (!project || !PROJECT.test(project)) {
    throw new UpstreamError('bad_request', 400, 'VertexAI', `no valid Vertex AI project for model=${deployment.modelName}: set vertex_project (or VERTEXAI_PROJECT)`);
  }
  const location = stringParam(deployment, 'vertex_location') ?? DEFAULT_LOCATION;
  if (!LOCATION.test(location)) throw new UpstreamError('bad_request', 400, 'VertexAI', `vertex_location of model=${deployment.modelName} is not a Google Cloud location`);
  const base = deployment.apiBase ?? (location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`);
  // Claude's versioned ids hold '@' (`claude-3-5-sonnet@20240620`), which Vertex takes as it is.
  const model = encodeURIComponent(modelOf(deployment)).replace(/%40/g, '@');
  const path = `/v1/projects/${encodeURIComponent(project)}/locations/${location}/publishers/${publisherOf(deployment)}/models/${model}:${method}`;
  return joinUrl(base.replace(/\/v1\/?$/, ''), `${path}${query ? `?${query}` : ''}`);
}

function stringParam(deployment: Deployment, name: string): string | undefined {
  const value = deployment.params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
