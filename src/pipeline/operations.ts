import type { GuardrailOperation } from '@tollgate/guardrail-sdk';
import type { Readable } from 'node:stream';
import type { GuardrailReply, GuardrailText } from '../guardrails/guardrail-call';
import { estimateChatPromptTokens, estimateTextTokens } from '../catalog/token-counter';
import type { Deployment } from '../routing/deployment';
import type { ChatCompletionRequest, ChatMessage, EmbeddingRequest, LlmOperation, TextCompletionRequest, Usage } from '../routing/openai.types';
import type { BinaryResult, JsonObject, MultipartUpload } from '../routing/providers/media.types';
import type { ForwardedHeaders, ProviderAdapter, StreamResult } from '../routing/providers/provider-adapter';
import type { RealtimeConnection } from '../routing/providers/realtime';
import { UnsupportedOperationError } from '../routing/routing.errors';
import { anyBodyText, chatMessagesText, choicesReply, fieldsText, textFieldReply } from './guardrail-texts';
import type { StreamCodec } from './stream-events';

export type OperationName =
  | 'chat'
  | 'completion'
  | 'embedding'
  | 'image_generation'
  | 'speech'
  | 'transcription'
  | 'moderation'
  | 'rerank'
  | 'create_file'
  | 'file_request'
  | 'create_batch'
  | 'batch_request'
  | 'batch_usage'
  | 'realtime'
  | 'pass_through';

/** What the edge hands the pipeline besides the JSON body: an upload, or a files API request. */
export interface CallInput {
  /** The JSON body, or a multipart upload's form fields. */
  readonly body: Record<string, unknown>;
  readonly upload?: MultipartUpload;
  readonly fileRequest?: { readonly method: 'GET' | 'DELETE'; readonly path: string };
  /** A Batch API request: the body is the batch as the provider gets it (no proxy fields). */
  readonly batchRequest?: { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: JsonObject };
  /**
   * The edge's own refusal (someone else's file or batch is a 404), checked after admission and before the provider
   * is called, so a caller over its limits is refused the same way on every edge, as it would be for a provider's 404.
   */
  readonly precondition?: () => void;
}

/** What a provider (or a pass-through target) answered, before the pipeline prices and records it. */
export type ProviderAnswer =
  | {
      readonly kind: 'json';
      readonly body: JsonObject;
      readonly headers: ForwardedHeaders;
      readonly usage: Usage | null;
      readonly providerResponseId: string | null;
    }
  | {
      readonly kind: 'raw';
      readonly status: number;
      readonly contentType: string;
      readonly payload: string | Buffer | Readable;
      readonly headers: ForwardedHeaders;
      readonly usage: Usage | null;
      readonly providerResponseId: string | null;
      /** The model the reply names (a pass-through target's reply), priced from the catalog. */
      readonly model?: string;
    }
  | { readonly kind: 'stream'; readonly stream: StreamResult };

/** How the reservation sizes a call: its prompt, and the most its reply can take (null: what this key's replies usually take). */
export interface CallEstimate {
  readonly promptTokens: number;
  readonly replyTokens: number | null;
}

/**
 * What the one call pipeline needs to know about an operation: its names in spend rows and ids, what guardrails
 * read and rewrite, how a call is estimated for the budget reservation, and how an adapter is asked for it.
 * Every stage is the pipeline's; an operation only describes.
 */
export interface Operation {
  readonly name: OperationName;
  /** LiteLLM's `call_type` on the spend row. */
  readonly callType: string;
  /** Prefix of Tollgate's call id (`chatcmpl-…`). */
  readonly idPrefix: string;
  /** How the router's context-window checks read the request. */
  readonly routerOperation: LlmOperation;
  readonly guardrailOperation: GuardrailOperation;
  /** Whether the operation streams at all (chat, completions …). */
  readonly streams: boolean;
  /** How its streamed events are read; OpenAI chunks when absent. */
  readonly streamCodec?: StreamCodec;
  /** The request's text for guardrails; null when it carries none. */
  text(input: CallInput): GuardrailText | null;
  /** The reply's text for `post_call`; undefined when it carries none. */
  replyText(answer: ProviderAnswer): GuardrailReply | undefined;
  estimate(input: CallInput): CallEstimate;
  /** Asks the adapter; absent for pass-through, whose target is fixed by configuration. */
  invoke?(adapter: ProviderAdapter, input: CallInput, deployment: Deployment, signal: AbortSignal, streaming: boolean): Promise<ProviderAnswer>;
  /** Opens a session's upstream connection (realtime); sessions are run by `CallPipeline.openSession`. */
  connect?(adapter: ProviderAdapter, deployment: Deployment, signal: AbortSignal): Promise<RealtimeConnection>;
}

