import type { GuardrailOperation } from '@tollgate/guardrail-sdk';
import type { Readable } from 'node:stream';
import type { GuardrailReply, GuardrailText } from '../guardrails/guardrail-call';
import { countChatPromptTokens, countTextTokens, estimateChatPromptTokens, estimateTextTokens } from '../catalog/token-counter';
import type { Deployment } from '../routing/deployment';
import type { ChatCompletionRequest, ChatMessage, EmbeddingRequest, LlmOperation, TextCompletionRequest, Usage } from '../routing/openai.types';
import type { BinaryResult, JsonObject, MultipartUpload } from '../routing/providers/media.types';
import type { ForwardedHeaders, MessagesCall, ProviderAdapter, StreamResult } from '../routing/providers/provider-adapter';
import { messagesHeadersOf, usageFromMessages, type MessagesBlock, type MessagesUsage } from '../routing/providers/anthropic/anthropic-messages';
import { chatRequestFromMessages, messageFromChatCompletion, messagesEventsFromChat } from '../routing/providers/anthropic/messages-via-chat';
import {
  chatRequestFromResponses,
  EMPTY_RESPONSES_CONTEXT,
  inputItemsOf,
  nativeResponsesRequest,
  responseFromChat,
  ResponsesEventsFromChat,
  usageFromResponses,
  type ResponsesContext,
} from '../routing/providers/responses-via-chat';
import type { RealtimeConnection } from '../routing/providers/realtime';
import { UnsupportedOperationError } from '../routing/routing.errors';
import {
  anthropicMessageReply,
  anthropicMessagesText,
  anyBodyText,
  chatMessagesText,
  choicesReply,
  fieldsText,
  responsesInputText,
  responsesReply,
  textFieldReply,
} from './guardrail-texts';
import { RESPONSES_EVENTS } from './responses-events';
import { ANTHROPIC_EVENTS, type StreamCodec } from './stream-events';

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
  | 'responses'
  | 'get_response'
  | 'delete_response'
  | 'list_response_input_items'
  | 'create_batch'
  | 'batch_request'
  | 'batch_usage'
  | 'realtime'
  | 'pass_through'
  | 'anthropic_messages'
  | 'anthropic_count_tokens';

/** What the edge hands the pipeline besides the JSON body: an upload, or a files API request. */
export interface CallInput {
  /** The JSON body, or a multipart upload's form fields. */
  readonly body: Record<string, unknown>;
  readonly upload?: MultipartUpload;
  readonly fileRequest?: { readonly method: 'GET' | 'DELETE'; readonly path: string };
  /** A Responses API call's stored state (the turns it continues, the items it references), resolved by the edge. */
  readonly responses?: ResponsesContext;
  /** Headers the client sent for the provider (Anthropic's `anthropic-version`, `anthropic-beta`); adapters pick what they pass on. */
  readonly providerHeaders?: Readonly<Record<string, string>>;
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
  /** Where the body keeps LiteLLM's `metadata` (tags, spend_logs_metadata); `metadata` when absent. */
  readonly metadataField?: string;
  /** The end user the body names; its `user` when absent. */
  endUserOf?(body: Record<string, unknown>): string | undefined;
  /** The prompt's tokens counted with the model's tokenizer, for a stream that ends without usage; chat messages or `prompt` when absent. */
  countPromptTokens?(input: CallInput, model: string): number;
  /**
   * Replies may be served from the response cache (`litellm_settings.cache`): the request alone decides the
   * answer. Absent = never cached (uploads, files, side effects).
   */
  readonly cacheable?: boolean;
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

/**
 * An operation that carries no text for guardrails and reserves nothing ahead (files, batches, stored responses,
 * realtime sessions): admitted and recorded like any call, priced from what it reports, if anything.
 */
function textless(name: OperationName, callType: string, idPrefix: string, rest: Partial<Operation> = {}): Operation {
  return {
    name,
    callType,
    idPrefix,
    routerOperation: 'completion',
    guardrailOperation: 'pass_through',
    streams: false,
    text: () => null,
    replyText: noReply,
    estimate: noEstimate,
    ...rest,
  };
}

export const CHAT: Operation = {
  name: 'chat',
  callType: 'acompletion',
  idPrefix: 'chatcmpl-',
  routerOperation: 'chat',
  guardrailOperation: 'chat',
  streams: true,
  cacheable: true,
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
  cacheable: true,
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
  cacheable: true,
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
  cacheable: true,
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

export const CREATE_FILE = textless('create_file', 'acreate_file', 'file-', {
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.createFile || !input.upload) unsupported('files', deployment);
    return binaryAnswer(await adapter.createFile(input.upload, deployment, signal));
  },
});

