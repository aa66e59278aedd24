import { BadRequestError } from '../../../common/errors/http-errors';
import type { ChatCompletionRequest, CompletionObject, Usage } from '../../openai.types';
import type { RerankRequest, RerankResponse } from '../media.types';
import { contentParts, functionToolsOf, isSystemRole, maxTokensOf, stopSequences, textOf, toolCallsOf } from '../openai-message';
import { ChunkBuilder, type ChunkTranslator, usageOf } from '../stream-translation';

interface CohereUsage {
  billed_units?: { input_tokens?: number; output_tokens?: number; search_units?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
}

export interface CohereChatResponse {
  id: string;
  finish_reason?: string;
  message?: {
    role?: string;
    content?: { type: string; text?: string }[];
    tool_calls?: { id: string; type?: string; function: { name: string; arguments: string } }[];
    tool_plan?: string;
  };
  usage?: CohereUsage;
}

/** Sampling fields and Cohere's names for them. */
const SAMPLING_FIELDS: Record<string, string> = {
  temperature: 'temperature',
  top_p: 'p',
  top_k: 'k',
  seed: 'seed',
  frequency_penalty: 'frequency_penalty',
  presence_penalty: 'presence_penalty',
};

/** OpenAI chat request → Cohere v2 `/v2/chat`, whose messages are close to OpenAI's own. https://docs.cohere.com/reference/chat */
export function toCohereChatRequest(request: ChatCompletionRequest, upstreamModel: string, params: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  const messages = request.messages.map((message) => {
    if (isSystemRole(message.role)) return { role: 'system', content: textOf(message.content) };
    if (message.role === 'user') {
      const parts = contentParts(message.content);
      if (parts.every((part) => part.type === 'text')) return { role: 'user', content: textOf(message.content) };
      return {
        role: 'user',
        content: parts.map((part) =>
          part.type === 'text'
            ? { type: 'text', text: part.text }
            : { type: 'image_url', image_url: { url: part.image.kind === 'inline' ? `data:${part.image.mediaType};base64,${part.image.base64}` : part.image.url } },
        ),
      };
    }
    if (message.role === 'assistant') {
      const calls = toolCallsOf(message);
      const text = textOf(message.content);
      if (!calls.length) return { role: 'assistant', content: text };
      // Cohere keeps an assistant's words before a tool call as its "tool plan".
      return {
        role: 'assistant',
        tool_calls: calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } })),
        tool_plan: text || 'I will use the tools.',
      };
    }
    if (message.role === 'tool') return { role: 'tool', tool_call_id: message.tool_call_id, content: textOf(message.content) };
    throw new BadRequestError(`unsupported message role ${JSON.stringify(message.role)}`, 'messages');
  });
  const body: Record<string, unknown> = { model: upstreamModel, messages, stream };
  for (const [openAiName, cohereName] of Object.entries(SAMPLING_FIELDS)) if (typeof request[openAiName] === 'number') body[cohereName] = request[openAiName];
  const maxTokens = maxTokensOf(request, params);
  if (maxTokens !== undefined) body.max_tokens = maxTokens;
  const stop = stopSequences(request.stop);
  if (stop?.length) body.stop_sequences = stop;
  const tools = functionToolsOf(request.tools);
  if (tools.length) {
    body.tools = tools.map((tool) => ({
      type: 'function',
      function: { name: tool.function.name, description: tool.function.description ?? '', parameters: tool.function.parameters ?? { type: 'object', properties: {} } },
    }));
    if (request.tool_choice === 'required') body.tool_choice = 'REQUIRED';
    else if (request.tool_choice === 'none') body.tool_choice = 'NONE';
  }
  const format = request.response_format as { type?: string; json_schema?: { schema?: unknown } } | undefined;
  if (format?.type === 'json_object') body.response_format = { type: 'json_object' };
  else if (format?.type === 'json_schema') body.response_format = { type: 'json_object', json_schema: format.json_schema?.schema };
  return body;
}

const FINISH_REASONS: Record<string, string> = { COMPLETE: 'stop', STOP_SEQUENCE: 'stop', MAX_TOKENS: 'length', TOOL_CALL: 'tool_calls', ERROR: 'stop', TIMEOUT: 'stop' };

export function finishReasonOf(reason: string | undefined): string {
  return (reason && FINISH_REASONS[reason]) ?? 'stop';
}

/** Billed units are what Cohere charges for; the raw token counts are the fallback. */
export function usageFromCohere(usage: CohereUsage | undefined): Usage {
  return usageOf(usage?.billed_units?.input_tokens ?? usage?.tokens?.input_tokens ?? 0, usage?.billed_units?.output_tokens ?? usage?.tokens?.output_tokens ?? 0);
}

