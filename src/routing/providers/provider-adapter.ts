import type { Deployment, ProviderId } from '../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest, TextCompletionRequest } from '../openai.types';
import type WebSocket from 'ws';
import type { BinaryResult, ImageGenerationRequest, JsonObject, ModerationRequest, MultipartUpload, RerankRequest, RerankResponse, SpeechRequest } from './media.types';

/** Upstream headers worth passing on, already renamed `llm_provider-…` as LiteLLM does. */
export type ForwardedHeaders = Record<string, string>;

export interface JsonResult<T> {
  body: T;
  headers: ForwardedHeaders;
}

/**
 * Embeddings are relayed without being parsed: vectors are the bulk of the bytes and the gateway never
 * changes them, so only `usage` is read out (for spend).
 */
export interface EmbeddingResult {
  /** The provider's JSON text, sent to the client as is. */
  rawJson: string;
  usage: { prompt_tokens: number; total_tokens: number } | null;
  headers: ForwardedHeaders;
}

export interface StreamResult {
  headers: ForwardedHeaders;
  /**
   * Chunks in the OpenAI chunk format as JSON texts (the `data:` payloads), grouped as they arrived from
   * the network so the gateway can write each group in one socket write; ends when the provider's stream
   * ends. Texts rather than objects: the relay rewrites the id and reads usage without a full parse.
   */
  batches: AsyncIterable<string[]>;
}

/** A call in Anthropic's Messages format: the edge's body (LiteLLM's fields still in it) and the client's Anthropic headers. */
export interface MessagesCall {
  readonly body: Record<string, unknown>;
  /** `anthropic-version`, when the client sent one. */
  readonly version?: string;
  /** `anthropic-beta` values the client sent; an adapter passes on those its provider takes. */
  readonly betas: readonly string[];
}

/** A Messages reply: Anthropic's JSON, or Anthropic's stream events (the `data:` JSON texts, each with its `type`). */
export type MessagesResult = { readonly kind: 'json'; readonly body: JsonObject; readonly headers: ForwardedHeaders } | { readonly kind: 'stream'; readonly stream: StreamResult };

/**
 * What a provider must offer. Adapters translate between the canonical OpenAI format and the
 * vendor's at the edge; they get credentials from the Deployment and never read config or env.
 * `signal` aborts the upstream call (client gone, timeout, guardrail block).
 */
export interface ProviderAdapter {
  readonly id: ProviderId;
  chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>>;
  chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult>;
  completion(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>>;
  completionStream(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult>;
  embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult>;

  /** Optional operations: a provider without one answers "model=… does not support …" (MediaService checks). */
  imageGeneration?(request: ImageGenerationRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>>;
  /** Relayed as the provider answers: JSON, or text/srt/vtt when `response_format` asks for it. */
  audioTranscription?(upload: MultipartUpload, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult>;
  audioSpeech?(request: SpeechRequest, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult>;
  moderation?(request: ModerationRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>>;
  rerank?(request: RerankRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<RerankResponse>>;
  /** The files API: an upload, and GET/DELETE on `files`, `files/{id}`, `files/{id}/content` (relayed as they are). */
  createFile?(upload: MultipartUpload, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult>;
  fileRequest?(method: 'GET' | 'DELETE', path: string, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult>;
  /**
   * OpenAI's Responses API spoken natively (OpenAI, Azure OpenAI): the request goes to the upstream's `responses`
   * endpoint as it is. A provider without it is served through `chat` (the RESPONSES operation translates).
   * The stream's texts are the Responses API's typed events (`response.created`, `response.output_text.delta` …).
   */
  responses?(request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>>;
  responsesStream?(request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<StreamResult>;

  /**
   * Anthropic's Messages API spoken natively (Anthropic; Claude on Bedrock), for the deployments `speaksMessages`
   * accepts: the body as the client sent it (cache_control, thinking blocks, betas kept), the reply as Anthropic's.
   * Without it the Messages edge translates the call to chat.
   */
  messages?(call: MessagesCall, deployment: Deployment, signal: AbortSignal, streaming: boolean): Promise<MessagesResult>;
  speaksMessages?(deployment: Deployment): boolean;
  /** `POST /v1/messages/count_tokens` natively; without it the tokens are counted locally. */
  countMessageTokens?(call: MessagesCall, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>>;
  /** The Batch API: `POST batches`, `GET batches[/{id}]`, `POST batches/{id}/cancel` (JSON, relayed as it is). */
  batchRequest?(method: 'GET' | 'POST', path: string, body: JsonObject | undefined, deployment: Deployment, signal: AbortSignal): Promise<BinaryResult>;
  /** Opens the deployment's realtime websocket (OpenAI `/v1/realtime`, Azure `/openai/realtime`). */
  openRealtime?(deployment: Deployment, signal: AbortSignal): Promise<RealtimeConnection>;
}

/** An open realtime websocket to a provider, paused until the edge listens (`resume()`); events are relayed both ways. */
export type RealtimeConnection = WebSocket;

export const PROVIDER_ADAPTERS = Symbol('PROVIDER_ADAPTERS');