export const FILE_REQUEST = textless('file_request', 'afile_request', 'file-', {
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.fileRequest || !input.fileRequest) unsupported('files', deployment);
    return binaryAnswer(await adapter.fileRequest(input.fileRequest.method, input.fileRequest.path, deployment, signal));
  },
});

/** The text of Responses items (message contents, function call outputs), for the reservation's estimate. */
function itemsText(items: readonly unknown[]): string {
  let text = '';
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const { content, output, arguments: args } = item as Record<string, unknown>;
    for (const value of [content, output, args]) {
      if (typeof value === 'string') text += value;
      else if (Array.isArray(value)) for (const part of value) if (typeof (part as { text?: unknown })?.text === 'string') text += (part as { text: string }).text;
    }
  }
  return text;
}

/**
 * OpenAI's Responses API (`POST /v1/responses`). OpenAI and Azure deployments get the request natively (stored
 * turns expanded into `input`, see `nativeResponsesRequest`); every other provider is asked through chat completions
 * and its answer rendered as a Response object or the Responses API's events. Guardrails read `instructions` and
 * the input; the stream is read by RESPONSES_EVENTS.
 */
export const RESPONSES: Operation = {
  name: 'responses',
  callType: 'aresponses',
  idPrefix: 'resp_',
  routerOperation: 'completion',
  guardrailOperation: 'chat',
  streams: true,
  streamCodec: RESPONSES_EVENTS,
  text: (input) => responsesInputText(input.body),
  replyText: (answer) => (answer.kind === 'json' ? responsesReply(answer.body) : undefined),
  estimate: (input) => {
    const history = (input.responses ?? EMPTY_RESPONSES_CONTEXT).history.flatMap((turn) => [...turn.input, ...turn.output]);
    const text = `${typeof input.body.instructions === 'string' ? input.body.instructions : ''}${itemsText(history)}${itemsText(inputItemsOf(input.body))}`;
    return { promptTokens: estimateTextTokens(text), replyTokens: numberOr(input.body.max_output_tokens, null) };
  },
  invoke: async (adapter, input, deployment, signal, streaming) => {
    const context = input.responses ?? EMPTY_RESPONSES_CONTEXT;
    if (adapter.responses && adapter.responsesStream) {
      const request = nativeResponsesRequest(input.body, context, deployment);
      if (streaming) return { kind: 'stream', stream: await adapter.responsesStream(request, deployment, signal) };
      const result = await adapter.responses(request, deployment, signal);
      return jsonAnswer(result.body, result.headers, usageFromResponses(result.body.usage));
    }
    const chat = chatRequestFromResponses(input.body, context, deployment, streaming);
    if (streaming) {
      const stream = await adapter.chatStream(chat, deployment, signal);
      return { kind: 'stream', stream: { headers: stream.headers, batches: new ResponsesEventsFromChat(input.body).events(stream.batches) } };
    }
    const result = await adapter.chat(chat, deployment, signal);
    return jsonAnswer(responseFromChat(result.body, input.body), result.headers, result.body.usage ?? null);
  },
};

/**
 * Reads and deletes of stored responses (`GET/DELETE /v1/responses/{id}`, `…/input_items`): answered from
 * Tollgate's own store through a fixed target, admitted and recorded like any call (LiteLLM's call types).
 */
