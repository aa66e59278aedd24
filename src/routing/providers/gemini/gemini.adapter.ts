import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest } from '../../openai.types';
import { UpstreamHttp } from '../../upstream-http.service';
import { HttpProviderAdapter, joinUrl } from '../http-provider.adapter';
import type { EmbeddingResult, JsonResult, StreamResult } from '../provider-adapter';
import { sseJsonFrames } from '../stream-translation';
import { fromGeminiResponse, GeminiChunkTranslator, GeminiResponse, toGeminiRequest } from './gemini.translation';

const GEMINI_API_BASE = 'https://generativelanguage.googleapis.com';

/**
 * Google AI Studio's Gemini API (`gemini/<model>`): `generateContent`, `streamGenerateContent?alt=sse` and
 * `batchEmbedContents`, the key in `x-goog-api-key` (never in the URL, where access logs would keep it).
 * https://ai.google.dev/api/generate-content
 */
@Injectable()
export class GeminiAdapter extends HttpProviderAdapter {
  readonly id = 'gemini' as const;
  protected readonly label = 'Gemini';

  constructor(http: UpstreamHttp) {
    super(http);
  }

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const body = JSON.stringify(toGeminiRequest(request, deployment.params));
    const response = await this.post(modelUrl(deployment, 'generateContent'), this.headers(deployment), body, deployment, signal, false);
    return { headers: this.forwardedHeaders(response), body: fromGeminiResponse(await this.readJson<GeminiResponse>(response, signal), deployment.upstreamModel) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const body = JSON.stringify(toGeminiRequest(request, deployment.params));
    const response = await this.post(modelUrl(deployment, 'streamGenerateContent', 'alt=sse'), this.headers(deployment), body, deployment, signal, true);
    return this.streamResult(response, signal, sseJsonFrames<GeminiResponse>, new GeminiChunkTranslator(deployment.upstreamModel));
  }

  /**
   * Gemini reports no token count for embeddings; the input is counted at four characters a token (what the
   * gateway's own estimates use) so spend and token limits still see the call.
   */
  override async embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    const inputs = (Array.isArray(request.input) ? request.input : [request.input]).map((input) => (typeof input === 'string' ? input : JSON.stringify(input)));
    const requests = inputs.map((text) => {
      const item: Record<string, unknown> = { model: `models/${deployment.upstreamModel}`, content: { parts: [{ text }] } };
      if (typeof request.dimensions === 'number') item.outputDimensionality = request.dimensions;
      if (typeof deployment.params.task_type === 'string') item.taskType = deployment.params.task_type;
      return item;
    });
    const response = await this.post(modelUrl(deployment, 'batchEmbedContents'), this.headers(deployment), JSON.stringify({ requests }), deployment, signal, false);
    const parsed = await this.readJson<{ embeddings?: { values: number[] }[] }>(response, signal);
    const tokens = inputs.reduce((sum, text) => sum + Math.ceil(text.length / 4), 0);
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    const data = (parsed.embeddings ?? []).map((embedding, index) => ({ object: 'embedding', index, embedding: embedding.values }));
    return { rawJson: JSON.stringify({ object: 'list', data, model: deployment.upstreamModel, usage }), usage, headers: this.forwardedHeaders(response) };
  }

  /** Gemini answers a wrong key with 400 INVALID_ARGUMENT "API key not valid"; clients expect an auth error. */
  protected override upstreamStatusOf(status: number, detail: string): number {
    return status === 400 && /api key not valid|api_key_invalid/i.test(detail) ? 401 : status;
  }

  private headers(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (deployment.apiKey) headers['x-goog-api-key'] = deployment.apiKey;
    return headers;
  }
}

function modelUrl(deployment: Deployment, method: string, query?: string): string {
  const base = (deployment.apiBase ?? GEMINI_API_BASE).replace(/\/+$/, '').replace(/\/v1beta$/, '');
  const model = encodeURIComponent(deployment.upstreamModel.replace(/^models\//, ''));
  return joinUrl(base, `/v1beta/models/${model}:${method}${query ? `?${query}` : ''}`);
}
