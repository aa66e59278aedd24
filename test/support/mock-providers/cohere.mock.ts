import type { ServerResponse } from 'node:http';
import { type ProviderHandler, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

export const COHERE_TEST_KEY = 'co-test-key-000000000001';

interface Message {
  role: string;
  content?: string | { type: string; text?: string }[];
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  tool_plan?: string;
}

/**
 * Speaks Cohere's v2 API (`/v2/chat`, `/v2/embed`, `/v2/rerank`): bearer key, `invalid api token` on a wrong one,
 * `input_type` required for embeddings, tool results that must answer an earlier call, and v2's stream events.
 * Chat echoes the last user text; with tools it calls the first one with `{"input": <text>}`; rerank scores documents
 * by how many query words they contain. `command-too-long` fails on token count.
 */
export const cohereMock: ProviderHandler = async ({ request, res }) => {
  if (request.method !== 'POST' || !['/v2/chat', '/v2/embed', '/v2/rerank'].includes(request.path)) return false;
  if (request.headers.authorization !== `Bearer ${COHERE_TEST_KEY}`) return fail(res, 401, 'invalid api token');
  const body = request.body ?? {};
  const model = String(body.model ?? '');
  if (request.path === '/v2/embed') {
    if (typeof body.input_type !== 'string') return fail(res, 400, 'invalid request: valid input_type must be provided with the provided model');
    const texts = (body.texts ?? []) as string[];
    sendJson(res, 200, {
      id: 'embed-mock',
      embeddings: { float: texts.map((text) => [text.length / 10, tokensOf(text) / 10, 0.5]) },
      texts,
      meta: { api_version: { version: '2' }, billed_units: { input_tokens: texts.reduce((sum, text) => sum + tokensOf(text), 0) } },
    });
    return true;
  }
  if (request.path === '/v2/rerank') {
    const query = String(body.query ?? '')
      .toLowerCase()
      .split(/\W+/)
      .filter(Boolean);
    const documents = (body.documents ?? []) as unknown[];
    if (documents.some((document) => typeof document !== 'string')) return fail(res, 400, 'invalid request: documents must be strings');
    const scored = (documents as string[]).map((document, index) => ({
      index,
      relevance_score: query.filter((word) => document.toLowerCase().includes(word)).length / Math.max(1, query.length),
    }));
    scored.sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
    const topN = typeof body.top_n === 'number' ? body.top_n : scored.length;
    sendJson(res, 200, { id: 'rerank-mock', results: scored.slice(0, topN), meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } } });
    return true;
  }
  const messages = (body.messages ?? []) as Message[];
  const ids = new Set<string>();
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) ids.add(call.id);
    if (message.role === 'tool' && !ids.has(message.tool_call_id ?? '')) return fail(res, 400, 'invalid request: tool message must answer a tool call');
    if (message.role === 'assistant' && message.tool_calls?.length && !message.tool_plan && !message.content)
      return fail(res, 400, 'invalid request: assistant tool calls need a tool_plan or content');
  }
  if (model === 'command-too-long') return fail(res, 400, 'too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 200000');
  const last = messages[messages.length - 1];
  const lastText = typeof last?.content === 'string' ? last.content : (last?.content ?? []).map((part) => part.text ?? '').join('');
  const tools = (body.tools ?? []) as { function: { name: string } }[];
  let text = '';
  let toolCall: { id: string; type: 'function'; function: { name: string; arguments: string } } | undefined;
  if (last?.role === 'tool') text = `Cohere saw the tool result: ${lastText}`;
  else if (tools.length && body.tool_choice !== 'NONE')
    toolCall = { id: `call_co${Date.now()}`, type: 'function', function: { name: tools[0].function.name, arguments: JSON.stringify({ input: lastText }) } };
  else text = `Cohere echo: ${lastText}`;
  const usage = {
    billed_units: { input_tokens: tokensOf(JSON.stringify(messages)), output_tokens: tokensOf(text || JSON.stringify(toolCall)) },
    tokens: { input_tokens: 999, output_tokens: 999 },
  };
  const finishReason = toolCall ? 'TOOL_CALL' : 'COMPLETE';
  if (body.stream !== true) {
    const message: Record<string, unknown> = { role: 'assistant' };
    if (toolCall) Object.assign(message, { tool_plan: 'I will call the tool.', tool_calls: [toolCall] });
    else message.content = [{ type: 'text', text }];
    sendJson(res, 200, { id: 'chat-mock', finish_reason: finishReason, message, usage });
    return true;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const event = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = [event('message-start', { id: 'chat-mock-stream', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } })];
  if (toolCall) {
    events.push(event('tool-plan-delta', { delta: { message: { tool_plan: 'I will call the tool.' } } }));
    events.push(
      event('tool-call-start', { index: 0, delta: { message: { tool_calls: { id: toolCall.id, type: 'function', function: { name: toolCall.function.name, arguments: '' } } } } }),
    );
    const args = toolCall.function.arguments;
    for (const part of [args.slice(0, 4), args.slice(4)])
      events.push(event('tool-call-delta', { index: 0, delta: { message: { tool_calls: { function: { arguments: part } } } } }));
    events.push(event('tool-call-end', { index: 0 }));
  } else {
    events.push(event('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }));
    for (const piece of words(text)) events.push(event('content-delta', { index: 0, delta: { message: { content: { text: piece } } } }));
    events.push(event('content-end', { index: 0 }));
  }
  events.push(event('message-end', { delta: { finish_reason: finishReason, usage } }));
  await writeSlowly(res as ServerResponse, events);
  return true;
};

function fail(res: ServerResponse, status: number, message: string): true {
  sendJson(res, status, { id: 'err', message });
  return true;
}