export const GET_RESPONSE = textless('get_response', 'aget_responses', 'respget-');
export const DELETE_RESPONSE = textless('delete_response', 'adelete_responses', 'respdel-');
export const LIST_RESPONSE_INPUT_ITEMS = textless('list_response_input_items', 'alist_input_items', 'respitems-');

/**
 * A batch object is relayed without charging it: a batch's own `usage` (newer API versions report it) is charged
 * once, from its output file, when it completes (BATCH_USAGE), never on each create or retrieve.
 */
function batchObjectAnswer(result: BinaryResult): ProviderAnswer {
  const answer = binaryAnswer(result);
  return answer.kind === 'raw' ? { ...answer, usage: null } : answer;
}

export const CREATE_BATCH = textless('create_batch', 'acreate_batch', 'batch_req_', {
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.batchRequest || !input.batchRequest) unsupported('batches', deployment);
    return batchObjectAnswer(await adapter.batchRequest('POST', 'batches', input.batchRequest.body, deployment, signal));
  },
});

export const BATCH_REQUEST = textless('batch_request', 'abatch_request', 'batch_req_', {
  invoke: async (adapter, input, deployment, signal) => {
    if (!adapter.batchRequest || !input.batchRequest) unsupported('batches', deployment);
    const { method, path, body } = input.batchRequest;
    return batchObjectAnswer(await adapter.batchRequest(method, path, body, deployment, signal));
  },
});

/** The spend of a completed batch, charged once from its output file's usage (`CallPipeline.chargeOnce`). */
export const BATCH_USAGE = textless('batch_usage', 'batch', 'batch_');

/** A realtime websocket session: admitted at connect, charged per `response.done` (`CallPipeline.openSession`). */
export const REALTIME = textless('realtime', 'realtime', 'rt_', {
  routerOperation: 'chat',
  connect: (adapter, deployment, signal) => {
    if (!adapter.openRealtime) unsupported('realtime', deployment);
    return adapter.openRealtime(deployment, signal);
  },
});

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

/** The Anthropic Messages call of an edge's input: its body and the client's Anthropic headers. */
function messagesCallOf(input: CallInput): MessagesCall {
  return { body: input.body, ...messagesHeadersOf(input.providerHeaders) };
}

/**
 * A tokenizer-free estimate of a Messages request's prompt: its system prompt, tools and turns at ~4 characters a
 * token, tool calls and results by their JSON (they are the bulk of an agent's prompt), images and documents at the
 * floor a chat estimate uses.
 */
function estimateMessagesTokens(body: Record<string, unknown>): number {
  let tokens = estimateTextTokens(typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? JSON.stringify(body.system) : '');
  if (Array.isArray(body.tools)) tokens += estimateTextTokens(JSON.stringify(body.tools));
  for (const turn of Array.isArray(body.messages) ? (body.messages as { content?: unknown }[]) : []) {
    tokens += 3;
    if (typeof turn?.content === 'string') tokens += estimateTextTokens(turn.content);
    else if (Array.isArray(turn?.content)) {
      for (const block of turn.content as MessagesBlock[]) {
        if (block?.type === 'text') tokens += estimateTextTokens(block.text);
        else if (block?.type === 'image' || block?.type === 'document') tokens += estimateChatPromptTokens([{ role: 'user', content: [block] }]);
        else tokens += estimateTextTokens(JSON.stringify(block));
      }
    }
  }
  return tokens;
}

/** A Messages request's prompt counted with a tokenizer: its chat translation's messages, plus its tools. */
function countMessagesTokens(body: Record<string, unknown>, model: string): number {
  const chat = chatRequestFromMessages(body);
  return countChatPromptTokens(chat.messages, model) + (Array.isArray(chat.tools) ? countTextTokens(JSON.stringify(chat.tools), model) : 0);
}

/** LiteLLM reads a Messages call's end user from `litellm_metadata.user`, else Anthropic's `metadata.user_id`. */
function messagesEndUser(body: Record<string, unknown>): string | undefined {
  const litellm = body.litellm_metadata as { user?: unknown } | undefined;
  if (typeof litellm?.user === 'string' && litellm.user !== '') return litellm.user;
  const userId = (body.metadata as { user_id?: unknown } | undefined)?.user_id;
  return typeof userId === 'string' && userId !== '' ? userId : undefined;
}

