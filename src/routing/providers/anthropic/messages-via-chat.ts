import { BadRequestError } from '../../../common/errors/http-errors';
import type { ChatCompletionRequest, ChatMessage, CompletionObject, Usage } from '../../openai.types';
import { parseArguments } from '../openai-message';
import { messagesUsageFrom, type MessagesBlock, type MessagesTurn } from './anthropic-messages';

/**
 * The Anthropic Messages API on providers that do not speak it: the request becomes an OpenAI chat request (Tollgate's
 * internal model, which every adapter takes), and the chat reply, whole or streamed, becomes a Messages reply again.
 * What has no chat equivalent is left out: `cache_control` (OpenAI-style providers cache on their own), thinking
 * blocks replayed in the history (their signatures only mean something to Anthropic), Anthropic's server tools.
 */

type Body = Record<string, unknown>;

/** Anthropic Messages request → OpenAI chat request. */
export function chatRequestFromMessages(body: Body): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(body.system);
  if (system !== '') messages.push({ role: 'system', content: system });
  const turns = Array.isArray(body.messages) ? (body.messages as MessagesTurn[]) : [];
  turns.forEach((turn, i) => messages.push(...chatMessagesOf(turn, i)));
  const request: ChatCompletionRequest = { model: String(body.model ?? ''), messages };
  if (typeof body.max_tokens === 'number') request.max_tokens = body.max_tokens;
  for (const field of ['temperature', 'top_p'] as const) if (typeof body[field] === 'number') request[field] = body[field];
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) request.stop = body.stop_sequences;
  const userId = (body.metadata as { user_id?: unknown } | undefined)?.user_id;
  if (typeof userId === 'string' && userId !== '') request.user = userId;
  const tools = functionTools(body.tools);
  if (tools.length > 0) {
    request.tools = tools;
    const choice = body.tool_choice as { type?: string; name?: string; disable_parallel_tool_use?: boolean } | undefined;
    if (choice?.type === 'auto') request.tool_choice = 'auto';
    else if (choice?.type === 'any') request.tool_choice = 'required';
    else if (choice?.type === 'none') request.tool_choice = 'none';
    else if (choice?.type === 'tool' && typeof choice.name === 'string') request.tool_choice = { type: 'function', function: { name: choice.name } };
    if (choice?.disable_parallel_tool_use === true) request.parallel_tool_calls = false;
  }
  if (body.stream === true) request.stream = true;
  return request;
}

/** The system prompt's text (a string, or text blocks). */
export function systemText(system: unknown): string {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return '';
  return (system as MessagesBlock[])
    .filter((block) => block?.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text)
    .join('\n');
}

/**
 * One Anthropic turn as chat messages. A user turn's tool results become `tool` messages, first, since a chat
 * history wants them right after the assistant's tool calls; the rest of the turn follows as one user message.
 */
function chatMessagesOf(turn: MessagesTurn, index: number): ChatMessage[] {
  // A `system` turn mid-conversation (Claude Code's `mid-conversation-system` beta) is a system message in chat.
  if (turn.role === 'system') return [{ role: 'system', content: typeof turn.content === 'string' ? turn.content : systemText(turn.content) }];
  if (turn.role !== 'user' && turn.role !== 'assistant')
    throw new BadRequestError(`messages.${index}.role: Input should be 'user', 'assistant' or 'system'`, `messages.${index}.role`);
  if (typeof turn.content === 'string') return [{ role: turn.role, content: turn.content }];
  const blocks = Array.isArray(turn.content) ? turn.content : [];
  if (turn.role === 'assistant') {
    const text = blocks
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join('');
    const toolCalls = blocks
      .filter((block) => block.type === 'tool_use')
      .map((block) => ({ id: String(block.id ?? ''), type: 'function', function: { name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) } }));
    const message: ChatMessage = { role: 'assistant', content: text !== '' || toolCalls.length === 0 ? text : null };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return [message];
  }
  const out: ChatMessage[] = [];
  const parts: Record<string, unknown>[] = [];
  for (const block of blocks) {
    if (block.type === 'tool_result') {
      out.push({ role: 'tool', tool_call_id: String(block.tool_use_id ?? ''), content: toolResultText(block) });
      continue;
    }
    const part = chatPartOf(block);
    if (part) parts.push(part);
  }
  if (parts.length > 0) out.push({ role: 'user', content: parts.length === 1 && parts[0].type === 'text' ? (parts[0].text as string) : parts });
  return out;
}

function toolResultText(block: MessagesBlock): string {
  const text =
    typeof block.content === 'string' ? block.content : Array.isArray(block.content) ? block.content.map((item) => (item.type === 'text' ? (item.text ?? '') : '')).join('') : '';
  return block.is_error === true ? `Error: ${text}` : text;
}

/** A user content block as an OpenAI content part; undefined for blocks chat has no place for. */
function chatPartOf(block: MessagesBlock): Record<string, unknown> | undefined {
  const source = block.source;
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text ?? '' };
    case 'image':
      if (source?.type === 'base64') return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } };
      if (source?.type === 'url') return { type: 'image_url', image_url: { url: source.url } };
      return undefined;
    case 'document':
      if (source?.type === 'text' && typeof source.data === 'string') return { type: 'text', text: source.data };
      if (source?.type === 'base64')
        return { type: 'file', file: { file_data: `data:${source.media_type};base64,${source.data}`, ...(typeof block.title === 'string' ? { filename: block.title } : {}) } };
      return undefined;
    default:
      // thinking / redacted_thinking replayed by a client, server tool results: nothing a chat model can take.
      return undefined;
  }
}

