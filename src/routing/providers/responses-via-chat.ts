import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../common/errors/http-errors';
import type { Deployment } from '../deployment';
import type { ChatCompletionRequest, ChatMessage, CompletionObject, Usage } from '../openai.types';
import type { JsonObject } from './media.types';

/**
 * OpenAI's Responses API (`POST /v1/responses`) in terms of chat completions, for every provider that does not speak
 * it natively: the request becomes chat messages (instructions, the stored turns it continues, its own input), the
 * chat reply becomes a Response object, and chat chunks become the Responses API's typed events. OpenAI and Azure
 * deployments get the request as it is (see `nativeResponsesRequest`); only stored state is expanded for them.
 */

/** One stored earlier turn of a conversation: what it was asked, what it answered, and who answered. */
export interface StoredTurn {
  readonly input: readonly JsonObject[];
  readonly output: readonly JsonObject[];
  /** The deployment that produced `output` (its item ids mean something only there). */
  readonly deploymentId: string | null;
}

/** A stored item an `item_reference` named. */
export interface ReferencedItem {
  readonly item: JsonObject;
  /** The deployment whose own id the item carries (an output item); null when the id is Tollgate's. */
  readonly deploymentId: string | null;
}

/** What a Responses call continues from, resolved by the edge from the caller's own stored responses. */
export interface ResponsesContext {
  /** The `previous_response_id` chain, oldest first. */
  readonly history: readonly StoredTurn[];
  /** `item_reference` id → the stored item. */
  readonly references: ReadonlyMap<string, ReferencedItem>;
}

export const EMPTY_RESPONSES_CONTEXT: ResponsesContext = Object.freeze({ history: [], references: new Map() });

/** Item types any provider can take (as chat messages); the rest exist only on OpenAI's side. */
const PORTABLE_ITEMS = new Set(['message', 'function_call', 'function_call_output']);

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function itemId(prefix: 'msg' | 'fc' | 'rs' | 'item'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** The request's `input` as items: a string is one user message. */
export function inputItemsOf(body: JsonObject): JsonObject[] {
  const input = body.input;
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input.filter(isRecord) : [];
}

// ------------------------------------------------------------------------------------------------ native

/**
 * The request an OpenAI or Azure deployment gets: the client's, with stored state expanded into `input` (Tollgate
 * keeps the conversation, so any deployment can continue it) and `previous_response_id` removed. Items the same
 * deployment produced go back as they are (its ids resolve there); items from elsewhere go back without their ids,
 * and those that mean nothing elsewhere (reasoning without encrypted content, built-in tool calls) are left out.
 */
export function nativeResponsesRequest(body: JsonObject, context: ResponsesContext, deployment: Deployment): JsonObject {
  const request: JsonObject = { ...body };
  delete request.previous_response_id;
  const carried = (item: JsonObject, producedBy: string | null): JsonObject | undefined => (producedBy === deployment.id ? item : portable(item));
  const input: JsonObject[] = [];
  for (const turn of context.history) {
    for (const item of [...turn.input, ...turn.output]) {
      const kept = carried(item, turn.deploymentId);
      if (kept) input.push(kept);
    }
  }
  const own = body.input;
  if (context.history.length === 0 && !hasReference(own)) return request;
  if (typeof own === 'string') input.push({ role: 'user', content: own });
  else if (Array.isArray(own)) {
    for (const item of own) {
      if (isRecord(item) && item.type === 'item_reference' && typeof item.id === 'string') {
        const found = context.references.get(item.id);
        const kept = found?.deploymentId === deployment.id ? item : found ? portable(found.item) : item;
        if (kept) input.push(kept);
      } else input.push(item as JsonObject);
    }
  }
  request.input = input;
  return request;
}

function hasReference(input: unknown): boolean {
  return Array.isArray(input) && input.some((item) => isRecord(item) && item.type === 'item_reference');
}

/** An item as another deployment can take it: without the ids only its producer knows. */
function portable(item: JsonObject): JsonObject | undefined {
  const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);
  if (type === 'reasoning')
    return typeof item.encrypted_content === 'string' ? { type: 'reasoning', summary: item.summary ?? [], encrypted_content: item.encrypted_content } : undefined;
  if (typeof type !== 'string' || !PORTABLE_ITEMS.has(type)) return undefined;
  const { id: _id, status: _status, ...rest } = item;
  return rest;
}