export function fromCohereChatResponse(response: CohereChatResponse, upstreamModel: string): CompletionObject {
  const text = (response.message?.content ?? []).map((part) => part.text ?? '').join('');
  const toolCalls = (response.message?.tool_calls ?? []).map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.function.name, arguments: call.function.arguments ?? '{}' },
  }));
  const message: Record<string, unknown> = { role: 'assistant', content: toolCalls.length ? text || response.message?.tool_plan || null : text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: response.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: upstreamModel,
    choices: [{ index: 0, message, finish_reason: toolCalls.length ? 'tool_calls' : finishReasonOf(response.finish_reason), logprobs: null }],
    usage: usageFromCohere(response.usage),
  };
}

export interface CohereStreamEvent {
  type: string;
  id?: string;
  index?: number;
  delta?: {
    message?: {
      content?: { text?: string };
      tool_plan?: string;
      tool_calls?: { id?: string; type?: string; function?: { name?: string; arguments?: string } };
    };
    finish_reason?: string;
    usage?: CohereUsage;
    error?: string;
  };
}

/** Cohere v2 stream events → OpenAI chunks. Tool calls carry their own index in Cohere's events, as in OpenAI's. */
export class CohereChunkTranslator implements ChunkTranslator<CohereStreamEvent> {
  private readonly chunks: ChunkBuilder;
  private finishReason = 'stop';
  private usage: Usage = usageOf(0, 0);
  private sawToolCall = false;

  constructor(upstreamModel: string) {
    this.chunks = new ChunkBuilder(upstreamModel);
  }

  next(event: CohereStreamEvent): object[] {
    const message = event.delta?.message;
    switch (event.type) {
      case 'message-start':
        if (event.id) this.chunks.id = event.id;
        return [this.chunks.delta({ content: '' })];
      case 'content-delta':
        return message?.content?.text ? [this.chunks.delta({ content: message.content.text })] : [];
      case 'tool-call-start': {
        const call = message?.tool_calls;
        if (!call?.function?.name) return [];
        this.sawToolCall = true;
        return [
          this.chunks.delta({
            content: null,
            tool_calls: [{ index: event.index ?? 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments ?? '' } }],
          }),
        ];
      }
      case 'tool-call-delta': {
        const args = message?.tool_calls?.function?.arguments;
        return args ? [this.chunks.delta({ content: null, tool_calls: [{ index: event.index ?? 0, function: { arguments: args } }] })] : [];
      }
      case 'message-end':
        this.finishReason = this.sawToolCall ? 'tool_calls' : finishReasonOf(event.delta?.finish_reason);
        this.usage = usageFromCohere(event.delta?.usage);
        if (event.delta?.finish_reason === 'ERROR') throw new CohereStreamError(event.delta.error ?? 'the model stopped with an error');
        return [];
      default:
        // content-start, content-end, tool-plan-delta, tool-call-end, citation events
        return [];
    }
  }

  end(): object[] {
    return [this.chunks.finish(this.finishReason), this.chunks.usage(this.usage)];
  }
}

export class CohereStreamError extends Error {}

/** LiteLLM's /rerank body → Cohere v2 `/v2/rerank`; documents may be strings or objects with `text`. */
export function toCohereRerankRequest(request: RerankRequest, upstreamModel: string): Record<string, unknown> {
  if (typeof request.query !== 'string' || !Array.isArray(request.documents)) throw new BadRequestError('rerank needs a query string and a documents list', 'documents');
  const body: Record<string, unknown> = { model: upstreamModel, query: request.query, documents: request.documents.map(documentText) };
  if (typeof request.top_n === 'number') body.top_n = request.top_n;
  if (typeof request.max_tokens_per_doc === 'number') body.max_tokens_per_doc = request.max_tokens_per_doc;
  return body;
}

export function documentText(document: unknown): string {
  if (typeof document === 'string') return document;
  const text = (document as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : JSON.stringify(document);
}

/** Cohere's answer, with the documents added back when asked (v2 no longer returns them). */
export function fromCohereRerankResponse(response: RerankResponse, request: RerankRequest): RerankResponse {
  const results = response.results.map((result) => {
    const out: RerankResponse['results'][number] = { index: result.index, relevance_score: result.relevance_score };
    if (request.return_documents === true) out.document = { text: documentText(request.documents[result.index]) };
    return out;
  });
  return { id: response.id, results, meta: response.meta ?? {} };
}
