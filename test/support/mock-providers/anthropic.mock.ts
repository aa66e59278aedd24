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
  source?: { type: string; media_type?: string; data?: string; url?: string };
}

interface Message {
  role: string;
  content: string | Block[];
}

/**
 * Speaks Anthropic's Messages API as the real one does for the cases tests need: it refuses what the real API
 * refuses (missing key or version header, no max_tokens, a system turn in `messages`, turns that do not alternate,
 * a tool_result with no matching tool_use), and answers by echoing the last user text. With tools it calls the
 * first tool with `{"input": <last user text>}`; after a tool result it answers with that result.
 * Models named `…-too-long`, `…-overloaded`, `…-stream-error` fail the way Anthropic does.
 */
export const anthropicMock: ProviderHandler = async ({ request, res }) => {
  if (request.method !== 'POST' || request.path !== '/v1/messages') return false;
  if (request.headers['x-api-key'] !== ANTHROPIC_TEST_KEY) return error(res, 401, 'authentication_error', 'invalid x-api-key'), true;
  if (!request.headers['anthropic-version']) return error(res, 400, 'invalid_request_error', 'anthropic-version: header is required'), true;
  const body = request.body ?? {};
  const problem = validate(body);
  if (problem) return error(res, 400, 'invalid_request_error', problem), true;
  const model = String(body.model);
  if (model.endsWith('-too-long')) return error(res, 400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'), true;
  if (model.endsWith('-overloaded')) return error(res, 529, 'overloaded_error', 'Overloaded'), true;
  const messages = body.messages as Message[];
  const last = messages[messages.length - 1];
  const lastBlocks: Block[] = typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
  const toolResult = lastBlocks.find((block) => block.type === 'tool_result');
  const userText = lastBlocks.filter((block) => block.type === 'text').map((block) => block.text).join(' ');
  const images = lastBlocks.filter((block) => block.type === 'image').length;
  const tools = Array.isArray(body.tools) ? (body.tools as { name: string }[]) : [];
  const inputTokens = tokensOf(JSON.stringify(body.messages) + JSON.stringify(body.system ?? ''));
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
    const cut = stop.map((sequence) => text.indexOf(sequence)).filter((at) => at >= 0).sort((a, b) => a - b)[0];
    content = [{ type: 'text', text: cut === undefined ? text : text.slice(0, cut) }];
    stopReason = cut === undefined ? 'end_turn' : 'stop_sequence';
  }
  const outputTokens = tokensOf(JSON.stringify(content));
  const usage = { input_tokens: inputTokens, output_tokens: outputTokens, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  if (body.stream !== true) {
    sendJson(res, 200, { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }, { 'anthropic-ratelimit-requests-remaining': '99', 'request-id': 'req_mock' });
    return true;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_mock' });
  const events: string[] = [
    sse('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }),
    sse('ping', { type: 'ping' }),
  ];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      for (const piece of words(block.text ?? '')) events.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
      if (model.endsWith('-stream-error')) events.push(sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
    } else {
      events.push(sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } }));
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) events.push(sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } }));
    }
    events.push(sse('content_block_stop', { type: 'content_block_stop', index }));
  });
  events.push(sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }));
  events.push(sse('message_stop', { type: 'message_stop' }));
  await writeSlowly(res, events);
  return true;
};

function validate(body: Record<string, unknown>): string | undefined {
  if (typeof body.model !== 'string') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: Field required';
  const messages = body.messages as Message[];
  const toolUseIds = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message.role !== 'user' && message.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (i > 0 && messages[i - 1].role === message.role) return 'messages: roles must alternate between "user" and "assistant"';
    if (i === 0 && message.role !== 'user') return 'messages: first message must use the "user" role';
    const blocks = typeof message.content === 'string' ? [] : message.content;
    for (const block of blocks) {
      if (block.type === 'tool_use' && block.id) toolUseIds.add(block.id);
      if (block.type === 'tool_result' && !toolUseIds.has(block.tool_use_id ?? '')) return `messages.${i}: unexpected tool_use_id found in tool_result blocks`;
      if (block.type === 'tool_use' && (typeof block.input !== 'object' || block.input === null)) return `messages.${i}: tool_use.input: Input should be a valid dictionary`;
      if (block.type === 'image' && block.source?.type === 'base64' && !block.source.media_type) return `messages.${i}: image media_type required`;
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

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
