import { randomUUID } from 'node:crypto';
import { BadRequestError } from '../../../common/errors/http-errors';
import type { ChatCompletionRequest, ChatMessage, CompletionObject, Usage } from '../../openai.types';
import { appendTurn, contentParts, functionToolsOf, isSystemRole, maxTokensOf, parseArguments, stopSequences, textOf, toolCallsOf } from '../openai-message';
import { ChunkBuilder, type ChunkTranslator, usageOf } from '../stream-translation';
import type { AwsStreamFrame } from './aws-event-stream';

type ConverseBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } }
  | { reasoningContent: { reasoningText?: { text: string } } };

interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseBlock[];
}

interface ConverseUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse {
  output?: { message?: { role?: string; content?: Record<string, unknown>[] } };
  stopReason?: string;
  usage?: ConverseUsage;
}

const IMAGE_FORMATS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** OpenAI chat request → Bedrock Converse request. https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html */
export function toConverseRequest(request: ChatCompletionRequest, params: Record<string, unknown>): Record<string, unknown> {
  const system: { text: string }[] = [];
  const messages: ConverseMessage[] = [];
  const push = (role: ConverseMessage['role'], blocks: ConverseBlock[]): void => appendTurn(messages, role, blocks);
  for (const message of request.messages) {
    if (isSystemRole(message.role)) {
      const text = textOf(message.content);
      if (text) system.push({ text });
    } else if (message.role === 'user') push('user', userBlocks(message));
    else if (message.role === 'assistant') push('assistant', assistantBlocks(message));
    else if (message.role === 'tool') {
      push('user', [{ toolResult: { toolUseId: String(message.tool_call_id ?? ''), content: [{ text: textOf(message.content) }] } }]);
    } else throw new BadRequestError(`unsupported message role ${JSON.stringify(message.role)}`, 'messages');
  }
  const body: Record<string, unknown> = { messages };
  if (system.length) body.system = system;
  const inferenceConfig: Record<string, unknown> = {};
  const maxTokens = maxTokensOf(request, params);
  if (maxTokens !== undefined) inferenceConfig.maxTokens = maxTokens;
  if (typeof request.temperature === 'number') inferenceConfig.temperature = request.temperature;
  if (typeof request.top_p === 'number') inferenceConfig.topP = request.top_p;
  const stop = stopSequences(request.stop);
  if (stop?.length) inferenceConfig.stopSequences = stop;
  if (Object.keys(inferenceConfig).length) body.inferenceConfig = inferenceConfig;
  // Model-specific fields Converse has no slot for travel in additionalModelRequestFields.
  if (typeof request.top_k === 'number') body.additionalModelRequestFields = { top_k: request.top_k };
  const tools = functionToolsOf(request.tools);
  if (tools.length) {
    const toolConfig: Record<string, unknown> = {
      tools: tools.map((tool) => ({
        toolSpec: {
          name: tool.function.name,
          ...(tool.function.description ? { description: tool.function.description } : {}),
          inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } },
        },
      })),
    };
    const choice = request.tool_choice;
    if (choice === 'auto') toolConfig.toolChoice = { auto: {} };
    else if (choice === 'required') toolConfig.toolChoice = { any: {} };
    else {
      const name = (choice as { function?: { name?: unknown } } | undefined)?.function?.name;
      if (typeof name === 'string') toolConfig.toolChoice = { tool: { name } };
    }
    body.toolConfig = toolConfig;
  }
  if (typeof params.guardrailConfig === 'object' && params.guardrailConfig !== null) body.guardrailConfig = params.guardrailConfig;
  return body;
}

function userBlocks(message: ChatMessage): ConverseBlock[] {
  return contentParts(message.content).map((part): ConverseBlock => {
    if (part.type === 'text') return { text: part.text };
    if (part.image.kind !== 'inline') throw new BadRequestError('Bedrock takes images as base64 data URLs (data:image/png;base64,…), not links', 'messages');
    const format = IMAGE_FORMATS[part.image.mediaType.toLowerCase()];
    if (!format) throw new BadRequestError(`Bedrock does not take images of type ${part.image.mediaType}`, 'messages');
    return { image: { format, source: { bytes: part.image.base64 } } };
  });
}

function assistantBlocks(message: ChatMessage): ConverseBlock[] {
  const blocks: ConverseBlock[] = [];
  const text = textOf(message.content);
  if (text) blocks.push({ text });
  for (const call of toolCallsOf(message)) blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseArguments(call.function.arguments) } });
  return blocks;
}

const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReasonOf(stopReason: string | undefined): string {
  return (stopReason && FINISH_REASONS[stopReason]) ?? 'stop';
}

