import type { CompletionObject, Usage } from '../routing/openai.types';
import { usageFromMessages, type MessagesUsage } from '../routing/providers/anthropic/anthropic-messages';

/**
 * How the pipeline reads one operation's streamed events (JSON texts, one per event): rewriting them for the client
 * and picking up what settlement needs. OpenAI chunks are the default; an edge whose upstream speaks another event
 * format natively (Anthropic Messages, OpenAI Responses) brings its own codec on its operation.
 */
export interface StreamCodec {
  /**
   * Rewrites one upstream event for the client (the provider's id → Tollgate's call id) and records usage and the
   * provider's id in `outcome`; undefined drops the event (a usage chunk the client did not ask for).
   */
  relay(data: string, callId: string, clientWantsUsage: boolean, outcome: StreamOutcome): string | undefined;
  /** The reply text the events carry, for stream guardrails and for counting tokens when no usage came. */
  textOf(events: readonly string[]): string;
  /** The event with its reply text replaced: where a stream guardrail's rewrite lands. */
  withText(data: string, text: string): string;
}

export interface StreamOutcome {
  usage: Usage | null;
  /** Events kept until usage arrives; only a provider that sends none has them parsed, to count tokens. */
  unparsed: string[];
  /** The provider's own id of the completion (from the first chunk), kept on the spend row. */
  providerResponseId?: string;
  /**
   * Usage known before the end (Anthropic's `message_start`: the prompt and cache figures). A stream that ends
   * without its final usage is charged this prompt plus the completion tokens counted from its text.
   */
  promptUsage?: Usage;
}

const ID_PREFIX_JSON = '{"id":"';

const NULL_USAGE = '"usage":null';

/**
 * Rewrites one chunk's id to Tollgate's call id and picks up usage. The common chunk — id first, no usage
 * or `"usage":null` (OpenAI sends that on every chunk once usage is requested) — is handled on the text;
 * only the usage chunk and unusual layouts are parsed. Returns the text to send, or undefined for a
 * usage-only chunk the client did not ask for.
 */
export function relayEvent(data: string, callId: string, clientWantsUsage: boolean, outcome: StreamOutcome): string | undefined {
  const usageAt = data.indexOf('"usage"');
  const noUsage = usageAt < 0 || (data.startsWith(NULL_USAGE, usageAt) && data.indexOf('"usage"', usageAt + 7) < 0);
  if (noUsage && data.startsWith(ID_PREFIX_JSON)) {
    const idEnd = data.indexOf('"', ID_PREFIX_JSON.length);
    const text = usageAt >= 0 && !clientWantsUsage ? withoutNullUsage(data, usageAt) : data;
    if (idEnd > 0 && text !== undefined) {
      outcome.providerResponseId ??= data.slice(ID_PREFIX_JSON.length, idEnd);
      if (outcome.usage === null) outcome.unparsed.push(data);
      return ID_PREFIX_JSON + callId + text.slice(idEnd);
    }
  }
  const chunk = JSON.parse(data) as CompletionObject;
  if (typeof chunk.id === 'string') outcome.providerResponseId ??= chunk.id;
  chunk.id = callId;
  if (chunk.usage) {
    outcome.usage = chunk.usage;
    outcome.unparsed.length = 0;
  } else if (outcome.usage === null) {
    outcome.unparsed.push(data);
  }
  if (!clientWantsUsage && chunk.usage !== undefined) {
    if (chunk.usage && Array.isArray(chunk.choices) && chunk.choices.length === 0) return undefined;
    delete chunk.usage;
  }
  return JSON.stringify(chunk);
}

/** Drops `,"usage":null` (or `"usage":null,`) after the id; undefined when the layout is not that simple. */
function withoutNullUsage(data: string, usageAt: number): string | undefined {
  const end = usageAt + NULL_USAGE.length;
  if (data[usageAt - 1] === ',') return data.slice(0, usageAt - 1) + data.slice(end);
  if (data[end] === ',') return data.slice(0, usageAt) + data.slice(end + 1);
  return undefined;
}

export function completionTextOf(events: readonly string[]): string {
  let text = '';
  for (const data of events) {
    const choices = (JSON.parse(data) as { choices?: { delta?: { content?: unknown }; text?: unknown }[] }).choices;
    const piece = choices?.[0]?.delta?.content ?? choices?.[0]?.text;
    if (typeof piece === 'string') text += piece;
  }
  return text;
}

/**
 * The event with its first choice's text replaced (`delta.content` of a chat chunk, `text` of a completion chunk):
 * where a guardrail's stream rewrite lands.
 */
