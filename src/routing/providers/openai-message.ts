import type { ChatMessage } from '../openai.types';
import { BadRequestError } from '../../common/errors/http-errors';

/** One piece of an OpenAI message's content, in the shape adapters translate from. */
export type ContentPart = { type: 'text'; text: string; cacheControl?: CacheControl } | { type: 'image'; image: ImageSource; cacheControl?: CacheControl };

/** Anthropic-style prompt-caching marker (`{"type": "ephemeral"}`), which LiteLLM accepts on OpenAI content parts. */
export type CacheControl = Record<string, unknown>;

/** An image either inline (data URL) or by reference (https URL). */
export type ImageSource = { kind: 'inline'; mediaType: string; base64: string } | { kind: 'url'; url: string };

export interface OpenAiToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments: string };
}

export interface OpenAiTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/** Message content as parts: a string is one text part; unknown part types are refused, not silently dropped. */
export function contentParts(content: unknown): ContentPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new BadRequestError('message content must be a string or a list of content parts', 'messages');
  return content.map((part: unknown): ContentPart => {
    const typed = part as { type?: unknown; text?: unknown; image_url?: unknown; cache_control?: unknown };
    const cacheControl = isCacheControl(typed.cache_control) ? { cacheControl: typed.cache_control } : {};
    if (typed.type === 'text' && typeof typed.text === 'string') return { type: 'text', text: typed.text, ...cacheControl };
    if (typed.type === 'image_url') {
      const url = typeof typed.image_url === 'string' ? typed.image_url : (typed.image_url as { url?: unknown } | undefined)?.url;
      if (typeof url === 'string') return { type: 'image', image: imageSourceOf(url), ...cacheControl };
    }
    throw new BadRequestError(`unsupported content part type ${JSON.stringify(typed.type ?? null)} for this provider`, 'messages');
  });
}

function isCacheControl(value: unknown): value is CacheControl {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A message-level `cache_control` (LiteLLM's shorthand for marking the message's last block). */
export function messageCacheControl(message: Record<string, unknown>): CacheControl | undefined {
  return isCacheControl(message.cache_control) ? message.cache_control : undefined;
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === null || content === undefined ? '' : JSON.stringify(content);
  return content
    .map((part: unknown) => {
      const typed = part as { type?: unknown; text?: unknown };
      return typed.type === 'text' && typeof typed.text === 'string' ? typed.text : '';
    })
    .join('');
}

export function imageSourceOf(url: string): ImageSource {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (match) return { kind: 'inline', mediaType: match[1], base64: match[2] };
  return { kind: 'url', url };
}

export function toolCallsOf(message: ChatMessage): OpenAiToolCall[] {
  return Array.isArray(message.tool_calls) ? (message.tool_calls as OpenAiToolCall[]) : [];
}

export function functionToolsOf(tools: unknown): OpenAiTool[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter((tool): tool is OpenAiTool => (tool as { type?: unknown })?.type === 'function' && typeof (tool as OpenAiTool).function?.name === 'string');
}

/** Tool-call arguments as an object; providers want JSON, OpenAI clients send a string. */
export function parseArguments(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
  } catch {
    throw new BadRequestError('tool_calls[].function.arguments must be a JSON object text', 'messages');
  }
}

/** The name of the function a tool result answers, found on the assistant message that called it. */
export function toolNameFor(messages: readonly ChatMessage[], toolCallId: unknown): string | undefined {
  for (const message of messages) for (const call of toolCallsOf(message)) if (call.id === toolCallId) return call.function.name;
  return undefined;
}

export function stopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop)) return stop.filter((item): item is string => typeof item === 'string');
  return undefined;
}

/** `max_completion_tokens`, else `max_tokens`, else the deployment's configured `max_tokens`. */
export function maxTokensOf(request: Record<string, unknown>, params: Record<string, unknown>): number | undefined {
  for (const value of [request.max_completion_tokens, request.max_tokens, params.max_tokens]) {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

export function isSystemRole(role: string): boolean {
  return role === 'system' || role === 'developer';
}

/**
 * Appends `blocks` as a turn of `role`, merged into the previous turn when that has the same role: Anthropic and
 * Bedrock want user and assistant turns to alternate, so parallel tool results (or a tool result and a user remark)
 * become one turn. An empty list adds nothing.
 */
export function appendTurn<Role, Block>(turns: { role: Role; content: Block[] }[], role: Role, blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}