/**
 * Anthropic's Messages API (`POST /v1/messages`). Providers that speak it (Anthropic, Claude on Bedrock) get the
 * request as it came and answer in Anthropic's format; every other provider gets it translated to chat, and its
 * reply, whole or streamed, is translated back. Either way the stream is Anthropic events, read by one codec.
 */
export const MESSAGES: Operation = {
  name: 'anthropic_messages',
  callType: 'anthropic_messages',
  idPrefix: 'msg_',
  routerOperation: 'chat',
  // Hooks see the turns as chat messages (system, user, assistant, tool), which is what they are.
  guardrailOperation: 'chat',
  streams: true,
  streamCodec: ANTHROPIC_EVENTS,
  metadataField: 'litellm_metadata',
  endUserOf: messagesEndUser,
  countPromptTokens: (input, model) => countMessagesTokens(input.body, model),
  text: (input) => anthropicMessagesText(input.body),
  replyText: (answer) => (answer.kind === 'json' ? anthropicMessageReply(answer.body) : undefined),
  estimate: (input) => ({ promptTokens: estimateMessagesTokens(input.body), replyTokens: numberOr(input.body.max_tokens, null) }),
  invoke: async (adapter, input, deployment, signal, streaming) => {
    if (adapter.messages && adapter.speaksMessages?.(deployment)) {
      const result = await adapter.messages(messagesCallOf(input), deployment, signal, streaming);
      if (result.kind === 'stream') return { kind: 'stream', stream: result.stream };
      return jsonAnswer(result.body, result.headers, usageFromMessages(result.body.usage as MessagesUsage | undefined));
    }
    const chat = chatRequestFromMessages(input.body);
    if (streaming) {
      const stream = await adapter.chatStream(chat, deployment, signal);
      return { kind: 'stream', stream: { headers: stream.headers, batches: messagesEventsFromChat(stream.batches, deployment.upstreamModel) } };
    }
    const result = await adapter.chat(chat, deployment, signal);
    return jsonAnswer(messageFromChatCompletion(result.body) as JsonObject, result.headers, result.body.usage ?? null);
  },
};

/**
 * `POST /v1/messages/count_tokens`: asked of a provider that counts natively (Anthropic), else counted here with
 * the model's tokenizer. Free, but a call all the same: model access, guardrails (the text reaches the provider),
 * rate windows and budgets apply, and it has its spend row.
 */
export const MESSAGES_COUNT_TOKENS: Operation = {
  name: 'anthropic_count_tokens',
  callType: 'anthropic_count_tokens',
  idPrefix: 'msg_count_',
  routerOperation: 'chat',
  guardrailOperation: 'chat',
  streams: false,
  metadataField: 'litellm_metadata',
  endUserOf: messagesEndUser,
  text: (input) => anthropicMessagesText(input.body),
  replyText: noReply,
  estimate: noEstimate,
  invoke: async (adapter, input, deployment, signal) => {
    if (adapter.countMessageTokens && adapter.speaksMessages?.(deployment)) {
      const result = await adapter.countMessageTokens(messagesCallOf(input), deployment, signal);
      return jsonAnswer(result.body, result.headers, null);
    }
    const tokens = countMessagesTokens(input.body, deployment.baseModel ?? deployment.upstreamModel);
    return { kind: 'json', body: { input_tokens: tokens }, headers: {}, usage: null, providerResponseId: null };
  },
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
  responses: RESPONSES,
  get_response: GET_RESPONSE,
  delete_response: DELETE_RESPONSE,
  list_response_input_items: LIST_RESPONSE_INPUT_ITEMS,
  create_batch: CREATE_BATCH,
  batch_request: BATCH_REQUEST,
  batch_usage: BATCH_USAGE,
  realtime: REALTIME,
  pass_through: PASS_THROUGH,
  anthropic_messages: MESSAGES,
  anthropic_count_tokens: MESSAGES_COUNT_TOKENS,
};