function numberOr(value: unknown, fallback: number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function maxReplyTokens(body: Record<string, unknown>): number | null {
  return numberOr(body.max_completion_tokens, numberOr(body.max_tokens, null));
}

function textTokens(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + (typeof item === 'string' ? estimateTextTokens(item) : 0), 0);
  return estimateTextTokens(value);
}

function jsonAnswer(body: JsonObject, headers: ForwardedHeaders, usage: Usage | null): ProviderAnswer {
  return { kind: 'json', body, headers, usage, providerResponseId: typeof body.id === 'string' ? body.id : null };
}

/** gpt-image-1 and gpt-4o-transcribe report `input_tokens`/`output_tokens`; older models report nothing. */
export function tokenUsageOf(usage: unknown): Usage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const fields = usage as Record<string, unknown>;
  const prompt = typeof fields.input_tokens === 'number' ? fields.input_tokens : typeof fields.prompt_tokens === 'number' ? fields.prompt_tokens : 0;
  const completion = typeof fields.output_tokens === 'number' ? fields.output_tokens : typeof fields.completion_tokens === 'number' ? fields.completion_tokens : 0;
  return prompt || completion ? { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } : null;
}

/** Relayed bytes; a JSON answer (a transcription, a file object) is read for its usage and id. */
function binaryAnswer(result: BinaryResult): ProviderAnswer {
  let usage: Usage | null = null;
  let providerResponseId: string | null = null;
  if (result.contentType.includes('json') && result.body.length < 1024 * 1024) {
    try {
      const parsed = JSON.parse(result.body.toString('utf8')) as JsonObject;
      usage = tokenUsageOf(parsed.usage);
      providerResponseId = typeof parsed.id === 'string' ? parsed.id : null;
    } catch {
      // Not JSON after all: relayed as it is.
    }
  }
  return { kind: 'raw', status: 200, contentType: result.contentType, payload: result.body, headers: result.headers, usage, providerResponseId };
}

function unsupported(label: string, deployment: Deployment): never {
  throw new UnsupportedOperationError(label, deployment.modelName);
}

const noReply = (): undefined => undefined;
const noEstimate = (): CallEstimate => ({ promptTokens: 0, replyTokens: 0 });

export const CHAT: Operation = {
  name: 'chat',
  callType: 'acompletion',
  idPrefix: 'chatcmpl-',
  routerOperation: 'chat',
  guardrailOperation: 'chat',
  streams: true,
  text: (input) => chatMessagesText(input.body),
  replyText: (answer) => (answer.kind === 'json' ? choicesReply(answer.body) : undefined),
  estimate: (input) => ({ promptTokens: estimateChatPromptTokens((input.body as ChatCompletionRequest).messages), replyTokens: maxReplyTokens(input.body) }),
  invoke: async (adapter, input, deployment, signal, streaming) => {
    const body = input.body as ChatCompletionRequest;
    if (streaming) return { kind: 'stream', stream: await adapter.chatStream(body, deployment, signal) };
    const result = await adapter.chat(body, deployment, signal);
    return jsonAnswer(result.body, result.headers, result.body.usage ?? null);
  },
};

export const COMPLETION: Operation = {
  name: 'completion',
  callType: 'atext_completion',
  idPrefix: 'cmpl-',
  routerOperation: 'completion',
  guardrailOperation: 'completion',
  streams: true,
  text: (input) => fieldsText(input.body, ['prompt']),
  replyText: (answer) => (answer.kind === 'json' ? choicesReply(answer.body) : undefined),
  estimate: (input) => ({ promptTokens: textTokens((input.body as TextCompletionRequest).prompt), replyTokens: maxReplyTokens(input.body) }),
  invoke: async (adapter, input, deployment, signal, streaming) => {
    const body = input.body as TextCompletionRequest;
    if (streaming) return { kind: 'stream', stream: await adapter.completionStream(body, deployment, signal) };
    const result = await adapter.completion(body, deployment, signal);
    return jsonAnswer(result.body, result.headers, result.body.usage ?? null);
  },
};

