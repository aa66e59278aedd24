import type { ChatCompletionRequest, ChatMessage, CompletionObject, Usage } from '../../openai.types';
import { BadRequestError } from '../../../common/errors/http-errors';
import {
  appendTurn,
  contentParts,
  functionToolsOf,
  type ImageSource,
  isSystemRole,
  maxTokensOf,
  messageCacheControl,
  parseArguments,
  stopSequences,
  textOf,
  toolCallsOf,
} from '../openai-message';
import { ChunkBuilder, type ChunkTranslator } from '../stream-translation';
import { MESSAGES_ERROR_STATUS, usageFromMessages } from './anthropic-messages';

/** Anthropic requires `max_tokens`; LiteLLM sends this when the request sets none. */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;

type AnthropicBlock =
  | { type: 'text'; text: string; cache_control?: Record<string, unknown> }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string }; cache_control?: Record<string, unknown> }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean }
  | { type: 'thinking'; thinking: string; signature?: string };

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

export interface AnthropicResponse {
  id: string;
  model: string;
  content: AnthropicBlock[];
  stop_reason: string | null;
  usage: AnthropicUsage;
}

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

/**
 * Structured output the way LiteLLM does it on Anthropic: a forced tool whose input schema is the requested schema;
 * its input comes back as the message content (JSON text), never as a tool call.
 */
export const JSON_MODE_TOOL = 'json_tool_call';

/** The schema `response_format` asks for, when the answer must be JSON and the request has no tools of its own. */
export function jsonModeSchema(request: ChatCompletionRequest): Record<string, unknown> | undefined {
  if (functionToolsOf(request.tools).length) return undefined;
  const format = request.response_format as { type?: string; json_schema?: { schema?: Record<string, unknown> } } | undefined;
  if (format?.type === 'json_schema' && format.json_schema?.schema) return format.json_schema.schema;
  if (format?.type === 'json_object') return { type: 'object', additionalProperties: true };
  return undefined;
}

/** Fields with the same name and meaning on both sides. */
const PASSED_THROUGH = ['temperature', 'top_p', 'top_k', 'thinking'] as const;

/** OpenAI chat request → Anthropic Messages request. */
export function toAnthropicRequest(request: ChatCompletionRequest, upstreamModel: string, params: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  const system: { type: 'text'; text: string; cache_control?: Record<string, unknown> }[] = [];
  const messages: AnthropicMessage[] = [];
  const push = (role: AnthropicMessage['role'], blocks: AnthropicBlock[]): void => appendTurn(messages, role, blocks);
  for (const message of request.messages) {
    if (isSystemRole(message.role)) {
      // Parts keep their own cache_control, so a cached prefix can be marked precisely.
      const parts = contentParts(message.content).filter((part) => part.type === 'text');
      const blocks = parts.map((part) => ({
        type: 'text' as const,
        text: part.type === 'text' ? part.text : '',
        ...(part.cacheControl ? { cache_control: part.cacheControl } : {}),
      }));
      system.push(...withMessageCacheControl(blocks, message));
    } else if (message.role === 'user') {
      push('user', withMessageCacheControl(userBlocks(message), message));
    } else if (message.role === 'assistant') {
      push('assistant', assistantBlocks(message));
    } else if (message.role === 'tool' || message.role === 'function') {
      const toolUseId = typeof message.tool_call_id === 'string' ? message.tool_call_id : String(message.name ?? '');
      push('user', [{ type: 'tool_result', tool_use_id: toolUseId, content: textOf(message.content) }]);
    } else {
      throw new BadRequestError(`unsupported message role ${JSON.stringify(message.role)}`, 'messages');
    }
  }
  const body: Record<string, unknown> = {
    model: upstreamModel,
    messages,
    max_tokens: maxTokensOf(request, params) ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
  };
  if (system.length) body.system = system;
  for (const field of PASSED_THROUGH) if (request[field] !== undefined && request[field] !== null) body[field] = request[field];
  const stop = stopSequences(request.stop);
  if (stop?.length) body.stop_sequences = stop;
  const tools = functionToolsOf(request.tools);
  if (tools.length) {
    body.tools = tools.map((tool) => ({
      name: tool.function.name,
      ...(tool.function.description ? { description: tool.function.description } : {}),
      input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    }));
    const choice = toolChoiceOf(request.tool_choice, request.parallel_tool_calls);
    if (choice) body.tool_choice = choice;
  }
  const jsonSchema = jsonModeSchema(request);
  if (jsonSchema) {
    body.tools = [{ name: JSON_MODE_TOOL, description: 'Answer with JSON matching this schema.', input_schema: jsonSchema }];
    body.tool_choice = { type: 'tool', name: JSON_MODE_TOOL };
  }
  if (typeof request.user === 'string' && request.user) body.metadata = { user_id: request.user };
  if (stream) body.stream = true;
  return body;
}