// ------------------------------------------------------------------------------------------------ request

/**
 * The chat request a Responses request becomes: `instructions` as the system message, the stored turns and the
 * input as messages (function calls as assistant `tool_calls`, their outputs as `tool` messages, reasoning left out),
 * function tools, `text.format` as `response_format`, `max_output_tokens` as `max_tokens`, `reasoning.effort` as
 * `reasoning_effort`. Built-in tools and items only OpenAI runs are refused, naming what serves the model.
 * @throws BadRequestError
 */
export function chatRequestFromResponses(body: JsonObject, context: ResponsesContext, deployment: Deployment, stream: boolean): ChatCompletionRequest {
  const servedBy = `model=${deployment.modelName} is served by ${deployment.provider} through chat completions`;
  const messages: ChatMessage[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '') messages.push({ role: 'system', content: body.instructions });
  const builder = new MessageBuilder(messages, servedBy, context.references);
  for (const turn of context.history) {
    for (const item of [...turn.input, ...turn.output]) builder.add(item, 'stored', true);
  }
  if (typeof body.input === 'string') builder.add({ role: 'user', content: body.input }, 'input');
  else if (Array.isArray(body.input)) body.input.forEach((item, i) => builder.add(item, `input[${i}]`));

  const chat: JsonObject = { model: body.model, messages };
  const tools = chatTools(body.tools, servedBy);
  if (tools.length > 0) chat.tools = tools;
  const choice = chatToolChoice(body.tool_choice, tools, servedBy);
  if (choice !== undefined) {
    if (choice.tools) chat.tools = choice.tools;
    chat.tool_choice = choice.choice;
  }
  if (typeof body.parallel_tool_calls === 'boolean' && tools.length > 0) chat.parallel_tool_calls = body.parallel_tool_calls;
  const format = chatResponseFormat(body.text);
  if (format) chat.response_format = format;
  if (typeof body.max_output_tokens === 'number') chat.max_tokens = body.max_output_tokens;
  for (const field of ['temperature', 'top_p', 'user'] as const) {
    if (body[field] !== undefined && body[field] !== null) chat[field] = body[field];
  }
  const effort = isRecord(body.reasoning) ? body.reasoning.effort : undefined;
  if (typeof effort === 'string') chat.reasoning_effort = effort;
  if (stream) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  }
  if (isRecord(body.prompt)) throw new BadRequestError(`Reusable prompts ('prompt') need an OpenAI or Azure OpenAI deployment; ${servedBy}.`, 'prompt');
  return chat as ChatCompletionRequest;
}

/** Appends items as chat messages, merging consecutive function calls into one assistant turn. */
class MessageBuilder {
  constructor(
    private readonly messages: ChatMessage[],
    private readonly servedBy: string,
    private readonly references: ReadonlyMap<string, ReferencedItem>,
  ) {}

  /** `stored`: an item of a turn this call continues; one chat cannot express (a built-in tool's call) is left out. */
  add(raw: unknown, where: string, stored = false): void {
    if (!isRecord(raw)) throw new BadRequestError(`Invalid '${where}': expected an object.`, 'input');
    let item = raw;
    if (item.type === 'item_reference') {
      const found = typeof item.id === 'string' ? this.references.get(item.id) : undefined;
      if (!found) throw new BadRequestError(`Item with id '${String(item.id)}' not found.`, 'input');
      item = found.item;
    }
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);
    switch (type) {
      case 'message':
        return this.message(item, where);
      case 'function_call':
        return this.functionCall(item);
      case 'function_call_output':
        this.messages.push({ role: 'tool', tool_call_id: String(item.call_id ?? ''), content: outputText(item.output) });
        return;
      case 'reasoning':
        // Another model's reasoning: chat providers take none (OpenAI's own reasoning stays with OpenAI).
        return;
      default:
        if (stored) return;
        throw new BadRequestError(`Input items of type '${String(type)}' need an OpenAI or Azure OpenAI deployment; ${this.servedBy}.`, 'input');
    }
  }

  private message(item: JsonObject, where: string): void {
    const role = item.role === 'developer' ? 'system' : item.role;
    if (role !== 'user' && role !== 'assistant' && role !== 'system') throw new BadRequestError(`Invalid '${where}.role': ${JSON.stringify(item.role)}.`, 'input');
    this.messages.push({ role, content: chatContent(item.content, where, this.servedBy) });
  }

  private functionCall(item: JsonObject): void {
    const call = {
      id: String(item.call_id ?? item.id ?? ''),
      type: 'function',
      function: { name: String(item.name ?? ''), arguments: typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments ?? {}) },
    };
    const last = this.messages[this.messages.length - 1];
    if (last?.role === 'assistant') {
      const calls = Array.isArray(last.tool_calls) ? (last.tool_calls as unknown[]) : [];
      last.tool_calls = [...calls, call];
      if (last.content === '') last.content = null;
      return;
    }
    this.messages.push({ role: 'assistant', content: null, tool_calls: [call] });
  }
}

