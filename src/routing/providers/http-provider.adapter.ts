import { DomainError } from '../../common/errors/domain-error';
import type { Deployment, ProviderId } from '../deployment';
import { withoutDeploymentSecrets } from '../deployment-credentials';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest, TextCompletionRequest } from '../openai.types';
import { UnsupportedOperationError, UpstreamError } from '../routing.errors';
import { toEndpoint, type UpstreamEndpoint, type UpstreamHttp, type UpstreamResponse } from '../upstream-http.service';
import { chatRequestFromCompletion, textChunkFromChatChunk, textCompletionFromChat } from './completion-via-chat';
import { forwardedHeadersOf, readBounded, transportErrorOf } from './upstream-response';
import { errorMessageOf, providerHttpError } from './provider-error-mapping';
import type { EmbeddingResult, ForwardedHeaders, JsonResult, ProviderAdapter, StreamResult } from './provider-adapter';
import type { ChunkTranslator } from './stream-translation';

const MAX_ERROR_BODY_BYTES = 64 * 1024;
const FORWARDED_HEADER = /^(x-ratelimit-|anthropic-ratelimit-|x-request-id$|request-id$|x-amzn-requestid$|retry-after$)/;
/** Parsed URLs by text; deployments have a handful of endpoints, so this stays tiny. */
const ENDPOINTS = new Map<string, UpstreamEndpoint>();

/** A provider's frames from a streamed body, grouped as they arrived (one array per network read). */
export type FrameReader<F> = (body: AsyncIterable<Buffer>) => AsyncIterable<F[]>;

/**
 * What every adapter of a provider with its own wire format shares: the HTTP call through UpstreamHttp (keep-alive,
 * size limits, SSRF guard for request-chosen bases), the mapping of failures onto the router's error classes, and
 * the loop that turns the provider's stream frames into OpenAI chunks. Subclasses translate requests and responses.
 *
 * Text completions default to a chat call with the prompt as the user message, which is what LiteLLM does for
 * chat-only providers; embeddings default to "not supported".
 */
export abstract class HttpProviderAdapter implements ProviderAdapter {
  abstract readonly id: ProviderId;
  /** `litellm.<Error>: <label>Exception - …` */
  protected abstract readonly label: string;

  constructor(protected readonly http: UpstreamHttp) {}

  abstract chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>>;
  abstract chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult>;

  async completion(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const result = await this.chat(chatRequestFromCompletion(request), deployment, signal);
    return { headers: result.headers, body: textCompletionFromChat(result.body) };
  }

  async completionStream(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const result = await this.chatStream(chatRequestFromCompletion(request), deployment, signal);
    return { headers: result.headers, batches: mapBatches(result.batches, textChunkFromChatChunk) };
  }

  async embeddings(_request: EmbeddingRequest, deployment: Deployment, _signal: AbortSignal): Promise<EmbeddingResult> {
    throw new UnsupportedOperationError('embeddings', deployment.modelName);
  }

  /**
   * POSTs `body` and returns the response once its status is a success.
   * @throws UpstreamError (mapped status, timeout, unreachable) or ClientDisconnected
   */
  protected async post(url: string, headers: Record<string, string>, body: string, deployment: Deployment, signal: AbortSignal, streaming: boolean): Promise<UpstreamResponse> {
    let endpoint = ENDPOINTS.get(url);
    if (!endpoint) {
      endpoint = toEndpoint(url);
      if (ENDPOINTS.size < 10_000) ENDPOINTS.set(url, endpoint);
    }
    let response: UpstreamResponse;
    try {
      response = await this.http.post(endpoint, headers, body, signal, streaming ? deployment.streamTimeoutMs : deployment.timeoutMs, deployment);
    } catch (error) {
      throw this.transportError(error, signal);
    }
    if (response.statusCode >= 400) throw await this.statusError(response, deployment);
    return response;
  }