function userBlocks(message: ChatMessage): AnthropicBlock[] {
  return contentParts(message.content).map((part): AnthropicBlock => {
    const block: AnthropicBlock = part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image', source: imageSource(part.image) };
    return part.cacheControl ? ({ ...block, cache_control: part.cacheControl } as AnthropicBlock) : block;
  });
}

/** A message-level `cache_control` marks the message's last block, where Anthropic's cache breakpoint goes. */
function withMessageCacheControl<B extends object>(blocks: B[], message: ChatMessage): B[] {
  const cacheControl = messageCacheControl(message);
  if (!cacheControl || blocks.length === 0) return blocks;
  const last = blocks[blocks.length - 1];
  return [...blocks.slice(0, -1), { ...last, cache_control: cacheControl } as B];
}

function imageSource(image: ImageSource): Extract<AnthropicBlock, { type: 'image' }>['source'] {
  return image.kind === 'inline' ? { type: 'base64', media_type: image.mediaType, data: image.base64 } : { type: 'url', url: image.url };
}

function assistantBlocks(message: ChatMessage): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = [];
  const text = textOf(message.content);
  if (text) blocks.push({ type: 'text', text });
  for (const call of toolCallsOf(message)) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) });
  }
  return blocks;
}

function toolChoiceOf(choice: unknown, parallel: unknown): Record<string, unknown> | undefined {
  let mapped: Record<string, unknown> | undefined;
  if (choice === 'auto') mapped = { type: 'auto' };
  else if (choice === 'required') mapped = { type: 'any' };
  else if (choice === 'none') mapped = { type: 'none' };
  else if (typeof choice === 'object' && choice !== null) {
    const name = (choice as { function?: { name?: unknown } }).function?.name;
    if (typeof name === 'string') mapped = { type: 'tool', name };
  }
  if (parallel === false) mapped = { ...(mapped ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return mapped;
}

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: string | null | undefined): string {
  return (stopReason && FINISH_REASONS[stopReason]) ?? 'stop';
}

/** Cached and cache-written tokens are input tokens too: OpenAI's prompt_tokens counts them all. */
export function usageFromAnthropic(usage: AnthropicUsage, outputTokens = usage.output_tokens ?? 0): Usage {
  return usageFromMessages(usage, outputTokens);
}

/** Anthropic Messages response → OpenAI chat.completion. */
export function fromAnthropicResponse(response: AnthropicResponse, jsonMode = false): CompletionObject {
  let text = '';
  let reasoning = '';
  let json: string | undefined;
  const toolCalls: object[] = [];
  for (const block of response.content ?? []) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use' && jsonMode && block.name === JSON_MODE_TOOL) json = JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
  }
  const message: Record<string, unknown> = { role: 'assistant', content: json ?? (text || (toolCalls.length ? null : '')) };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  const finishReason = json !== undefined && response.stop_reason === 'tool_use' ? 'stop' : finishReasonOf(response.stop_reason);
  return {
    id: response.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    usage: usageFromAnthropic(response.usage ?? {}),
  };
}

