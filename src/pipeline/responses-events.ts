import { usageFromResponses } from '../routing/providers/responses-via-chat';
import type { StreamCodec, StreamOutcome } from './stream-events';

/** Events that carry the whole Response object: its id is rewritten, and the last one's usage is the call's. */
const RESPONSE_EVENTS: ReadonlySet<string> = new Set([
  'response.created',
  'response.in_progress',
  'response.queued',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);
/** Events whose delta is reply text: what stream guardrails check and what is counted when no usage came. */
const TEXT_EVENTS: ReadonlySet<string> = new Set(['response.output_text.delta', 'response.refusal.delta']);

const TYPE_PREFIX = '{"type":"';

/** An event's `type`, read from the text when it comes first (as OpenAI writes it), else parsed. */
export function responsesEventType(data: string): string | undefined {
  if (data.startsWith(TYPE_PREFIX)) {
    const end = data.indexOf('"', TYPE_PREFIX.length);
    if (end > 0) return data.slice(TYPE_PREFIX.length, end);
  }
  try {
    const type = (JSON.parse(data) as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

interface ResponseEvent {
  response?: { id?: unknown; usage?: unknown; [field: string]: unknown };
  [field: string]: unknown;
}

/**
 * Reads the OpenAI Responses API's typed events (`response.created` … `response.completed`), whether an OpenAI or
 * Azure upstream sent them or the chat translation made them: only the few events that carry the Response object
 * are parsed (its id becomes Tollgate's call id, the provider's is kept, the final usage with its cached and
 * reasoning tokens is picked up); deltas pass as they are. Usage always reaches the client, as the API defines.
 */
export const RESPONSES_EVENTS: StreamCodec = {
  relay(data: string, callId: string, _clientWantsUsage: boolean, outcome: StreamOutcome): string | undefined {
    const type = responsesEventType(data);
    if (type === undefined || !RESPONSE_EVENTS.has(type)) {
      if (outcome.usage === null && type !== undefined && TEXT_EVENTS.has(type)) outcome.unparsed.push(data);
      return data;
    }
    const event = JSON.parse(data) as ResponseEvent;
    const response = event.response;
    if (typeof response !== 'object' || response === null) return data;
    if (typeof response.id === 'string') outcome.providerResponseId ??= response.id;
    response.id = callId;
    const usage = usageFromResponses(response.usage);
    if (usage) {
      outcome.usage = usage;
      outcome.unparsed.length = 0;
    }
    return JSON.stringify(event);
  },
  textOf(events: readonly string[]): string {
    let text = '';
    for (const data of events) {
      const type = responsesEventType(data);
      if (type === undefined || !TEXT_EVENTS.has(type)) continue;
      const delta = (JSON.parse(data) as { delta?: unknown }).delta;
      if (typeof delta === 'string') text += delta;
    }
    return text;
  },
  withText(data: string, text: string): string {
    const type = responsesEventType(data);
    if (type === undefined || !TEXT_EVENTS.has(type)) return data;
    const event = JSON.parse(data) as { delta?: unknown };
    if (typeof event.delta !== 'string') return data;
    event.delta = text;
    return JSON.stringify(event);
  },
};
