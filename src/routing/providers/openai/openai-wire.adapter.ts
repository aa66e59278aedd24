import { DomainError } from '../../../common/errors/domain-error';
import type { Deployment, ProviderId } from '../../deployment';
import { withoutDeploymentSecrets } from '../../deployment-credentials';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest, LlmOperation, TextCompletionRequest } from '../../openai.types';
import { UnsupportedOperationError, UpstreamError } from '../../routing.errors';
import { toEndpoint, type UpstreamEndpoint, type UpstreamHttp, type UpstreamResponse } from '../../upstream-http.service';
import type { EmbeddingResult, ForwardedHeaders, JsonResult, ProviderAdapter, StreamResult } from '../provider-adapter';
import type { BinaryResult, ImageGenerationRequest, JsonObject, ModerationRequest, MultipartUpload, SpeechRequest } from '../media.types';
import { encodeMultipart, readBytes } from '../multipart';
import { forwardedHeadersOf, readBounded, transportErrorOf } from '../upstream-response';
import { providerHttpError } from '../provider-error-mapping';
import { usageFromJsonText } from '../usage-extractor';
import { parseSse } from '../sse';
import { openRealtimeSocket, type RealtimeConnection, type RealtimeTarget } from '../realtime';

/**
 * Fields that steer Tollgate itself and must not reach the provider. Connection fields are dropped too:
 * a request never chooses where Tollgate connects or with which credentials.
 */
export const PROXY_ONLY_FIELDS = [
  'metadata',
  'tags',
  'guardrails',
  'fallbacks',
  'context_window_fallbacks',
  'num_retries',
  'mock_response',
  'mock_testing_fallbacks',
  'mock_testing_rate_limit_error',
  'mock_timeout',
  // Router controls (per-request deadline in seconds, content-policy fallbacks): Tollgate's, not the provider's.
  'timeout',
  'content_policy_fallbacks',
  'caching',
  'cache',
  'litellm_session_id',
  'api_key',
  'api_base',
  'base_url',
  'api_version',
  'organization',
] as const;

const FORWARDED_HEADER = /^(x-ratelimit-|x-request-id$|openai-processing-ms$|retry-after$)/;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Everything providers that speak OpenAI's wire format share; subclasses say where to send a call and how
 * to authenticate it.
 */
export abstract class OpenAiWireAdapter implements ProviderAdapter {
  abstract readonly id: ProviderId;
  protected abstract readonly label: string;

  private readonly endpoints = new WeakMap<Deployment, Partial<Record<LlmOperation, UpstreamEndpoint>>>();

  constructor(private readonly http: UpstreamHttp) {}

  protected abstract endpoint(deployment: Deployment, operation: LlmOperation): string;
  /** Where a non-LLM operation goes: `images/generations`, `audio/speech`, `files/{id}`, … */
  protected abstract mediaEndpoint(deployment: Deployment, path: string): string;
  protected abstract authHeaders(deployment: Deployment): Record<string, string>;

  /** The name errors carry (`litellm.RateLimitError: <label>Exception - …`); one per provider served. */
  protected labelOf(_deployment: Deployment): string {
    return this.label;
  }

  /** The provider's quirks, applied to the outgoing body after the proxy's own fields are gone (none by default). */
  protected adjustBody(_body: Record<string, unknown>, _deployment: Deployment, _stream: boolean): void {}

  /** Where the deployment's realtime socket is; undefined for a provider without OpenAI's realtime API. */
  protected realtimeTarget(_deployment: Deployment): RealtimeTarget | undefined {
    return undefined;
  }

  chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    return this.json<CompletionObject>('chat', request, deployment, signal);
  }

  chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    return this.stream('chat', request, deployment, signal);
  }

  completion(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    return this.json<CompletionObject>('completion', request, deployment, signal);
  }

  completionStream(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    return this.stream('completion', request, deployment, signal);
  }

  async embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    const response = await this.send('embedding', this.upstreamBody(request, deployment, false), deployment, signal, deployment.timeoutMs);
    let rawJson: string;
    try {
      rawJson = await this.http.readText(response);
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
    return { rawJson, usage: usageFromJsonText(rawJson) as EmbeddingResult['usage'], headers: forwardedHeaders(response) };
  }

  async imageGeneration(request: ImageGenerationRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    return this.mediaJson('images/generations', request, deployment, signal);
  }

  async moderation(request: ModerationRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    return this.mediaJson('moderations', request, deployment, signal);
  }

  async audioSpeech(request: SpeechRequest, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult> {
    const body = this.upstreamBody(request, deployment, false);
    return this.relayed(
      await this.sendTo('POST', this.mediaEndpoint(deployment, 'audio/speech'), { 'content-type': 'application/json' }, body, deployment, signal),
      signal,
      deployment,
    );
  }

  async audioTranscription(upload: MultipartUpload, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult> {
    const { body, contentType } = await encodeMultipart({ ...upload, fields: { ...upload.fields, model: deployment.upstreamModel } });
    return this.relayed(
      await this.sendTo('POST', this.mediaEndpoint(deployment, 'audio/transcriptions'), { 'content-type': contentType }, body, deployment, signal),
      signal,
      deployment,
    );
  }

  async createFile(upload: MultipartUpload, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult> {
    const { model: _model, ...fields } = upload.fields;
    const { body, contentType } = await encodeMultipart({ ...upload, fields });
    return this.relayed(await this.sendTo('POST', this.mediaEndpoint(deployment, 'files'), { 'content-type': contentType }, body, deployment, signal), signal, deployment);
  }

  /** `path` may carry a query (`files?purpose=batch`); it is merged with the endpoint's own (Azure's api-version). */
  async fileRequest(method: 'GET' | 'DELETE', path: string, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult> {
    const [pathOnly, query] = path.split('?', 2);
    const url = new URL(this.mediaEndpoint(deployment, pathOnly));
    for (const [name, value] of new URLSearchParams(query ?? '')) url.searchParams.set(name, value);
    return this.relayed(await this.sendTo(method, url.toString(), {}, undefined, deployment, signal), signal, deployment);
  }

  /** `POST <url>` of the Responses API: the body as the client sent it (less Tollgate's own fields), the JSON reply. */
  protected async responsesAt(url: string, request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    const body = this.upstreamBody(request, deployment, false, false);
    const response = await this.sendTo('POST', url, { 'content-type': 'application/json', accept: 'application/json' }, body, deployment, signal);
    try {
      return { body: JSON.parse(await this.http.readText(response)) as JsonObject, headers: forwardedHeaders(response) };
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
  }

  /** The Responses API's event stream; an `error` event before or between events fails the call like a chat stream's. */
  protected async responsesStreamAt(url: string, request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const body = this.upstreamBody(request, deployment, true, false);
    let response: UpstreamResponse;
    try {
      response = await this.http.request(
        'POST',
        toEndpoint(url),
        { 'content-type': 'application/json', accept: 'text/event-stream', ...this.authHeaders(deployment) },
        body,
        signal,
        deployment.streamTimeoutMs,
        deployment,
      );
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
    if (response.statusCode >= 400) throw await this.statusError(response, deployment);
    return { headers: forwardedHeaders(response), batches: this.batches(response, signal, deployment, responsesEventError) };
  }

  /** `path` may carry a query (`batches?limit=2&after=…`), merged with the endpoint's own as for files. */
  async batchRequest(method: 'GET' | 'POST', path: string, body: JsonObject | undefined, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult> {
    const [pathOnly, query] = path.split('?', 2);
    const url = new URL(this.mediaEndpoint(deployment, pathOnly));
    for (const [name, value] of new URLSearchParams(query ?? '')) url.searchParams.set(name, value);
    const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    return this.relayed(await this.sendTo(method, url.toString(), headers, body ? JSON.stringify(body) : undefined, deployment, signal), signal, deployment);
  }

  openRealtime(deployment: Deployment, signal: AbortSignal): Promise<RealtimeConnection> {
    const target = this.realtimeTarget(deployment);
    if (!target) throw new UnsupportedOperationError('realtime', deployment.modelName);
    return openRealtimeSocket(this.labelOf(deployment), target, deployment, signal);
  }

  private async mediaJson(path: string, request: object, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    const response = await this.sendTo(
      'POST',
      this.mediaEndpoint(deployment, path),
      { 'content-type': 'application/json' },
      this.upstreamBody(request, deployment, false),
      deployment,
      signal,
    );
    try {
      return { body: JSON.parse(await this.http.readText(response)) as JsonObject, headers: forwardedHeaders(response) };
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
  }

  private async relayed(response: UpstreamResponse, signal: AbortSignal, deployment: Deployment): Promise<BinaryResult> {
    const contentType = header(response, 'content-type') ?? 'application/octet-stream';
    try {
      return { contentType, body: await readBytes(this.http.streamBody(response)), headers: forwardedHeaders(response) };
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  private async sendTo(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    body: string | Buffer | undefined,
    deployment: Deployment,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    let response: UpstreamResponse;
    try {
      response = await this.http.request(method, toEndpoint(url), { accept: '*/*', ...headers, ...this.authHeaders(deployment) }, body, signal, deployment.timeoutMs, deployment);
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
    if (response.statusCode >= 400) throw await this.statusError(response, deployment);
    return response;
  }

  private async json<T>(operation: LlmOperation, request: object, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<T>> {
    const response = await this.send(operation, this.upstreamBody(request, deployment, false), deployment, signal, deployment.timeoutMs);
    try {
      return { body: JSON.parse(await this.http.readText(response)) as T, headers: forwardedHeaders(response) };
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
  }

  private async stream(operation: LlmOperation, request: object, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const response = await this.send(operation, this.upstreamBody(request, deployment, true), deployment, signal, deployment.streamTimeoutMs);
    return { headers: forwardedHeaders(response), batches: this.batches(response, signal, deployment, chunkError) };
  }

  /** `errorOf` reads a provider's error event (the message), or undefined for any other event. */
  private async *batches(response: UpstreamResponse, signal: AbortSignal, deployment: Deployment, errorOf: (data: string) => string | undefined): AsyncGenerator<string[]> {
    try {
      for await (const batch of parseSse(this.http.streamBody(response))) {
        for (const data of batch) {
          const message = errorOf(data);
          if (message !== undefined) throw new UpstreamError('upstream', 500, this.labelOf(deployment), message);
        }
        yield batch;
      }
    } catch (error) {
      // Already meant for the client: a provider's error event, or a response over max_response_size_mb.
      if (error instanceof DomainError) throw error;
      throw this.transportError(error, signal, deployment);
    } finally {
      // Stop reading (and free the socket) when the consumer leaves early, e.g. the client disconnected.
      if (!response.body.destroyed) response.body.destroy();
    }
  }

  /** `usageOption`: chat and text completions take `stream_options.include_usage`; the Responses API always reports usage. */
  private upstreamBody(request: object, deployment: Deployment, stream: boolean, usageOption = true): string {
    const body: Record<string, unknown> = { ...request, model: deployment.upstreamModel };
    for (const field of PROXY_ONLY_FIELDS) delete body[field];
    if (stream && !usageOption) body.stream = true;
    else if (stream) {
      // Always ask for usage so spend is exact; the gateway drops the usage chunk if the client did not ask.
      const options = (body.stream_options as Record<string, unknown> | undefined) ?? {};
      body.stream_options = { ...options, include_usage: true };
      body.stream = true;
    }
    this.adjustBody(body, deployment, stream);
    return JSON.stringify(body);
  }

  private async send(operation: LlmOperation, body: string, deployment: Deployment, signal: AbortSignal, idleTimeoutMs: number): Promise<UpstreamResponse> {
    let response: UpstreamResponse;
    try {
      response = await this.http.post(
        this.endpointOf(deployment, operation),
        { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...this.authHeaders(deployment) },
        body,
        signal,
        idleTimeoutMs,
        deployment,
      );
    } catch (error) {
      throw this.transportError(error, signal, deployment);
    }
    if (response.statusCode >= 400) throw await this.statusError(response, deployment);
    return response;
  }

  private endpointOf(deployment: Deployment, operation: LlmOperation): UpstreamEndpoint {
    let cached = this.endpoints.get(deployment);
    if (!cached) this.endpoints.set(deployment, (cached = {}));
    return (cached[operation] ??= toEndpoint(this.endpoint(deployment, operation)));
  }

  private async statusError(response: UpstreamResponse, deployment: Deployment): Promise<UpstreamError> {
    const text = await readBounded(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
    let detail = text || `HTTP ${response.statusCode}`;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
      detail = (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ?? parsed.message ?? detail;
    } catch {
      // Not JSON: keep the (bounded, redacted) text.
    }
    return providerHttpError(this.labelOf(deployment), response.statusCode, withoutDeploymentSecrets(detail, deployment), header(response, 'retry-after'));
  }

  private transportError(error: unknown, signal: AbortSignal, deployment: Deployment): Error {
    return transportErrorOf(this.labelOf(deployment), error, signal);
  }
}

/** A chat or completion stream's error event: `{"error": {...}}`. */
function chunkError(data: string): string | undefined {
  // Quoted keys inside content are escaped (\"error\"), so this only matches a real error key.
  if (!data.includes('"error"')) return undefined;
  const error = (JSON.parse(data) as { error?: { message?: string } }).error;
  return error ? (error.message ?? 'stream error') : undefined;
}

/**
 * The Responses API's `error` event: `{"type":"error","code":…,"message":…}` (or the error nested under `error`), or
 * an OpenAI-compatible server's chat-style `{"error": {...}}` event.
 */
function responsesEventError(data: string): string | undefined {
  if (!data.includes('"error"')) return undefined;
  const event = JSON.parse(data) as { type?: string; message?: string; error?: { message?: string } | null };
  if (event.type === 'error') return event.message ?? event.error?.message ?? 'stream error';
  if (event.type === undefined && event.error) return event.error.message ?? 'stream error';
  return undefined;
}

function header(response: UpstreamResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function forwardedHeaders(response: UpstreamResponse): ForwardedHeaders {
  return forwardedHeadersOf(response, FORWARDED_HEADER);
}
