import type { ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { type ProviderHandler, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

/** Models the mock Ollama has "pulled"; `crashy` fails halfway through a stream as a model runner crash does. */
export const OLLAMA_MODELS = ['llama3', 'gemma2', 'mistral', 'llava', 'nomic-embed-text', 'crashy'];

interface ChatMessage {
  role: string;
  content: string;
  images?: string[];
  tool_calls?: { function: { name: string; arguments: Record<string, unknown> } }[];
  tool_name?: string;
}

/**
 * Speaks Ollama's native API (`/api/generate`, `/api/chat`, `/api/embed`, `/api/tags`) the way Ollama does:
 * streams NDJSON unless `stream: false`, answers 404 for a model that is not pulled, counts tokens in
 * `prompt_eval_count`/`eval_count`, and sends tool calls with object arguments and no id.
 */
export const ollamaMock: ProviderHandler = async ({ request, res }) => {
  if (request.method === 'GET' && request.path === '/api/tags') {
    sendJson(res, 200, { models: OLLAMA_MODELS.map((name) => ({ name: `${name}:latest`, model: `${name}:latest` })) });
    return true;
  }
  if (request.method !== 'POST' || !['/api/generate', '/api/chat', '/api/embed'].includes(request.path)) return false;
  const body = request.body ?? {};
  const model = String(body.model ?? '').replace(/:latest$/, '');
  if (!OLLAMA_MODELS.includes(model)) {
    sendJson(res, 404, { error: `model "${String(body.model)}" not found, try pulling it first` });
    return true;
  }
  if (request.path === '/api/embed') {
    const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 8;
    sendJson(res, 200, {
      model: `${model}:latest`,
      embeddings: inputs.map((input) => vector(input, dimensions)),
      prompt_eval_count: inputs.reduce((sum, input) => sum + tokensOf(input), 0),
    });
    return true;
  }
  const options = (body.options ?? {}) as { num_predict?: number; stop?: string[] };
  let text: string;
  let toolCalls: ChatMessage['tool_calls'];
  let promptTokens: number;
  if (request.path === '/api/generate') {
    const prompt = String(body.prompt ?? '');
    promptTokens = tokensOf(prompt + String(body.system ?? ''));
    const images = Array.isArray(body.images) ? body.images.length : 0;
    text = `${model} says: ${prompt}${body.system ? ` (system: ${String(body.system)})` : ''}${images ? ` [${images} image(s)]` : ''}`;
  } else {
    const messages = (body.messages ?? []) as ChatMessage[];
    promptTokens = tokensOf(JSON.stringify(messages));
    const last = messages[messages.length - 1];
    const tools = Array.isArray(body.tools) ? (body.tools as { function: { name: string } }[]) : [];
    if (last?.role === 'tool') text = `The tool ${last.tool_name ?? '?'} said: ${last.content}`;
    else if (tools.length) {
      text = '';
      toolCalls = [{ function: { name: tools[0].function.name, arguments: { input: last?.content ?? '' } } }];
    } else text = `${model} chat: ${last?.content ?? ''}${last?.images?.length ? ` [${last.images.length} image(s)]` : ''}`;
  }
  let doneReason = 'stop';
  const pieces = words(text);
  if (typeof options.num_predict === 'number' && pieces.length > options.num_predict) {
    pieces.length = options.num_predict;
    doneReason = 'length';
  }
  for (const stop of options.stop ?? []) {
    const joined = pieces.join('');
    const at = joined.indexOf(stop);
    if (at >= 0) pieces.splice(0, pieces.length, ...words(joined.slice(0, at)).filter(Boolean));
  }
  const evalCount = Math.max(1, pieces.length);
  const base = { model: `${model}:latest`, created_at: new Date().toISOString() };
  const chat = request.path === '/api/chat';
  const piece = (content: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
    chat ? { ...base, message: { role: 'assistant', content, ...extra }, done: false } : { ...base, response: content, done: false };
  const done = {
    ...base,
    ...(chat ? { message: { role: 'assistant', content: '' } } : { response: '' }),
    done: true,
    done_reason: doneReason,
    total_duration: 1000,
    prompt_eval_count: promptTokens,
    eval_count: evalCount,
  };
  if (body.stream === false) {
    const full = pieces.join('');
    const answer = chat ? { ...done, message: { role: 'assistant', content: full, ...(toolCalls ? { tool_calls: toolCalls } : {}) } } : { ...done, response: full };
    sendJson(res, 200, answer);
    return true;
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const lines = pieces.map((content) => `${JSON.stringify(piece(content))}\n`);
  if (toolCalls) lines.push(`${JSON.stringify(piece('', { tool_calls: toolCalls }))}\n`);
  if (model === 'crashy') lines.splice(1, lines.length, `${JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' })}\n`);
  else lines.push(`${JSON.stringify(done)}\n`);
  await writeSlowly(res as ServerResponse, lines);
  return true;
};

function vector(text: string, dimensions: number): number[] {
  const digest = createHash('sha256').update(text).digest();
  return Array.from({ length: dimensions }, (_, i) => digest[i % digest.length] / 255);
}
