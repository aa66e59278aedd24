import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../../common/errors/http-errors';
import type { ChatCompletionRequest, ChatMessage, CompletionObject } from '../../openai.types';
import { contentParts, functionToolsOf, isSystemRole, maxTokensOf, parseArguments, stopSequences, textOf, toolCallsOf, toolNameFor } from '../openai-message';
import { ChunkBuilder, type ChunkTranslator, usageOf } from '../stream-translation';

/** OpenAI sampling fields and the name Ollama gives them under `options`. */
const OPTION_NAMES: Record<string, string> = {
  temperature: 'temperature',
  top_p: 'top_p',
  top_k: 'top_k',
  seed: 'seed',
  frequency_penalty: 'frequency_penalty',
  presence_penalty: 'presence_penalty',
  repeat_penalty: 'repeat_penalty',
};

/** Deployment params that are Ollama model options (LiteLLM passes these through from `litellm_params`). */
const DEPLOYMENT_OPTIONS = ['num_ctx', 'num_gpu', 'num_thread', 'mirostat', 'repeat_last_n', 'tfs_z'] as const;

interface OllamaToolCall {
  function: { name: string; arguments: Record<string, unknown> };
}

interface OllamaMessage {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
}

/** A `/api/generate` or `/api/chat` answer, or one line of their NDJSON streams. */
export interface OllamaResponse {
  model?: string;
  response?: string;
  message?: { role?: string; content?: string; thinking?: string; tool_calls?: OllamaToolCall[] };
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

function optionsOf(request: ChatCompletionRequest, params: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const field of DEPLOYMENT_OPTIONS) if (params[field] !== undefined) options[field] = params[field];
  for (const [openAiName, ollamaName] of Object.entries(OPTION_NAMES)) if (typeof request[openAiName] === 'number') options[ollamaName] = request[openAiName];
  const maxTokens = maxTokensOf(request, params);
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  const stop = stopSequences(request.stop);
  if (stop?.length) options.stop = stop;
  return options;
}

function formatOf(responseFormat: unknown): unknown {
  const format = responseFormat as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_object') return 'json';
  if (format?.type === 'json_schema' && format.json_schema?.schema) return format.json_schema.schema;
  return undefined;
}

function common(request: ChatCompletionRequest, upstreamModel: string, params: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  // Ollama streams unless told not to.
  const body: Record<string, unknown> = { model: upstreamModel, stream };
  const options = optionsOf(request, params);
  if (Object.keys(options).length) body.options = options;
  const format = formatOf(request.response_format);
  if (format !== undefined) body.format = format;
  if (params.keep_alive !== undefined) body.keep_alive = params.keep_alive;
  return body;
}

/** Ollama takes images as bare base64; fetching a URL on the caller's behalf would let requests reach any host. */
function imagesOf(message: ChatMessage): { text: string; images: string[] } {
  let text = '';
  const images: string[] = [];
  for (const part of contentParts(message.content)) {
    if (part.type === 'text') text += part.text;
    else if (part.image.kind === 'inline') images.push(part.image.base64);
    else throw new BadRequestError('Ollama takes images as base64 data URLs (data:image/png;base64,…), not links', 'messages');
  }
  return { text, images };
}

/**
 * `ollama/<model>` → `/api/generate`. System turns go to `system`; a single user turn is the prompt as it is, so
 * Ollama applies the model's own chat template to it. A longer conversation is written out as a role-labelled
 * transcript ending on the assistant's turn (as LiteLLM's `ollama_pt` does); use `ollama_chat/` for real turns.
 */
export function toOllamaGenerateRequest(request: ChatCompletionRequest, upstreamModel: string, params: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  if (functionToolsOf(request.tools).length) throw new BadRequestError('tools need the chat endpoint: configure the model as ollama_chat/<model>', 'tools');
  const body = common(request, upstreamModel, params, stream);
  const system: string[] = [];
  const turns: { role: string; text: string }[] = [];
  const images: string[] = [];
  for (const message of request.messages) {
    if (isSystemRole(message.role)) {
      system.push(textOf(message.content));
      continue;
    }
    const { text, images: found } = message.role === 'user' ? imagesOf(message) : { text: textOf(message.content), images: [] };
    images.push(...found);
    turns.push({ role: message.role, text });
  }
  if (system.length) body.system = system.join('\n');
  body.prompt =
    turns.length === 1 && turns[0].role === 'user' ? turns[0].text : `${turns.map((turn) => `### ${capitalised(turn.role)}:\n${turn.text}\n\n`).join('')}### Assistant:\n`;
  if (images.length) body.images = images;
  return body;
}