  /** The whole body parsed, within `max_response_size_mb`. */
  protected async readJson<T>(response: UpstreamResponse, signal: AbortSignal): Promise<T> {
    let text: string;
    try {
      text = await this.http.readText(response);
    } catch (error) {
      throw this.transportError(error, signal);
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new UpstreamError('upstream', 500, this.label, 'The provider answered with a body that is not JSON');
    }
  }

  /**
   * The provider's stream as OpenAI chunk texts: frames are read with `readFrames`, translated one by one, and the
   * translator's closing chunks (finish reason, usage) follow the last frame. Leaving early closes the upstream body.
   */
  protected streamResult<F>(response: UpstreamResponse, signal: AbortSignal, readFrames: FrameReader<F>, translator: ChunkTranslator<F>): StreamResult {
    return { headers: this.forwardedHeaders(response), batches: this.translate(response, signal, readFrames, translator) };
  }

  /**
   * A stream relayed in the provider's own event format (JSON texts, one per event), as `readEvents` reads them from
   * the body; it throws the provider's in-stream errors. Leaving early closes the upstream body.
   */
  protected eventStream(response: UpstreamResponse, signal: AbortSignal, readEvents: (body: AsyncIterable<Buffer>) => AsyncIterable<string[]>): StreamResult {
    return { headers: this.forwardedHeaders(response), batches: this.relayEvents(response, signal, readEvents) };
  }

  private async *relayEvents(response: UpstreamResponse, signal: AbortSignal, readEvents: (body: AsyncIterable<Buffer>) => AsyncIterable<string[]>): AsyncGenerator<string[]> {
    try {
      yield* readEvents(this.http.streamBody(response));
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw this.transportError(error, signal);
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  private async *translate<F>(response: UpstreamResponse, signal: AbortSignal, readFrames: FrameReader<F>, translator: ChunkTranslator<F>): AsyncGenerator<string[]> {
    try {
      for await (const frames of readFrames(this.http.streamBody(response))) {
        const out: string[] = [];
        try {
          for (const frame of frames) for (const chunk of translator.next(frame)) out.push(JSON.stringify(chunk));
        } catch (error) {
          // A provider error after some content in the same read: the content goes out first, as it was generated.
          if (out.length) yield out;
          throw error;
        }
        if (out.length) yield out;
      }
      const closing = translator.end().map((chunk) => JSON.stringify(chunk));
      if (closing.length) yield closing;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw this.transportError(error, signal);
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  protected forwardedHeaders(response: UpstreamResponse): ForwardedHeaders {
    return forwardedHeadersOf(response, FORWARDED_HEADER);
  }

  /** An error the provider reported inside a stream (Anthropic `error` event, Ollama `{error}` line…). */
  protected streamError(detail: string, status = 500): UpstreamError {
    return providerHttpError(this.label, status, detail);
  }

  private async statusError(response: UpstreamResponse, deployment: Deployment): Promise<UpstreamError> {
    const text = await readBounded(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
    const detail = withoutDeploymentSecrets(errorMessageOf(text) ?? (text || `HTTP ${response.statusCode}`), deployment);
    const retryAfter = response.headers['retry-after'];
    return providerHttpError(this.label, this.upstreamStatusOf(response.statusCode, detail), detail, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  }

  /** The status a failure really means, for providers whose codes say otherwise (e.g. a bad key as a 400). */
  protected upstreamStatusOf(status: number, _detail: string): number {
    return status;
  }

  protected transportError(error: unknown, signal: AbortSignal): Error {
    return transportErrorOf(this.label, error, signal);
  }
}

async function* mapBatches(batches: AsyncIterable<string[]>, map: (data: string) => string | undefined): AsyncGenerator<string[]> {
  for await (const batch of batches) {
    const out: string[] = [];
    for (const data of batch) {
      const mapped = map(data);
      if (mapped !== undefined) out.push(mapped);
    }
    if (out.length) yield out;
  }
}

/** Joins a configured base URL and a path, tolerating a trailing slash on the base. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}