/** A message's content as chat content: one text part becomes a string; images, files and audio keep their parts. */
function chatContent(content: unknown, where: string, servedBy: string): unknown {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw new BadRequestError(`Invalid '${where}.content': expected a string or a list of content parts.`, 'input');
  const parts = content.map((part, i) => chatPart(part, `${where}.content[${i}]`, servedBy));
  if (parts.every((part) => part.type === 'text')) {
    if (parts.length === 1) return parts[0].text;
  }
  return parts;
}

function chatPart(part: unknown, where: string, servedBy: string): JsonObject {
  if (typeof part === 'string') return { type: 'text', text: part };
  if (!isRecord(part)) throw new BadRequestError(`Invalid '${where}': expected a content part.`, 'input');
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      return { type: 'text', text: String(part.text ?? '') };
    case 'refusal':
      return { type: 'text', text: String(part.refusal ?? '') };
    case 'input_image': {
      const url = typeof part.image_url === 'string' ? part.image_url : isRecord(part.image_url) ? part.image_url.url : undefined;
      if (typeof url !== 'string') throw new BadRequestError(`Images by 'file_id' need an OpenAI or Azure OpenAI deployment; ${servedBy}.`, 'input');
      return { type: 'image_url', image_url: part.detail && part.detail !== 'auto' ? { url, detail: part.detail } : { url } };
    }
    case 'input_file': {
      if (typeof part.file_url === 'string') throw new BadRequestError(`Files by 'file_url' need an OpenAI or Azure OpenAI deployment; ${servedBy}.`, 'input');
      const file: JsonObject = {};
      for (const field of ['file_data', 'file_id', 'filename']) if (typeof part[field] === 'string') file[field] = part[field];
      return { type: 'file', file };
    }
    case 'input_audio':
      return { type: 'input_audio', input_audio: part.input_audio };
    default:
      throw new BadRequestError(`Content parts of type '${String(part.type)}' need an OpenAI or Azure OpenAI deployment; ${servedBy}.`, 'input');
  }
}

/** A function call's output: a string, or the text of its content parts. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return output.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  return output === undefined || output === null ? '' : JSON.stringify(output);
}

function chatTools(tools: unknown, servedBy: string): JsonObject[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((tool, i) => {
    if (!isRecord(tool) || tool.type !== 'function') {
      const type = isRecord(tool) ? String(tool.type) : typeof tool;
      throw new BadRequestError(
        `Tool type '${type}' is a built-in tool of OpenAI's Responses API and needs an OpenAI or Azure OpenAI deployment; ${servedBy}. Only function tools are translated.`,
        `tools[${i}]`,
      );
    }
    const fn: JsonObject = { name: tool.name };
    for (const field of ['description', 'parameters', 'strict'] as const) if (tool[field] !== undefined && tool[field] !== null) fn[field] = tool[field];
    return { type: 'function', function: fn };
  });
}

function chatToolChoice(choice: unknown, tools: JsonObject[], servedBy: string): { choice: unknown; tools?: JsonObject[] } | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { choice };
  if (isRecord(choice) && choice.type === 'function' && typeof choice.name === 'string') return { choice: { type: 'function', function: { name: choice.name } } };
  if (isRecord(choice) && choice.type === 'allowed_tools' && Array.isArray(choice.tools)) {
    const names = new Set(choice.tools.filter(isRecord).map((tool) => tool.name));
    return { choice: choice.mode === 'required' ? 'required' : 'auto', tools: tools.filter((tool) => names.has((tool.function as JsonObject).name)) };
  }
  throw new BadRequestError(`tool_choice ${JSON.stringify(choice)} needs an OpenAI or Azure OpenAI deployment; ${servedBy}.`, 'tool_choice');
}

/** `text.format` (`json_schema`, `json_object`, `text`) as chat's `response_format`. */
function chatResponseFormat(text: unknown): JsonObject | undefined {
  const format = isRecord(text) ? text.format : undefined;
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type !== 'json_schema') return undefined;
  const schema: JsonObject = { name: format.name ?? 'response', schema: format.schema };
  if (format.strict !== undefined && format.strict !== null) schema.strict = format.strict;
  if (typeof format.description === 'string') schema.description = format.description;
  return { type: 'json_schema', json_schema: schema };
}