/** `ollama_chat/<model>` → `/api/chat`: real turns, images per message, tools. */
export function toOllamaChatRequest(request: ChatCompletionRequest, upstreamModel: string, params: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  const body = common(request, upstreamModel, params, stream);
  body.messages = request.messages.map((message): OllamaMessage => {
    if (message.role === 'user') {
      const { text, images } = imagesOf(message);
      return images.length ? { role: 'user', content: text, images } : { role: 'user', content: text };
    }
    if (message.role === 'assistant') {
      const calls = toolCallsOf(message);
      const out: OllamaMessage = { role: 'assistant', content: textOf(message.content) };
      if (calls.length) out.tool_calls = calls.map((call) => ({ function: { name: call.function.name, arguments: parseArguments(call.function.arguments) } }));
      return out;
    }
    if (message.role === 'tool') {
      const out: OllamaMessage = { role: 'tool', content: textOf(message.content) };
      const name = toolNameFor(request.messages, message.tool_call_id);
      if (name) out.tool_name = name;
      return out;
    }
    return { role: isSystemRole(message.role) ? 'system' : message.role, content: textOf(message.content) };
  });
  const tools = functionToolsOf(request.tools);
  if (tools.length && request.tool_choice !== 'none') {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: { name: tool.function.name, description: tool.function.description ?? '', parameters: tool.function.parameters ?? { type: 'object', properties: {} } },
    }));
  }
  return body;
}

function capitalised(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

function toolCallsToOpenAi(calls: OllamaToolCall[] | undefined): object[] {
  return (calls ?? []).map((call) => ({
    id: `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    type: 'function',
    function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
  }));
}

function finishReasonOf(doneReason: string | undefined, hasToolCalls: boolean): string {
  if (hasToolCalls) return 'tool_calls';
  return doneReason === 'length' ? 'length' : 'stop';
}

/** A non-streamed `/api/generate` or `/api/chat` answer → chat.completion. */
export function fromOllamaResponse(response: OllamaResponse, upstreamModel: string): CompletionObject {
  const toolCalls = toolCallsToOpenAi(response.message?.tool_calls);
  const content = response.message ? (response.message.content ?? '') : (response.response ?? '');
  const message: Record<string, unknown> = { role: 'assistant', content: toolCalls.length && !content ? null : content };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (response.message?.thinking) message.reasoning_content = response.message.thinking;
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: `ollama/${response.model ?? upstreamModel}`,
    choices: [{ index: 0, message, finish_reason: finishReasonOf(response.done_reason, toolCalls.length > 0), logprobs: null }],
    usage: usageOf(response.prompt_eval_count ?? 0, response.eval_count ?? 0),
  };
}

export class OllamaStreamError extends Error {}

/** NDJSON lines of `/api/generate` or `/api/chat` → OpenAI chunks; the last line (`done: true`) has the counts. */
export class OllamaChunkTranslator implements ChunkTranslator<OllamaResponse> {
  private readonly chunks: ChunkBuilder;
  private toolCalls = 0;
  private finishReason = 'stop';
  private usage = usageOf(0, 0);

  constructor(upstreamModel: string) {
    this.chunks = new ChunkBuilder(`ollama/${upstreamModel}`);
  }

  next(line: OllamaResponse): object[] {
    if (line.error) throw new OllamaStreamError(line.error);
    const out: object[] = [];
    const text = line.message ? line.message.content : line.response;
    if (text) out.push(this.chunks.delta({ content: text }));
    if (line.message?.thinking) out.push(this.chunks.delta({ reasoning_content: line.message.thinking }));
    const calls = toolCallsToOpenAi(line.message?.tool_calls);
    if (calls.length) {
      // Ollama sends each call whole, so each becomes one complete delta.
      const deltas = calls.map((call, offset) => ({
        index: this.toolCalls + offset,
        ...(call as { id: string; type: 'function'; function: { name: string; arguments: string } }),
      }));
      this.toolCalls += calls.length;
      out.push(this.chunks.delta({ content: null, tool_calls: deltas }));
    }
    if (line.done) {
      this.finishReason = finishReasonOf(line.done_reason, this.toolCalls > 0);
      this.usage = usageOf(line.prompt_eval_count ?? 0, line.eval_count ?? 0);
    }
    return out;
  }

  end(): object[] {
    return [this.chunks.finish(this.finishReason), this.chunks.usage(this.usage)];
  }
}

/** `/api/embed` → OpenAI's embedding list. */
export function fromOllamaEmbeddings(
  response: { embeddings?: number[][]; prompt_eval_count?: number },
  model: string,
): { json: string; usage: { prompt_tokens: number; total_tokens: number } } {
  const tokens = response.prompt_eval_count ?? 0;
  const usage = { prompt_tokens: tokens, total_tokens: tokens };
  const data = (response.embeddings ?? []).map((embedding, index) => ({ object: 'embedding', index, embedding }));
  return { json: JSON.stringify({ object: 'list', data, model, usage }), usage };
}
