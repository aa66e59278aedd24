import type { ServerResponse } from 'node:http';
import { type ProviderHandler, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

export const ANTHROPIC_TEST_KEY = 'sk-ant-test-key-000000000001';

interface Block {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  thinking?: string;
  signature?: string;
  source?: { type: string; media_type?: string; data?: string; url?: string };
  cache_control?: unknown;
}

interface Message {
  role: string;
  content: string | Block[];
}

/** Top-level fields the Messages API takes; anything else is refused, as the real API refuses it. */
const MESSAGES_FIELDS = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'metadata',
  'stop_sequences',
  'stream',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  // Newer fields Claude Code sends (effort and structured-output settings).
  'output_config',
  'output_format',
]);
const COUNT_TOKENS_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers', 'context_management']);

/** The prompt prefixes written to the mock's cache (by the text up to the last `cache_control` marker). */
const cachedPrefixes = new Set<string>();

/** What the mock answers a Messages request with, in Anthropic's format; shared with Claude on the Bedrock mock. */
export interface MessagesAnswer {
  id: string;
  content: Block[];
  stopReason: string;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number };
}

/**
 * Speaks Anthropic's Messages API as the real one does for the cases tests need: it refuses what the real API
 * refuses (missing key or version header, no max_tokens, a field it does not know, metadata other than user_id, a
 * system turn in `messages`, turns that do not alternate, a tool_result with no matching tool_use, a tool_use after
 * thinking was enabled without its thinking block), and answers by echoing the last user text. With tools it calls
 * the first tool with `{"input": <last user text>}`; after a tool result it answers with that result. With
 * `thinking` enabled the reply starts with a signed thinking block. Blocks marked `cache_control` make a cacheable
 * prefix: written to the cache the first time (`cache_creation_input_tokens`), read the next times
 * (`cache_read_input_tokens`). `POST /v1/messages/count_tokens` counts the prompt the same way.
 * Models named `…-too-long`, `…-overloaded`, `…-stream-error` fail the way Anthropic does.
 */