/** Client tools (`{name, description, input_schema}`) as function tools; Anthropic's server tools have no equivalent. */
function functionTools(tools: unknown): object[] {
  if (!Array.isArray(tools)) return [];
  return (tools as { type?: string; name?: unknown; description?: unknown; input_schema?: unknown }[])
    .filter((tool) => (tool.type === undefined || tool.type === 'custom') && typeof tool.name === 'string')
    .map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
        parameters: tool.input_schema ?? { type: 'object', properties: {} },
      },
    }));
}

const STOP_REASONS: Readonly<Record<string, string>> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', function_call: 'tool_use', content_filter: 'refusal' };

function stopReasonOf(finishReason: unknown): string {
  return (typeof finishReason === 'string' && STOP_REASONS[finishReason]) || 'end_turn';
}

interface ChatChoice {
  message?: { content?: unknown; reasoning_content?: unknown; tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[] };
  finish_reason?: unknown;
}

/** OpenAI chat completion → Anthropic message. */
export function messageFromChatCompletion(completion: CompletionObject): Record<string, unknown> {
  const choice = (Array.isArray(completion.choices) ? completion.choices[0] : undefined) as ChatChoice | undefined;
  const message = choice?.message ?? {};
  const content: Record<string, unknown>[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') content.push({ type: 'thinking', thinking: message.reasoning_content, signature: '' });
  const text = typeof message.content === 'string' ? message.content : '';
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  if (text !== '' || toolCalls.length === 0) content.push({ type: 'text', text });
  for (const call of toolCalls) content.push({ type: 'tool_use', id: call.id ?? '', name: call.function?.name ?? '', input: parseArguments(call.function?.arguments) });
  return {
    id: completion.id,
    type: 'message',
    role: 'assistant',
    model: completion.model ?? '',
    content,
    stop_reason: stopReasonOf(choice?.finish_reason),
    stop_sequence: null,
    usage: messagesUsageFrom(completion.usage),
  };
}

interface ChatChunk {
  id?: string;
  model?: string;
  choices?: {
    delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] };
    finish_reason?: unknown;
  }[];
  usage?: Usage | null;
}

/**
 * OpenAI chat chunks → Anthropic stream events: `message_start` (with a `ping`), a content block per run of text,
 * reasoning or tool call (`content_block_start` / `_delta` / `_stop`), then `message_delta` with the stop reason and
 * the whole call's usage (chat streams report usage at their end only) and `message_stop`.
 */
export class MessagesEventsFromChunks {
  private started = false;
  private readonly blockKinds: string[] = [];
  private open: { index: number; kind: 'text' | 'thinking' | 'tool'; tool?: number } | null = null;
  private stopReason = 'end_turn';
  private usage: Usage | null = null;

  constructor(private model: string) {}

  next(chunk: ChatChunk): object[] {
    const events: object[] = [];
    if (!this.started) events.push(...this.start(chunk));
    if (chunk.usage) this.usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const delta = choice?.delta;
    if (delta) {
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
        events.push(...this.ensure('thinking', { type: 'thinking', thinking: '', signature: '' }));
        events.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'thinking_delta', thinking: delta.reasoning_content } });
      }
      if (typeof delta.content === 'string' && delta.content !== '') {
        events.push(...this.ensure('text', { type: 'text', text: '' }));
        events.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text: delta.content } });
      }
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        const toolIndex = call.index ?? 0;
        if (call.id || this.open?.kind !== 'tool' || this.open.tool !== toolIndex) {
          events.push(...this.close());
          events.push(...this.begin('tool', { type: 'tool_use', id: call.id ?? `toolu_${toolIndex}`, name: call.function?.name ?? '', input: {} }, toolIndex));
        }
        const partial = call.function?.arguments;
        if (typeof partial === 'string' && partial !== '')
          events.push({ type: 'content_block_delta', index: this.open!.index, delta: { type: 'input_json_delta', partial_json: partial } });
      }
    }
    if (choice?.finish_reason) {
      this.stopReason = stopReasonOf(choice.finish_reason);
      events.push(...this.close());
    }
    return events;
  }

  end(): object[] {
    const events: object[] = [];
    if (!this.started) events.push(...this.start({}));
    events.push(...this.close());
    events.push({ type: 'message_delta', delta: { stop_reason: this.stopReason, stop_sequence: null }, usage: messagesUsageFrom(this.usage) });
    events.push({ type: 'message_stop' });
    return events;
  }

  private start(chunk: ChatChunk): object[] {
    this.started = true;
    if (typeof chunk.model === 'string' && chunk.model !== '') this.model = chunk.model;
    const message = {
      id: chunk.id ?? '',
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return [{ type: 'message_start', message }, { type: 'ping' }];
  }

  private ensure(kind: 'text' | 'thinking', block: object): object[] {
    if (this.open?.kind === kind) return [];
    return [...this.close(), ...this.begin(kind, block)];
  }

  private begin(kind: 'text' | 'thinking' | 'tool', block: object, tool?: number): object[] {
    const index = this.blockKinds.length;
    this.blockKinds.push(kind);
    this.open = { index, kind, tool };
    return [{ type: 'content_block_start', index, content_block: block }];
  }

  private close(): object[] {
    if (!this.open) return [];
    const index = this.open.index;
    this.open = null;
    return [{ type: 'content_block_stop', index }];
  }
}

/** A chat stream's chunk texts as Anthropic event texts, grouped as they arrived. */
export async function* messagesEventsFromChat(batches: AsyncIterable<string[]>, model: string): AsyncGenerator<string[]> {
  const translator = new MessagesEventsFromChunks(model);
  for await (const batch of batches) {
    const out: string[] = [];
    for (const data of batch) for (const event of translator.next(JSON.parse(data) as ChatChunk)) out.push(JSON.stringify(event));
    if (out.length > 0) yield out;
  }
  yield translator.end().map((event) => JSON.stringify(event));
}
