import type { CompletionObject, Usage } from '../routing/openai.types';

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

/** A stream that failed after its headers were sent; the client already got the error event. */
export class StreamFailed extends Error {
  constructor() {
    super('stream failed after headers were sent');
    this.name = 'StreamFailed';
  }
}