/** One Anthropic stream event (the `data:` payload; its `type` repeats the SSE event name). */
export interface AnthropicStreamEvent {
  type: string;
  index?: number;
  message?: { id?: string; model?: string; usage?: AnthropicUsage };
  content_block?: AnthropicBlock;
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

export class AnthropicStreamError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/**
 * Anthropic stream events → OpenAI chunks. Content blocks are indexed over text and tool blocks alike; OpenAI
 * numbers tool calls on their own, so tool blocks get the next tool index as they start.
 */
export class AnthropicChunkTranslator implements ChunkTranslator<AnthropicStreamEvent> {
  private readonly chunks: ChunkBuilder;
  private readonly toolIndexOfBlock = new Map<number, number>();
  private usage: AnthropicUsage = {};
  private outputTokens = 0;
  private stopReason: string | null = null;
  /** Content blocks that are the JSON-mode tool: their input streams as content. */
  private readonly jsonBlocks = new Set<number>();

  constructor(
    model: string,
    private readonly jsonMode = false,
  ) {
    this.chunks = new ChunkBuilder(model);
  }

  next(event: AnthropicStreamEvent): object[] {
    switch (event.type) {
      case 'message_start':
        if (event.message?.id) this.chunks.id = event.message.id;
        if (event.message?.model) this.chunks.model = event.message.model;
        this.usage = event.message?.usage ?? {};
        this.outputTokens = this.usage.output_tokens ?? 0;
        return [this.chunks.delta({ content: '' })];
      case 'content_block_start': {
        const block = event.content_block;
        if (block?.type === 'tool_use' && this.jsonMode && block.name === JSON_MODE_TOOL) {
          this.jsonBlocks.add(event.index ?? 0);
          return [];
        }
        if (block?.type === 'tool_use') {
          const toolIndex = this.toolIndexOfBlock.size;
          this.toolIndexOfBlock.set(event.index ?? 0, toolIndex);
          return [this.chunks.delta({ content: null, tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: '' } }] })];
        }
        if (block?.type === 'text' && block.text) return [this.chunks.delta({ content: block.text })];
        return [];
      }
      case 'content_block_delta': {
        const delta = event.delta ?? {};
        if (delta.type === 'text_delta' && delta.text) return [this.chunks.delta({ content: delta.text })];
        if (delta.type === 'thinking_delta' && delta.thinking) return [this.chunks.delta({ reasoning_content: delta.thinking })];
        if (delta.type === 'input_json_delta' && delta.partial_json && this.jsonBlocks.has(event.index ?? 0)) return [this.chunks.delta({ content: delta.partial_json })];
        if (delta.type === 'input_json_delta' && delta.partial_json) {
          const index = this.toolIndexOfBlock.get(event.index ?? 0) ?? 0;
          return [this.chunks.delta({ content: null, tool_calls: [{ index, function: { arguments: delta.partial_json } }] })];
        }
        return [];
      }
      case 'message_delta':
        if (event.delta?.stop_reason) this.stopReason = event.delta.stop_reason;
        if (typeof event.usage?.output_tokens === 'number') this.outputTokens = event.usage.output_tokens;
        return [];
      case 'error':
        throw new AnthropicStreamError(MESSAGES_ERROR_STATUS[event.error?.type ?? ''] ?? 500, event.error?.message ?? 'stream error');
      default:
        // ping, content_block_stop, message_stop
        return [];
    }
  }

  end(): object[] {
    const finishReason = this.jsonBlocks.size && this.stopReason === 'tool_use' ? 'stop' : finishReasonOf(this.stopReason);
    return [this.chunks.finish(finishReason), this.chunks.usage(usageFromAnthropic(this.usage, this.outputTokens))];
  }
}
