import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../../common/errors/http-errors';
import type { ChatCompletionRequest, ChatMessage, CompletionObject, Usage } from '../../openai.types';
import { contentParts, functionToolsOf, isSystemRole, maxTokensOf, parseArguments, stopSequences, textOf, toolCallsOf, toolNameFor } from '../openai-message';
import { ChunkBuilder, type ChunkTranslator, type ToolCallDelta, usageOf } from '../stream-translation';

type GeminiPart =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: Record<string, unknown>; id?: string } }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
}

interface GeminiCandidate {
  index?: number;
  content?: { role?: string; parts?: Record<string, unknown>[] };
  finishReason?: string;
}

export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  promptFeedback?: { blockReason?: string };
}

/** OpenAI sampling fields and their `generationConfig` names. */
const GENERATION_FIELDS: Record<string, string> = {
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  n: 'candidateCount',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  seed: 'seed',
};

/** JSON-schema keywords Gemini's OpenAPI-subset schemas refuse; OpenAI clients send them routinely. */
const UNSUPPORTED_SCHEMA_KEYS = new Set(['additionalProperties', '$schema', 'strict', '$id', '$comment']);

/** OpenAI chat request → Gemini `generateContent` request. */
export function toGeminiRequest(request: ChatCompletionRequest, params: Record<string, unknown>): Record<string, unknown> {
  const system: { text: string }[] = [];
  const contents: GeminiContent[] = [];
  const push = (role: GeminiContent['role'], parts: GeminiPart[]): void => {
    if (parts.length === 0) return;
    // Parallel function responses must travel in one turn, as many parts as there were calls.
    const last = contents[contents.length - 1];
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  for (const message of request.messages) {
    if (isSystemRole(message.role)) {
      const text = textOf(message.content);
      if (text) system.push({ text });
    } else if (message.role === 'user') push('user', userParts(message));
    else if (message.role === 'assistant') push('model', modelParts(message));
    else if (message.role === 'tool' || message.role === 'function') {
      const name = toolNameFor(request.messages, message.tool_call_id) ?? (typeof message.name === 'string' ? message.name : undefined);
      if (!name) throw new BadRequestError('a tool message must answer a tool call of an earlier assistant message (tool_call_id)', 'messages');
      push('user', [{ functionResponse: { name, response: { content: textOf(message.content) } } }]);
    } else throw new BadRequestError(`unsupported message role ${JSON.stringify(message.role)}`, 'messages');
  }
  const body: Record<string, unknown> = { contents };
  if (system.length) body.systemInstruction = { parts: system };
  const generationConfig: Record<string, unknown> = {};
  for (const [openAiName, geminiName] of Object.entries(GENERATION_FIELDS)) if (typeof request[openAiName] === 'number') generationConfig[geminiName] = request[openAiName];
  const maxTokens = maxTokensOf(request, params);
  if (maxTokens !== undefined) generationConfig.maxOutputTokens = maxTokens;
  const stop = stopSequences(request.stop);
  if (stop?.length) generationConfig.stopSequences = stop;
  const format = request.response_format as { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  if (format?.type === 'json_object' || format?.type === 'json_schema') generationConfig.responseMimeType = 'application/json';
  if (format?.type === 'json_schema' && format.json_schema?.schema) generationConfig.responseSchema = cleanSchema(format.json_schema.schema);
  if (Object.keys(generationConfig).length) body.generationConfig = generationConfig;
  const tools = functionToolsOf(request.tools);
  if (tools.length) {
    body.tools = [
      {
        functionDeclarations: tools.map((tool) => {
          const declaration: Record<string, unknown> = { name: tool.function.name };
          if (tool.function.description) declaration.description = tool.function.description;
          const parameters = tool.function.parameters;
          // Gemini refuses an object schema without properties; a function with no parameters simply has none.
          if (parameters && Object.keys((parameters.properties as object | undefined) ?? {}).length) declaration.parameters = cleanSchema(parameters);
          return declaration;
        }),
      },
    ];
    const toolConfig = toolConfigOf(request.tool_choice);
    if (toolConfig) body.toolConfig = toolConfig;
  }
  if (Array.isArray(params.safety_settings)) body.safetySettings = params.safety_settings;
  return body;
}

function userParts(message: ChatMessage): GeminiPart[] {
  return contentParts(message.content).map((part): GeminiPart => {
    if (part.type === 'text') return { text: part.text };
    if (part.image.kind === 'inline') return { inlineData: { mimeType: part.image.mediaType, data: part.image.base64 } };
    return { fileData: { mimeType: mimeTypeOfUrl(part.image.url), fileUri: part.image.url } };
  });
}

function modelParts(message: ChatMessage): GeminiPart[] {
  const parts: GeminiPart[] = [];
  const text = textOf(message.content);
  if (text) parts.push({ text });
  for (const call of toolCallsOf(message)) parts.push({ functionCall: { name: call.function.name, args: parseArguments(call.function.arguments) } });
  return parts;
}

function mimeTypeOfUrl(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const known: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    gif: 'image/gif',
    pdf: 'application/pdf',
    mp3: 'audio/mp3',
    wav: 'audio/wav',
    mp4: 'video/mp4',
  };
  return (extension && known[extension]) ?? 'image/jpeg';
}

function toolConfigOf(choice: unknown): Record<string, unknown> | undefined {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  const name = (choice as { function?: { name?: unknown } } | undefined)?.function?.name;
  if (typeof name === 'string') return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [name] } };
  return undefined;
}