// ------------------------------------------------------------------------------------------------ reply

/** The Response object's fields that echo the request, before any output. */
export function responseSkeleton(body: JsonObject, id: string, createdAt: number, model: string): JsonObject {
  const format = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : { type: 'text' };
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    reasoning: { effort: isRecord(body.reasoning) ? (body.reasoning.effort ?? null) : null, summary: isRecord(body.reasoning) ? (body.reasoning.summary ?? null) : null },
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format },
    tool_choice: body.tool_choice ?? 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: null,
    user: body.user ?? null,
    metadata: stringMetadata(body.metadata),
  };
}

/** OpenAI's `metadata` is a map of strings; LiteLLM's fields in it (tags, spend_logs_metadata) are not echoed. */
function stringMetadata(metadata: unknown): JsonObject {
  const out: JsonObject = {};
  if (isRecord(metadata)) for (const [name, value] of Object.entries(metadata)) if (typeof value === 'string') out[name] = value;
  return out;
}

/** Chat usage in the Responses API's terms. */
export function responsesUsageOf(usage: Usage | null | undefined): JsonObject | null {
  if (!usage) return null;
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completion = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  const input = usage.prompt_tokens ?? 0;
  const output = usage.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: typeof details.cached_tokens === 'number' ? details.cached_tokens : 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: typeof completion.reasoning_tokens === 'number' ? completion.reasoning_tokens : 0 },
    total_tokens: usage.total_tokens ?? input + output,
  };
}

/** The Responses API's usage as the gateway prices it (cached input tokens at the cache-read price). */
export function usageFromResponses(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null;
  const input = typeof usage.input_tokens === 'number' ? usage.input_tokens : 0;
  const output = typeof usage.output_tokens === 'number' ? usage.output_tokens : 0;
  const result: Usage = { prompt_tokens: input, completion_tokens: output, total_tokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : input + output };
  const cached = isRecord(usage.input_tokens_details) ? usage.input_tokens_details.cached_tokens : undefined;
  if (typeof cached === 'number') result.prompt_tokens_details = { cached_tokens: cached };
  const reasoning = isRecord(usage.output_tokens_details) ? usage.output_tokens_details.reasoning_tokens : undefined;
  if (typeof reasoning === 'number') result.completion_tokens_details = { reasoning_tokens: reasoning };
  return result;
}

