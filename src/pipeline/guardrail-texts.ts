import { contentText, type ChatMessage } from '@tollgate/guardrail-sdk';
import type { GuardrailReply, GuardrailText } from '../guardrails/guardrail-call';

type Body = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A chat body's `messages`, read and written as they are. */
export function chatMessagesText(body: Body): GuardrailText {
  return {
    read: () => (Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : []),
    write: (messages) => {
      body.messages = messages as unknown[];
    },
  };
}

/**
 * Text fields of a body as user messages, one per string, in field order: a string field gives one message, a list
 * of strings one per item, a list of `{text}` objects (rerank documents, multimodal moderation input) one per text.
 * A rewrite is written back into the same places, so the body keeps its shape.
 */
export function fieldsText(body: Body, fields: readonly string[]): GuardrailText {
  type Slot = { read: () => string; write: (text: string) => void };
  const slots = (): Slot[] => {
    const found: Slot[] = [];
    for (const field of fields) {
      const value = body[field];
      if (typeof value === 'string') found.push({ read: () => body[field] as string, write: (text) => (body[field] = text) });
      else if (Array.isArray(value)) {
        value.forEach((item, i) => {
          if (typeof item === 'string') found.push({ read: () => value[i] as string, write: (text) => (value[i] = text) });
          else if (isRecord(item) && typeof item.text === 'string') found.push({ read: () => item.text as string, write: (text) => (item.text = text) });
        });
      }
    }
    return found;
  };
  return {
    read: () => slots().map((slot) => ({ role: 'user', content: slot.read() })),
    write: (messages) => {
      const targets = slots();
      messages.forEach((message, i) => targets[i]?.write(contentText(message.content)));
    },
  };
}

/** A body whose text is chat messages when it has them, else its prompt or input fields (pass-through bodies). */
export function anyBodyText(body: Body): GuardrailText {
  return Array.isArray(body.messages) ? chatMessagesText(body) : fieldsText(body, ['prompt', 'input', 'query']);
}

/**
 * A Responses API body's text as chat messages: `instructions` (system), then the `input` — a string (user), or its
 * items: each message's text (a string content or its text parts, `developer` read as system) and each function
 * call's output (tool). A rewrite goes back into the same places; stored turns a call continues are not re-read.
 */
export function responsesInputText(body: Body): GuardrailText {
  type Slot = { role: string; read: () => string; write: (text: string) => void };
  const slots = (): Slot[] => {
    const found: Slot[] = [];
    if (typeof body.instructions === 'string') found.push({ role: 'system', read: () => body.instructions as string, write: (text) => (body.instructions = text) });
    const input = body.input;
    if (typeof input === 'string') found.push({ role: 'user', read: () => body.input as string, write: (text) => (body.input = text) });
    if (!Array.isArray(input)) return found;
    for (const item of input) {
      if (!isRecord(item)) continue;
      if (item.type === 'function_call_output' && typeof item.output === 'string') {
        found.push({ role: 'tool', read: () => item.output as string, write: (text) => (item.output = text) });
        continue;
      }
      if ((item.type !== undefined && item.type !== 'message') || typeof item.role !== 'string') continue;
      const role = item.role === 'developer' ? 'system' : item.role;
      const content = item.content;
      if (typeof content === 'string') found.push({ role, read: () => item.content as string, write: (text) => (item.content = text) });
      else if (Array.isArray(content)) {
        for (const part of content) {
          if (isRecord(part) && typeof part.text === 'string') found.push({ role, read: () => part.text as string, write: (text) => (part.text = text) });
        }
      }
    }
    return found;
  };
  return {
    read: () => slots().map((slot) => ({ role: slot.role, content: slot.read() })),
    write: (messages) => {
      const targets = slots();
      messages.forEach((message, i) => targets[i]?.write(contentText(message.content)));
    },
  };
}

