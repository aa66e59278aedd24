import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

type EncodingName = 'o200k_base' | 'cl100k_base';

/** OpenAI's chat framing: each message is wrapped in ~3 tokens, a `name` costs 1 more, the reply is primed with 3. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING_TOKENS = 3;
/** An image/audio/file part cannot be sized without decoding it; OpenAI's low-detail image cost is the floor. */
const NON_TEXT_PART_TOKENS = 85;

/** Models tokenized with o200k_base (gpt-4o and later, the o-series); everything else is counted with cl100k_base. */
const O200K_MODEL = /^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|chatgpt-4o|o\d|omni-)/;

const encoders = new Map<EncodingName, Tiktoken>();

/**
 * Prompt tokens of a chat request as OpenAI counts them (content, role and name per message plus framing).
 * An estimate for models with other tokenizers, good enough for budget reservations and usage-less streams.
 */
export function countChatPromptTokens(messages: readonly { role: string; content?: unknown; name?: unknown }[], model: string): number {
  if (!Array.isArray(messages) || messages.length === 0) return 0;
  const encoder = encoderFor(model);
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    tokens += TOKENS_PER_MESSAGE + encode(encoder, String(message.role)) + contentTokens(encoder, message.content);
    if (typeof message.name === 'string') tokens += TOKENS_PER_NAME + encode(encoder, message.name);
    // Assistant turns replayed with tool calls carry their arguments as prompt tokens too.
    const toolCalls: unknown = (message as { tool_calls?: unknown }).tool_calls;
    if (toolCalls != null) tokens += encode(encoder, JSON.stringify(toolCalls));
  }
  return tokens;
}

/** Tokens of a plain text (a completion, a text prompt, an embedding input) with the model's tokenizer. */
export function countTextTokens(text: string, model: string): number {
  if (typeof text !== 'string' || text === '') return 0;
  return encode(encoderFor(model), text);
}

function contentTokens(encoder: Tiktoken, content: unknown): number {
  if (content == null) return 0;
  if (typeof content === 'string') return encode(encoder, content);
  if (!Array.isArray(content)) return encode(encoder, JSON.stringify(content));
  let tokens = 0;
  for (const part of content as unknown[]) {
    if (typeof part === 'string') tokens += encode(encoder, part);
    else if (isTextPart(part)) tokens += encode(encoder, part.text);
    else if (part != null) tokens += NON_TEXT_PART_TOKENS;
  }
  return tokens;
}

function isTextPart(part: unknown): part is { text: string } {
  return typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string';
}

/**
 * Byte-pair encoding is quadratic in the length of one pre-tokenised piece, and a piece is a whole run of
 * non-space (or space) characters: 16 KB of `x` would block the event loop for ~20 s. Runs longer than this are
 * counted in slices of this size, which changes the count by at most a token per slice.
 */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}|\\s{${MAX_RUN + 1},}`, 'g');

/** User text may contain `<|endoftext|>` and the like: count it as ordinary text instead of throwing. */
function encode(encoder: Tiktoken, text: string): number {
  if (text === '') return 0;
  if (text.length <= MAX_RUN) return encoder.encode(text, [], []).length;
  let tokens = 0;
  let from = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    const at = match.index ?? 0;
    if (at > from) tokens += encoder.encode(text.slice(from, at), [], []).length;
    for (let slice = 0; slice < match[0].length; slice += MAX_RUN) tokens += encoder.encode(match[0].slice(slice, slice + MAX_RUN), [], []).length;
    from = at + match[0].length;
  }
  if (from < text.length) tokens += encoder.encode(text.slice(from), [], []).length;
  return tokens;
}

function encodingFor(model: string): EncodingName {
  const bare = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  return O200K_MODEL.test(bare) ? 'o200k_base' : 'cl100k_base';
}

/** Building an encoder parses megabytes of ranks, so each is built on first use and kept for the process. */
function encoderFor(model: string): Tiktoken {
  const name = encodingFor(typeof model === 'string' ? model : '');
  let encoder = encoders.get(name);
  if (!encoder) {
    encoder = new Tiktoken(loadRanks(name));
    encoders.set(name, encoder);
  }
  return encoder;
}

function loadRanks(name: EncodingName): TiktokenBPE {
  // Required here rather than imported so the 1–2 MB rank tables are not parsed at boot; the ranks ship in the package.
  return (name === 'o200k_base' ? require('js-tiktoken/ranks/o200k_base') : require('js-tiktoken/ranks/cl100k_base')) as TiktokenBPE;
}

/** English averages ~4 characters per token with OpenAI's tokenizers. */
const CHARS_PER_TOKEN = 4;

/**
 * A tokenizer-free estimate of a chat request's prompt tokens (~4 characters per token plus framing), for
 * budget reservations on the hot path: the reservation is settled to the provider's usage afterwards, so
 * it need not be exact, and a real tokenizer costs ~0.5 ms per request and ~90 MB once loaded.
 */
export function estimateChatPromptTokens(messages: readonly { role: string; content?: unknown }[]): number {
  if (!Array.isArray(messages)) return 0;
  let tokens = REPLY_PRIMING_TOKENS;
  for (const message of messages) tokens += TOKENS_PER_MESSAGE + estimateContentTokens(message.content);
  return tokens;
}

/** A tokenizer-free estimate of a text's tokens (~4 characters per token). */
export function estimateTextTokens(text: unknown): number {
  return typeof text === 'string' ? Math.ceil(text.length / CHARS_PER_TOKEN) : 0;
}

function estimateContentTokens(content: unknown): number {
  if (typeof content === 'string') return estimateTextTokens(content);
  if (!Array.isArray(content)) return content == null ? 0 : estimateTextTokens(JSON.stringify(content));
  let tokens = 0;
  for (const part of content as unknown[]) tokens += isTextPart(part) ? estimateTextTokens(part.text) : typeof part === 'string' ? estimateTextTokens(part) : NON_TEXT_PART_TOKENS;
  return tokens;
}