export const EMBEDDING: Operation = {
  name: 'embedding',
  callType: 'aembedding',
  idPrefix: 'emb-',
  routerOperation: 'embedding',
  guardrailOperation: 'embedding',
  streams: false,
  text: (input) => fieldsText(input.body, ['input']),
  replyText: noReply,
  estimate: (input) => ({ promptTokens: textTokens((input.body as EmbeddingRequest).input), replyTokens: 0 }),
  invoke: async (adapter, input, deployment, signal) => {
    // Embeddings are relayed unparsed: vectors are the bulk of the bytes and only `usage` is read out.
    const result = await adapter.embeddings(input.body as EmbeddingRequest, deployment, signal);
    const usage = result.usage ? { prompt_tokens: result.usage.prompt_tokens, completion_tokens: 0, total_tokens: result.usage.total_tokens } : null;
    return { kind: 'raw', status: 200, contentType: 'application/json', payload: result.rawJson, headers: result.headers, usage, providerResponseId: null };
  },
};

export const IMAGE_GENERATION: Operation = {
  name: 'image_generation',
  callType: 'aimage_generation',
  idPrefix: 'img-',
  routerOperation: 'completion',
  guardrailOperation: 'image_generation',
  streams: false,
  text: (input) => fieldsText(input.body, ['prompt']),
  replyText: noReply,
  estimate: (input) => ({ promptTokens: textTokens(input.body.prompt), replyTokens: 0 }),
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.imageGeneration) unsupported('image generation', deployment);
    const result = await adapter.imageGeneration(input.body as never, deployment, signal);
    return jsonAnswer(result.body, result.headers, tokenUsageOf(result.body.usage));
  },
};

export const SPEECH: Operation = {
  name: 'speech',
  callType: 'aspeech',
  idPrefix: 'tts-',
  routerOperation: 'completion',
  guardrailOperation: 'speech',
  streams: false,
  text: (input) => fieldsText(input.body, ['input']),
  replyText: noReply,
  estimate: (input) => ({ promptTokens: textTokens(input.body.input), replyTokens: 0 }),
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.audioSpeech) unsupported('audio speech', deployment);
    return binaryAnswer(await adapter.audioSpeech(input.body as never, deployment, signal));
  },
};

export const TRANSCRIPTION: Operation = {
  name: 'transcription',
  callType: 'atranscription',
  idPrefix: 'trsc-',
  routerOperation: 'completion',
  guardrailOperation: 'transcription',
  streams: false,
  text: (input) => fieldsText(input.body, ['prompt']),
  // The transcript is the reply: post_call reads it when the provider answered JSON.
  replyText: (answer) => {
    if (answer.kind !== 'raw' || !answer.contentType.includes('json') || !Buffer.isBuffer(answer.payload)) return undefined;
    return transcriptReply(answer);
  },
  estimate: noEstimate,
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.audioTranscription || !input.upload) unsupported('audio transcription', deployment);
    return binaryAnswer(await adapter.audioTranscription(input.upload, deployment, signal));
  },
};

/** A JSON transcription's `text`, rewritten in the relayed bytes when a guardrail changes it. */
function transcriptReply(answer: Extract<ProviderAnswer, { kind: 'raw' }>): GuardrailReply | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse((answer.payload as Buffer).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const reply = textFieldReply(parsed);
  if (!reply) return undefined;
  return {
    texts: reply.texts,
    write: (texts) => {
      reply.write(texts);
      (answer as { payload: Buffer }).payload = Buffer.from(JSON.stringify(parsed));
    },
  };
}

export const MODERATION: Operation = {
  name: 'moderation',
  callType: 'amoderation',
  idPrefix: 'modr-',
  routerOperation: 'completion',
  guardrailOperation: 'moderation',
  streams: false,
  text: (input) => fieldsText(input.body, ['input']),
  replyText: noReply,
  estimate: (input) => ({ promptTokens: textTokens(input.body.input), replyTokens: 0 }),
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.moderation) unsupported('moderations', deployment);
    const result = await adapter.moderation(input.body as never, deployment, signal);
    return jsonAnswer(result.body, result.headers, null);
  },
};

export const RERANK: Operation = {
  name: 'rerank',
  callType: 'arerank',
  idPrefix: 'rrk-',
  routerOperation: 'completion',
  guardrailOperation: 'rerank',
  streams: false,
  text: (input) => fieldsText(input.body, ['query', 'documents']),
  replyText: noReply,
  estimate: (input) => ({ promptTokens: textTokens(input.body.query) + textTokens(input.body.documents), replyTokens: 0 }),
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.rerank) unsupported('rerank', deployment);
    const result = await adapter.rerank(input.body as never, deployment, signal);
    const tokens = result.body.meta?.tokens?.input_tokens ?? result.body.meta?.billed_units?.input_tokens;
    const usage = typeof tokens === 'number' ? { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens } : null;
    return { kind: 'json', body: result.body as unknown as JsonObject, headers: result.headers, usage, providerResponseId: result.body.id ?? null };
  },
};