/** The text of a Response object's output messages (one per `output_text` part); a rewrite replaces it in place. */
export function responsesReply(response: Record<string, unknown>): GuardrailReply | undefined {
  const parts: Record<string, unknown>[] = [];
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (!isRecord(item) || item.type !== 'message' || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (isRecord(part) && part.type === 'output_text' && typeof part.text === 'string') parts.push(part);
  }
  if (parts.length === 0) return undefined;
  return {
    texts: parts.map((part) => part.text as string),
    write: (texts) => parts.forEach((part, i) => (part.text = texts[i])),
  };
}

interface ReplyChoice {
  message?: { content?: unknown };
  text?: unknown;
}

/** The text of each choice of a chat or text completion; a rewrite replaces it in place. */
export function choicesReply(reply: Record<string, unknown>): GuardrailReply | undefined {
  const choices = Array.isArray(reply.choices) ? (reply.choices as ReplyChoice[]) : [];
  if (choices.length === 0) return undefined;
  return {
    texts: choices.map((choice) => (typeof choice.text === 'string' ? choice.text : typeof choice.message?.content === 'string' ? choice.message.content : '')),
    write: (texts) =>
      choices.forEach((choice, i) => {
        if (typeof choice.text === 'string') choice.text = texts[i];
        else if (choice.message) choice.message.content = texts[i];
      }),
  };
}

/** The `text` of a JSON reply (a transcription); a rewrite replaces it. */
export function textFieldReply(reply: Record<string, unknown>): GuardrailReply | undefined {
  if (typeof reply.text !== 'string') return undefined;
  return {
    texts: [reply.text],
    write: (texts) => {
      reply.text = texts[0];
    },
  };
}

type TextSlot = { role: string; read: () => string; write: (text: string) => void };

/** The text blocks of a block list (a system prompt, a turn's content, a tool result's content) as slots. */
function blockSlots(blocks: unknown[], role: string, found: TextSlot[]): void {
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') found.push({ role, read: () => block.text as string, write: (text) => (block.text = text) });
    else if (block.type === 'tool_result') {
      const content = block.content;
      if (typeof content === 'string') found.push({ role: 'tool', read: () => block.content as string, write: (text) => (block.content = text) });
      else if (Array.isArray(content)) blockSlots(content, 'tool', found);
    }
  }
}

/**
 * An Anthropic Messages body's text as chat messages, one per text: the system prompt, each turn's text (a string
 * content or its text blocks), and tool results (as `tool` messages). A rewrite is written back into the same
 * places, so blocks keep their `cache_control`, and thinking blocks and tool inputs are neither read nor touched.
 */
export function anthropicMessagesText(body: Body): GuardrailText {
  const slots = (): TextSlot[] => {
    const found: TextSlot[] = [];
    if (typeof body.system === 'string') found.push({ role: 'system', read: () => body.system as string, write: (text) => (body.system = text) });
    else if (Array.isArray(body.system)) blockSlots(body.system, 'system', found);
    const turns = Array.isArray(body.messages) ? body.messages : [];
    for (const turn of turns) {
      if (!isRecord(turn)) continue;
      const role = typeof turn.role === 'string' ? turn.role : 'user';
      if (typeof turn.content === 'string') found.push({ role, read: () => turn.content as string, write: (text) => (turn.content = text) });
      else if (Array.isArray(turn.content)) blockSlots(turn.content, role, found);
    }
    return found;
  };
  return {
    read: () => slots().map((slot) => ({ role: slot.role, content: slot.read() })),
    write: (messages) => {
      const targets = slots();
      messages.forEach((message, i) => targets[i]?.write(contentText(message.content)));
    },
  };
}

/** The text blocks of an Anthropic message (a Messages reply); a rewrite replaces each in place. */
export function anthropicMessageReply(reply: Record<string, unknown>): GuardrailReply | undefined {
  const blocks = (Array.isArray(reply.content) ? reply.content : []).filter(
    (block): block is { type: 'text'; text: string } => isRecord(block) && block.type === 'text' && typeof block.text === 'string',
  );
  if (blocks.length === 0) return undefined;
  return {
    texts: blocks.map((block) => block.text),
    write: (texts) => blocks.forEach((block, i) => (block.text = texts[i])),
  };
}