export const anthropicMock: ProviderHandler = async ({ request, res }) => {
  const countTokens = request.path.split('?')[0] === '/v1/messages/count_tokens';
  if (request.method !== 'POST' || (request.path.split('?')[0] !== '/v1/messages' && !countTokens)) return false;
  if (request.headers['x-api-key'] !== ANTHROPIC_TEST_KEY) return (error(res, 401, 'authentication_error', 'invalid x-api-key'), true);
  if (!request.headers['anthropic-version']) return (error(res, 400, 'invalid_request_error', 'anthropic-version: header is required'), true);
  const body = request.body ?? {};
  if (countTokens) {
    const unknown = Object.keys(body).find((field) => !COUNT_TOKENS_FIELDS.has(field));
    if (unknown) return (error(res, 400, 'invalid_request_error', `${unknown}: Extra inputs are not permitted`), true);
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return (error(res, 400, 'invalid_request_error', 'model and messages: Field required'), true);
    sendJson(res, 200, { input_tokens: promptTokensOf(body) });
    return true;
  }
  const midConversationSystem = (request.headers['anthropic-beta'] ?? '').split(',').includes('mid-conversation-system-2026-04-07');
  const problem = validateMessages(body, MESSAGES_FIELDS, midConversationSystem);
  if (problem) return (error(res, 400, 'invalid_request_error', problem), true);
  const model = String(body.model);
  if (model.endsWith('-too-long')) return (error(res, 400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'), true);
  if (model.endsWith('-overloaded')) return (error(res, 529, 'overloaded_error', 'Overloaded'), true);
  const answer = answerMessages(body);
  const { id, content, stopReason, usage } = answer;
  if (body.stream !== true) {
    sendJson(
      res,
      200,
      { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage },
      { 'anthropic-ratelimit-requests-remaining': '99', 'request-id': 'req_mock' },
    );
    return true;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_mock' });
  const events = messagesEvents(answer, model, model.endsWith('-stream-error')).map(({ event, data }) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  await writeSlowly(res, events);
  return true;
};

/** The answer to a (valid) Messages request: see {@link anthropicMock}. */
export function answerMessages(body: Record<string, unknown>): MessagesAnswer {
  const messages = (body.messages as Message[]).filter((message) => message.role !== 'system');
  const last = messages[messages.length - 1];
  const lastBlocks: Block[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  const toolResult = lastBlocks.find((block) => block.type === 'tool_result');
  const userText = lastBlocks
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join(' ');
  const images = lastBlocks.filter((block) => block.type === 'image').length;
  const tools = Array.isArray(body.tools) ? (body.tools as { name: string }[]) : [];
  const id = `msg_mock${Date.now()}`;
  let content: Block[];
  let stopReason: string;
  if (toolResult) {
    content = [{ type: 'text', text: `The tool said: ${typeof toolResult.content === 'string' ? toolResult.content : JSON.stringify(toolResult.content)}` }];
    stopReason = 'end_turn';
  } else if (tools.length && (body.tool_choice as { type?: string } | undefined)?.type !== 'none') {
    content = [
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: `toolu_mock${Date.now()}`, name: tools[0].name, input: { input: userText } },
    ];
    stopReason = 'tool_use';
  } else {
    const systemText = Array.isArray(body.system) ? (body.system as Block[]).map((block) => block.text).join(' ') : String(body.system ?? '');
    const text = `Claude echo: ${userText}${images ? ` [${images} image(s)]` : ''}${systemText ? ` (system: ${systemText})` : ''}`;
    const stop = Array.isArray(body.stop_sequences) ? (body.stop_sequences as string[]) : [];
    const cut = stop
      .map((sequence) => text.indexOf(sequence))
      .filter((at) => at >= 0)
      .sort((a, b) => a - b)[0];
    content = [{ type: 'text', text: cut === undefined ? text : text.slice(0, cut) }];
    stopReason = cut === undefined ? 'end_turn' : 'stop_sequence';
  }
  if ((body.thinking as { type?: string } | undefined)?.type === 'enabled') {
    content.unshift({ type: 'thinking', thinking: `Thinking about: ${userText || 'the tool result'}`, signature: 'sig_mock_thinking' });
  }
  const total = promptTokensOf(body);
  const prefix = cachedPrefixOf(body);
  let cacheRead = 0;
  let cacheWrite = 0;
  if (prefix) {
    const prefixTokens = Math.min(tokensOf(prefix), total);
    if (cachedPrefixes.has(prefix)) cacheRead = prefixTokens;
    else {
      cachedPrefixes.add(prefix);
      cacheWrite = prefixTokens;
    }
  }
  const outputTokens = tokensOf(JSON.stringify(content));
  return {
    id,
    content,
    stopReason,
    usage: { input_tokens: total - cacheRead - cacheWrite, output_tokens: outputTokens, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite },
  };
}

/** The stream events of an answer, in Anthropic's order (with an `error` event after the text when asked). */
export function messagesEvents(answer: MessagesAnswer, model: string, failMidStream = false): { event: string; data: Record<string, unknown> }[] {
  const { id, content, stopReason, usage } = answer;
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const push = (data: Record<string, unknown>): void => void events.push({ event: String(data.type), data });
  push({
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  push({ type: 'ping' });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of words(block.text ?? '')) push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
      if (failMidStream) push({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    } else if (block.type === 'thinking') {
      push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const piece of words(block.thinking ?? '')) push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } });
      push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } });
    } else {
      push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } });
    }
    push({ type: 'content_block_stop', index });
  });
  push({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  push({ type: 'message_stop' });
  return events;
}

/** The prompt's tokens: its turns, system prompt and tools, at the mocks' four characters a token. */
function promptTokensOf(body: Record<string, unknown>): number {
  return tokensOf(JSON.stringify(body.messages) + JSON.stringify(body.system ?? '') + JSON.stringify(body.tools ?? ''));
}

/** Everything up to the last block marked `cache_control` (tools, then system, then turns), or undefined. */
function cachedPrefixOf(body: Record<string, unknown>): string | undefined {
  const pieces: unknown[] = [];
  let marked = -1;
  const visit = (item: unknown): void => {
    pieces.push(item);
    if (typeof item === 'object' && item !== null && (item as Block).cache_control) marked = pieces.length;
  };
  if (Array.isArray(body.tools)) body.tools.forEach(visit);
  if (Array.isArray(body.system)) body.system.forEach(visit);
  else if (body.system !== undefined) visit(body.system);
  for (const message of body.messages as Message[]) {
    if (typeof message.content === 'string') visit(message.content);
    else message.content.forEach(visit);
  }
  return marked < 0 ? undefined : JSON.stringify(pieces.slice(0, marked));
}

/** What the real API refuses in a Messages request body (shared with Claude on the Bedrock mock, which adds its own). */
export function validateMessages(body: Record<string, unknown>, fields: ReadonlySet<string> = MESSAGES_FIELDS, systemTurns = false): string | undefined {
  const unknown = Object.keys(body).find((field) => !fields.has(field));
  if (unknown) return `${unknown}: Extra inputs are not permitted`;
  if (body.metadata !== undefined) {
    const extra = Object.keys(body.metadata as object).find((field) => field !== 'user_id');
    if (extra) return `metadata.${extra}: Extra inputs are not permitted`;
  }
  if (typeof body.model !== 'string' && fields.has('model')) return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  const thinking = (body.thinking as { type?: string } | undefined)?.type === 'enabled';
  // With the mid-conversation-system beta, `system` turns may sit between the others (alternation skips them).
  const messages = (body.messages as Message[]).filter((message) => !(systemTurns && message.role === 'system' && typeof message.content === 'string'));
  const toolUseIds = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message.role !== 'user' && message.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i > 0 && messages[i - 1].role === message.role) return 'messages: roles must alternate between "user" and "assistant"';
    if (i === 0 && message.role !== 'user') return 'messages: first message must use the "user" role';
    const blocks = typeof message.content === 'string' ? [] : message.content;
    if (thinking && message.role === 'assistant' && blocks.some((block) => block.type === 'tool_use') && blocks[0]?.type !== 'thinking') {
      return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${blocks[0]?.type}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`;
    }
    for (const block of blocks) {
      if (block.type === 'tool_use' && block.id) toolUseIds.add(block.id);
      if (block.type === 'tool_result' && !toolUseIds.has(block.tool_use_id ?? '')) return `messages.${i}: unexpected tool_use_id found in tool_result blocks`;
      if (block.type === 'tool_use' && (typeof block.input !== 'object' || block.input === null)) return `messages.${i}: tool_use.input: Input should be a valid dictionary`;
      if (block.type === 'image' && block.source?.type === 'base64' && !block.source.media_type) return `messages.${i}: image media_type required`;
      if (block.type === 'thinking' && !block.signature) return `messages.${i}: thinking.signature: Field required`;
    }
  }
  if (body.tools !== undefined) {
    for (const tool of body.tools as { name?: unknown; input_schema?: unknown }[]) {
      if (typeof tool.name !== 'string' || typeof tool.input_schema !== 'object') return 'tools: each tool needs name and input_schema';
    }
  }
  return undefined;
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { type: 'error', error: { type, message } });
}