/** How a chat finish reason ends a response: `length` and `content_filter` leave it incomplete. */
function ending(finishReason: unknown): { status: 'completed' | 'incomplete'; details: JsonObject | null } {
  if (finishReason === 'length') return { status: 'incomplete', details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', details: { reason: 'content_filter' } };
  return { status: 'completed', details: null };
}

interface ChatToolCall {
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** A `chat.completion` answered as a Response object (its id the provider's; the pipeline puts its own). */
export function responseFromChat(chat: CompletionObject, body: JsonObject): JsonObject {
  const choice = (Array.isArray(chat.choices) ? chat.choices[0] : undefined) as { message?: JsonObject; finish_reason?: unknown } | undefined;
  const message = choice?.message ?? {};
  const output: JsonObject[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') {
    output.push({ id: itemId('rs'), type: 'reasoning', summary: [{ type: 'summary_text', text: message.reasoning_content }] });
  }
  const calls = Array.isArray(message.tool_calls) ? (message.tool_calls as ChatToolCall[]) : [];
  const text = typeof message.content === 'string' ? message.content : '';
  if (text !== '' || calls.length === 0) {
    output.push({ id: itemId('msg'), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });
  }
  for (const call of calls) {
    output.push({
      id: itemId('fc'),
      type: 'function_call',
      status: 'completed',
      call_id: call.id ?? itemId('fc'),
      name: call.function?.name ?? '',
      arguments: call.function?.arguments ?? '',
    });
  }
  const end = ending(choice?.finish_reason);
  return {
    ...responseSkeleton(body, chat.id, typeof chat.created === 'number' ? chat.created : Math.floor(Date.now() / 1000), String(body.model ?? chat.model ?? '')),
    status: end.status,
    incomplete_details: end.details,
    output,
    usage: responsesUsageOf(chat.usage),
  };
}

// ------------------------------------------------------------------------------------------------ stream

interface OpenItem {
  readonly index: number;
  readonly item: JsonObject;
  text: string;
}

interface ChunkChoice {
  delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: { index?: number; id?: string; function?: { name?: string; arguments?: string } }[] };
  finish_reason?: unknown;
}

/**
 * Chat chunks as the Responses API's event sequence: `response.created`, `response.in_progress`, then for each
 * output item `response.output_item.added`, its parts and deltas (`response.output_text.delta`,
 * `response.function_call_arguments.delta`, `response.reasoning_summary_text.delta`), their `…done` events and
 * `response.output_item.done`, and last `response.completed` (or `response.incomplete`) with the whole response
 * and its usage. Stateful: one per stream.
 */
export class ResponsesEventsFromChat {
  private sequence = 0;
  private response: JsonObject | undefined;
  private readonly output: JsonObject[] = [];
  private message: OpenItem | undefined;
  private reasoning: OpenItem | undefined;
  private readonly calls = new Map<number, OpenItem>();
  private usage: Usage | null = null;
  private finishReason: unknown = null;

  constructor(private readonly body: JsonObject) {}

  /** Chat chunk texts, as the adapter's stream yields them, to event texts. */
  async *events(batches: AsyncIterable<string[]>): AsyncGenerator<string[]> {
    for await (const batch of batches) {
      const out: string[] = [];
      for (const data of batch) out.push(...this.next(JSON.parse(data) as CompletionObject));
      if (out.length > 0) yield out;
    }
    yield this.end();
  }

  next(chunk: CompletionObject): string[] {
    const out: string[] = [];
    if (!this.response) this.start(chunk, out);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = (Array.isArray(chunk.choices) ? chunk.choices[0] : undefined) as ChunkChoice | undefined;
    if (!choice) return out;
    const delta = choice.delta ?? {};
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') this.reasoningDelta(delta.reasoning_content, out);
    if (typeof delta.content === 'string' && delta.content !== '') this.textDelta(delta.content, out);
    for (const call of delta.tool_calls ?? []) this.toolDelta(call, out);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** Closes what is open and ends with the whole response; a stream with no chunk at all still gets its events. */
  end(): string[] {
    const out: string[] = [];
    if (!this.response) this.start({ id: `resp_${randomUUID().replaceAll('-', '')}`, object: 'chat.completion.chunk' }, out);
    this.closeReasoning(out);
    this.closeMessage(out);
    for (const call of [...this.calls.values()].sort((a, b) => a.index - b.index)) {
      const item: JsonObject = { ...call.item, arguments: call.text, status: 'completed' };
      this.output[call.index] = item;
      out.push(this.event('response.function_call_arguments.done', { item_id: item.id, output_index: call.index, arguments: call.text }));
      out.push(this.event('response.output_item.done', { output_index: call.index, item }));
    }
    this.calls.clear();
    const end = ending(this.finishReason);
    const response = { ...this.response, status: end.status, incomplete_details: end.details, output: this.output, usage: responsesUsageOf(this.usage) };
    out.push(this.event(end.status === 'completed' ? 'response.completed' : 'response.incomplete', { response }));
    return out;
  }

  private start(chunk: CompletionObject, out: string[]): void {
    this.response = responseSkeleton(
      this.body,
      chunk.id,
      typeof chunk.created === 'number' ? chunk.created : Math.floor(Date.now() / 1000),
      String(this.body.model ?? chunk.model ?? ''),
    );
    out.push(this.event('response.created', { response: this.response }));
    out.push(this.event('response.in_progress', { response: this.response }));
  }

  private reasoningDelta(text: string, out: string[]): void {
    if (!this.reasoning) {
      const item = { id: itemId('rs'), type: 'reasoning', summary: [] };
      this.reasoning = this.add(item, out);
      out.push(
        this.event('response.reasoning_summary_part.added', { item_id: item.id, output_index: this.reasoning.index, summary_index: 0, part: { type: 'summary_text', text: '' } }),
      );
    }
    this.reasoning.text += text;
    out.push(this.event('response.reasoning_summary_text.delta', { item_id: this.reasoning.item.id, output_index: this.reasoning.index, summary_index: 0, delta: text }));
  }

  private closeReasoning(out: string[]): void {
    const open = this.reasoning;
    if (!open) return;
    this.reasoning = undefined;
    const part = { type: 'summary_text', text: open.text };
    out.push(this.event('response.reasoning_summary_text.done', { item_id: open.item.id, output_index: open.index, summary_index: 0, text: open.text }));
    out.push(this.event('response.reasoning_summary_part.done', { item_id: open.item.id, output_index: open.index, summary_index: 0, part }));
    const item = { ...open.item, summary: [part] };
    this.output[open.index] = item;
    out.push(this.event('response.output_item.done', { output_index: open.index, item }));
  }

  private textDelta(text: string, out: string[]): void {
    this.closeReasoning(out);
    if (!this.message) {
      const item = { id: itemId('msg'), type: 'message', status: 'in_progress', role: 'assistant', content: [] };
      this.message = this.add(item, out);
      out.push(
        this.event('response.content_part.added', {
          item_id: item.id,
          output_index: this.message.index,
          content_index: 0,
          part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
        }),
      );
    }
    this.message.text += text;
    out.push(this.event('response.output_text.delta', { item_id: this.message.item.id, output_index: this.message.index, content_index: 0, delta: text, logprobs: [] }));
  }

  private closeMessage(out: string[]): void {
    const open = this.message;
    if (!open) return;
    this.message = undefined;
    const part = { type: 'output_text', text: open.text, annotations: [], logprobs: [] };
    out.push(this.event('response.output_text.done', { item_id: open.item.id, output_index: open.index, content_index: 0, text: open.text, logprobs: [] }));
    out.push(this.event('response.content_part.done', { item_id: open.item.id, output_index: open.index, content_index: 0, part }));
    const item = { ...open.item, status: 'completed', content: [part] };
    this.output[open.index] = item;
    out.push(this.event('response.output_item.done', { output_index: open.index, item }));
  }

  private toolDelta(call: NonNullable<NonNullable<ChunkChoice['delta']>['tool_calls']>[number], out: string[]): void {
    const key = call.index ?? 0;
    let open = this.calls.get(key);
    if (!open) {
      this.closeReasoning(out);
      this.closeMessage(out);
      const item = { id: itemId('fc'), type: 'function_call', status: 'in_progress', call_id: call.id ?? itemId('fc'), name: call.function?.name ?? '', arguments: '' };
      open = this.add(item, out);
      this.calls.set(key, open);
    }
    const piece = call.function?.arguments;
    if (typeof piece === 'string' && piece !== '') {
      open.text += piece;
      out.push(this.event('response.function_call_arguments.delta', { item_id: open.item.id, output_index: open.index, delta: piece }));
    }
  }

  private add(item: JsonObject, out: string[]): OpenItem {
    const index = this.output.length;
    this.output.push(item);
    out.push(this.event('response.output_item.added', { output_index: index, item }));
    return { index, item, text: '' };
  }

  private event(type: string, fields: JsonObject): string {
    return JSON.stringify({ type, sequence_number: this.sequence++, ...fields });
  }
}