export const CREATE_FILE: Operation = {
  name: 'create_file',
  callType: 'acreate_file',
  idPrefix: 'file-',
  routerOperation: 'completion',
  guardrailOperation: 'pass_through',
  streams: false,
  text: () => null,
  replyText: noReply,
  estimate: noEstimate,
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.createFile || !input.upload) unsupported('files', deployment);
    return binaryAnswer(await adapter.createFile(input.upload, deployment, signal));
  },
};

export const FILE_REQUEST: Operation = {
  name: 'file_request',
  callType: 'afile_request',
  idPrefix: 'file-',
  routerOperation: 'completion',
  guardrailOperation: 'pass_through',
  streams: false,
  text: () => null,
  replyText: noReply,
  estimate: noEstimate,
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.fileRequest || !input.fileRequest) unsupported('files', deployment);
    return binaryAnswer(await adapter.fileRequest(input.fileRequest.method, input.fileRequest.path, deployment, signal));
  },
};

/**
 * A batch object is relayed without charging it: a batch's own `usage` (newer API versions report it) is charged
 * once, from its output file, when it completes (BATCH_USAGE), never on each create or retrieve.
 */
function batchObjectAnswer(result: BinaryResult): ProviderAnswer {
  const answer = binaryAnswer(result);
  return answer.kind === 'raw' ? { ...answer, usage: null } : answer;
}

export const CREATE_BATCH: Operation = {
  name: 'create_batch',
  callType: 'acreate_batch',
  idPrefix: 'batch_req_',
  routerOperation: 'completion',
  guardrailOperation: 'pass_through',
  streams: false,
  text: () => null,
  replyText: noReply,
  estimate: noEstimate,
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.batchRequest || !input.batchRequest) unsupported('batches', deployment);
    return batchObjectAnswer(await adapter.batchRequest('POST', 'batches', input.batchRequest.body, deployment, signal));
  },
};

export const BATCH_REQUEST: Operation = {
  name: 'batch_request',
  callType: 'abatch_request',
  idPrefix: 'batch_req_',
  routerOperation: 'completion',
  guardrailOperation: 'pass_through',
  streams: false,
  text: () => null,
  replyText: noReply,
  estimate: noEstimate,
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.batchRequest || !input.batchRequest) unsupported('batches', deployment);
    const { method, path, body } = input.batchRequest;
    return batchObjectAnswer(await adapter.batchRequest(method, path, body, deployment, signal));
  },
};

/** The spend of a completed batch, charged once from its output file's usage (`CallPipeline.chargeOnce`). */
export const BATCH_USAGE: Operation = {
  name: 'batch_usage',
  callType: 'batch',
  idPrefix: 'batch_',
  routerOperation: 'completion',
  guardrailOperation: 'pass_through',
  streams: false,
  text: () => null,
  replyText: noReply,
  estimate: noEstimate,
};

/** A realtime websocket session: admitted at connect, charged per `response.done` (`CallPipeline.openSession`). */
export const REALTIME: Operation = {
  name: 'realtime',
  callType: 'realtime',
  idPrefix: 'rt_',
  routerOperation: 'chat',
  guardrailOperation: 'pass_through',
  streams: false,
  text: () => null,
  replyText: noReply,
  estimate: noEstimate,
  connect: (adapter, deployment, signal) => {
    if (!adapter.openRealtime) unsupported('realtime', deployment);
    return adapter.openRealtime(deployment, signal);
  },
};

export const PASS_THROUGH: Operation = {
  name: 'pass_through',
  callType: 'pass_through_endpoint',
  idPrefix: '',
  routerOperation: 'completion',
  guardrailOperation: 'pass_through',
  streams: false,
  text: (input) => anyBodyText(input.body),
  replyText: noReply,
  estimate: (input) =>
    Array.isArray(input.body.messages)
      ? { promptTokens: estimateChatPromptTokens(input.body.messages as ChatMessage[]), replyTokens: maxReplyTokens(input.body) }
      : { promptTokens: textTokens(input.body.prompt ?? input.body.input), replyTokens: maxReplyTokens(input.body) },
};

export const OPERATIONS: Readonly<Record<OperationName, Operation>> = {
  chat: CHAT,
  completion: COMPLETION,
  embedding: EMBEDDING,
  image_generation: IMAGE_GENERATION,
  speech: SPEECH,
  transcription: TRANSCRIPTION,
  moderation: MODERATION,
  rerank: RERANK,
  create_file: CREATE_FILE,
  file_request: FILE_REQUEST,
  create_batch: CREATE_BATCH,
  batch_request: BATCH_REQUEST,
  batch_usage: BATCH_USAGE,
  realtime: REALTIME,
  pass_through: PASS_THROUGH,
};