export function usageFromConverse(usage: ConverseUsage | undefined): Usage {
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const cacheWrite = usage?.cacheWriteInputTokens ?? 0;
  return usageOf((usage?.inputTokens ?? 0) + cacheRead + cacheWrite, usage?.outputTokens ?? 0, { prompt_tokens_details: { cached_tokens: cacheRead } });
}

/** Converse answer → chat.completion; Bedrock has no response id, so the request id (`x-amzn-requestid`) stands in. */
export function fromConverseResponse(response: ConverseResponse, upstreamModel: string, requestId?: string): CompletionObject {
  let text = '';
  let reasoning = '';
  const toolCalls: object[] = [];
  for (const block of response.output?.message?.content ?? []) {
    if (typeof block.text === 'string') text += block.text;
    const toolUse = block.toolUse as { toolUseId: string; name: string; input?: unknown } | undefined;
    if (toolUse) toolCalls.push({ id: toolUse.toolUseId, type: 'function', function: { name: toolUse.name, arguments: JSON.stringify(toolUse.input ?? {}) } });
    const reasoningText = (block.reasoningContent as { reasoningText?: { text?: string } } | undefined)?.reasoningText?.text;
    if (reasoningText) reasoning += reasoningText;
  }
  const message: Record<string, unknown> = { role: 'assistant', content: toolCalls.length && !text ? null : text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  return {
    id: requestId ?? `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: upstreamModel,
    choices: [{ index: 0, message, finish_reason: finishReasonOf(response.stopReason), logprobs: null }],
    usage: usageFromConverse(response.usage),
  };
}

/** An exception frame in a ConverseStream, with the HTTP status the same exception has outside a stream. */
export class ConverseStreamException extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export const EXCEPTION_STATUS: Readonly<Record<string, number>> = {
  throttlingException: 429,
  validationException: 400,
  accessDeniedException: 403,
  modelTimeoutException: 408,
  serviceUnavailableException: 503,
  internalServerException: 500,
  modelStreamErrorException: 500,
};

/**
 * ConverseStream events → OpenAI chunks. Converse numbers content blocks across text and tool use; OpenAI numbers
 * tool calls on their own, so each tool block gets the next tool index when it starts.
 */
export class ConverseChunkTranslator implements ChunkTranslator<AwsStreamFrame> {
  private readonly chunks: ChunkBuilder;
  private readonly toolIndexOfBlock = new Map<number, number>();
  private stopReason: string | undefined;
  private usage: ConverseUsage | undefined;

  constructor(upstreamModel: string, requestId?: string) {
    this.chunks = new ChunkBuilder(upstreamModel, requestId);
  }

  next(frame: AwsStreamFrame): object[] {
    if (frame.messageType !== 'event') {
      const detail = typeof frame.payload.message === 'string' ? frame.payload.message : frame.eventType || 'stream error';
      throw new ConverseStreamException(EXCEPTION_STATUS[frame.eventType] ?? 500, detail);
    }
    const payload = frame.payload;
    const blockIndex = typeof payload.contentBlockIndex === 'number' ? payload.contentBlockIndex : 0;
    switch (frame.eventType) {
      case 'messageStart':
        return [this.chunks.delta({ content: '' })];
      case 'contentBlockStart': {
        const toolUse = (payload.start as { toolUse?: { toolUseId: string; name: string } } | undefined)?.toolUse;
        if (!toolUse) return [];
        const index = this.toolIndexOfBlock.size;
        this.toolIndexOfBlock.set(blockIndex, index);
        return [this.chunks.delta({ content: null, tool_calls: [{ index, id: toolUse.toolUseId, type: 'function', function: { name: toolUse.name, arguments: '' } }] })];
      }
      case 'contentBlockDelta': {
        const delta = (payload.delta ?? {}) as { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string } };
        if (typeof delta.text === 'string' && delta.text) return [this.chunks.delta({ content: delta.text })];
        if (delta.toolUse?.input)
          return [this.chunks.delta({ content: null, tool_calls: [{ index: this.toolIndexOfBlock.get(blockIndex) ?? 0, function: { arguments: delta.toolUse.input } }] })];
        if (delta.reasoningContent?.text) return [this.chunks.delta({ reasoning_content: delta.reasoningContent.text })];
        return [];
      }
      case 'messageStop':
        this.stopReason = typeof payload.stopReason === 'string' ? payload.stopReason : undefined;
        return [];
      case 'metadata':
        this.usage = payload.usage as ConverseUsage | undefined;
        return [];
      default:
        return [];
    }
  }

  end(): object[] {
    return [this.chunks.finish(finishReasonOf(this.stopReason)), this.chunks.usage(usageFromConverse(this.usage))];
  }
}