export function cleanSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(cleanSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (!UNSUPPORTED_SCHEMA_KEYS.has(key)) out[key] = key === 'properties' ? mapValues(value, cleanSchema) : cleanSchema(value);
  return out;
}

function mapValues(value: unknown, map: (item: unknown) => unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, map(item)]));
}

const FINISH_REASONS: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'stop',
};

export function finishReasonOf(reason: string | undefined, hasToolCalls: boolean): string {
  if (hasToolCalls) return 'tool_calls';
  return (reason && FINISH_REASONS[reason]) ?? 'stop';
}

export function usageFromGemini(metadata: GeminiUsageMetadata | undefined): Usage {
  const prompt = metadata?.promptTokenCount ?? 0;
  const reasoning = metadata?.thoughtsTokenCount ?? 0;
  const completion = (metadata?.candidatesTokenCount ?? 0) + reasoning;
  const extra: Record<string, unknown> = { prompt_tokens_details: { cached_tokens: metadata?.cachedContentTokenCount ?? 0 } };
  if (reasoning) extra.completion_tokens_details = { reasoning_tokens: reasoning };
  return usageOf(prompt, completion, extra);
}

function toolCallId(call: { id?: string }): string {
  return call.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}

interface CandidateContent {
  text: string;
  reasoning: string;
  toolCalls: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

function contentOf(candidate: GeminiCandidate): CandidateContent {
  const out: CandidateContent = { text: '', reasoning: '', toolCalls: [] };
  for (const part of candidate.content?.parts ?? []) {
    if (typeof part.text === 'string') {
      if (part.thought === true) out.reasoning += part.text;
      else out.text += part.text;
    }
    const call = part.functionCall as { name: string; args?: Record<string, unknown>; id?: string } | undefined;
    if (call) out.toolCalls.push({ id: toolCallId(call), type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } });
  }
  return out;
}

/**
 * Gemini `generateContent` answer → chat.completion. A prompt Gemini blocks outright has no candidates; it is
 * answered as OpenAI answers a filtered completion: empty content, `finish_reason: content_filter`.
 */
export function fromGeminiResponse(response: GeminiResponse, upstreamModel: string): CompletionObject {
  const candidates = response.candidates ?? [];
  const choices = candidates.length
    ? candidates.map((candidate, position) => {
        const { text, reasoning, toolCalls } = contentOf(candidate);
        const message: Record<string, unknown> = { role: 'assistant', content: toolCalls.length && !text ? null : text };
        if (toolCalls.length) message.tool_calls = toolCalls;
        if (reasoning) message.reasoning_content = reasoning;
        return { index: candidate.index ?? position, message, finish_reason: finishReasonOf(candidate.finishReason, toolCalls.length > 0), logprobs: null };
      })
    : [{ index: 0, message: { role: 'assistant', content: '' }, finish_reason: response.promptFeedback?.blockReason ? 'content_filter' : 'stop', logprobs: null }];
  return {
    id: response.responseId ?? `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? upstreamModel,
    choices,
    usage: usageFromGemini(response.usageMetadata),
  };
}

/**
 * `streamGenerateContent?alt=sse` events → OpenAI chunks. Each event is a partial response: text arrives in
 * pieces, function calls arrive whole, and usage metadata grows as it goes (the last one counts). Only the first
 * candidate is streamed (`n > 1` streams are not something Gemini's stream numbers apart).
 */
export class GeminiChunkTranslator implements ChunkTranslator<GeminiResponse> {
  private readonly chunks: ChunkBuilder;
  private toolCalls = 0;
  private finishReason: string | undefined;
  private usage: GeminiUsageMetadata | undefined;
  private blocked = false;

  constructor(upstreamModel: string) {
    this.chunks = new ChunkBuilder(upstreamModel);
  }

  next(event: GeminiResponse): object[] {
    if (event.responseId && this.chunks.id.startsWith('chatcmpl-')) this.chunks.id = event.responseId;
    if (event.modelVersion) this.chunks.model = event.modelVersion;
    if (event.usageMetadata) this.usage = event.usageMetadata;
    if (event.promptFeedback?.blockReason) this.blocked = true;
    const candidate = event.candidates?.[0];
    if (!candidate) return [];
    if (candidate.finishReason) this.finishReason = candidate.finishReason;
    const { text, reasoning, toolCalls } = contentOf(candidate);
    const out: object[] = [];
    if (reasoning) out.push(this.chunks.delta({ reasoning_content: reasoning }));
    if (text) out.push(this.chunks.delta({ content: text }));
    if (toolCalls.length) {
      const deltas: ToolCallDelta[] = toolCalls.map((call) => ({ index: this.toolCalls++, ...call }));
      out.push(this.chunks.delta({ content: null, tool_calls: deltas }));
    }
    return out;
  }

  end(): object[] {
    const reason = this.blocked ? 'content_filter' : finishReasonOf(this.finishReason, this.toolCalls > 0);
    return [this.chunks.finish(reason), this.chunks.usage(usageFromGemini(this.usage))];
  }
}