export function withCompletionText(data: string, text: string): string {
  const chunk = JSON.parse(data) as { choices?: { delta?: { content?: unknown }; text?: unknown }[] };
  const choice = chunk.choices?.[0];
  if (!choice) return data;
  if (typeof choice.text === 'string') choice.text = text;
  else choice.delta = { ...choice.delta, content: text };
  return JSON.stringify(chunk);
}

/** OpenAI's `chat.completion.chunk` / `text_completion` events. */
export const OPENAI_CHUNKS: StreamCodec = { relay: relayEvent, textOf: completionTextOf, withText: withCompletionText };

interface MessagesEvent {
  type?: string;
  message?: { id?: string; usage?: MessagesUsage };
  usage?: MessagesUsage;
  index?: number;
  delta?: { type?: string; text?: string };
  content_block?: { type?: string; text?: string };
}

const CONTENT_DELTA_PREFIX = '{"type":"content_block_delta"';

/**
 * Anthropic's Messages stream events (`message_start`, `content_block_*`, `message_delta`, `message_stop`, `ping`),
 * whether a provider sent them natively or Tollgate translated a chat stream into them. `message_start` carries the
 * provider's message id (rewritten to the call id) and the prompt's usage with its cache reads and writes;
 * `message_delta` the final usage (output tokens, and on newer streams the whole usage again). Text deltas, the bulk
 * of a stream, pass without a parse.
 */
function relayMessagesEvent(data: string, callId: string, _clientWantsUsage: boolean, outcome: StreamOutcome): string {
  if (data.startsWith(CONTENT_DELTA_PREFIX)) {
    if (outcome.usage === null) outcome.unparsed.push(data);
    return data;
  }
  const event = JSON.parse(data) as MessagesEvent;
  if (event.type === 'message_start' && event.message) {
    if (typeof event.message.id === 'string') outcome.providerResponseId ??= event.message.id;
    event.message.id = callId;
    const prompt = usageFromMessages(event.message.usage, 0);
    if (prompt.prompt_tokens > 0) outcome.promptUsage = prompt;
    return JSON.stringify(event);
  }
  if (event.type === 'message_delta' && event.usage) {
    // Fields a delta leaves out keep the values message_start gave.
    const start = outcome.promptUsage;
    const details = start?.prompt_tokens_details as { cached_tokens?: number } | undefined;
    const merged: MessagesUsage = {
      input_tokens: event.usage.input_tokens ?? (start ? start.prompt_tokens - (details?.cached_tokens ?? 0) - Number(start.cache_creation_input_tokens ?? 0) : 0),
      output_tokens: event.usage.output_tokens ?? 0,
      cache_read_input_tokens: event.usage.cache_read_input_tokens ?? details?.cached_tokens ?? 0,
      cache_creation_input_tokens: event.usage.cache_creation_input_tokens ?? Number(start?.cache_creation_input_tokens ?? 0),
    };
    outcome.usage = usageFromMessages(merged);
    outcome.unparsed.length = 0;
    return data;
  }
  if (event.type === 'content_block_start' && outcome.usage === null) outcome.unparsed.push(data);
  // Anything else (block starts and stops, ping, message_stop) passes as it came, with its type first for the framing.
  return event.type !== undefined && !data.startsWith('{"type":') ? JSON.stringify({ type: event.type, ...event }) : data;
}

/** The reply text of Anthropic events: text deltas (and text a block starts with); thinking and tool input are not reply text. */
export function messagesTextOf(events: readonly string[]): string {
  let text = '';
  for (const data of events) {
    const event = JSON.parse(data) as MessagesEvent;
    if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta' && typeof event.delta.text === 'string') text += event.delta.text;
    else if (event.type === 'content_block_start' && event.content_block?.type === 'text' && typeof event.content_block.text === 'string') text += event.content_block.text;
  }
  return text;
}

/** The event with its text replaced, where it is a text delta (a stream guardrail's rewrite); others unchanged. */
export function withMessagesText(data: string, text: string): string {
  if (!data.startsWith(CONTENT_DELTA_PREFIX)) return data;
  const event = JSON.parse(data) as MessagesEvent;
  if (event.delta?.type !== 'text_delta') return data;
  event.delta.text = text;
  return JSON.stringify(event);
}

/** Anthropic's Messages stream events. */
export const ANTHROPIC_EVENTS: StreamCodec = { relay: relayMessagesEvent, textOf: messagesTextOf, withText: withMessagesText };

/** The `type` of an Anthropic event text, for its SSE `event:` line (the codec puts it first). */
export function messagesEventType(data: string): string {
  const match = /^\{"type":"([^"]+)"/.exec(data);
  if (match) return match[1];
  const type = (JSON.parse(data) as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'message';
}

/** A stream that failed after its headers were sent; the client already got the error event. */
export class StreamFailed extends Error {
  constructor() {
    super('stream failed after headers were sent');
    this.name = 'StreamFailed';
  }
}
