import type { ServerResponse } from 'node:http';
import { type ProviderHandler, type RecordedProviderRequest, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

/** How one OpenAI-compatible provider differs, as far as the mock checks it: where it lives, its key, what it refuses. */
export interface CompatibleProviderSpec {
  /** The base path, as the provider's own base URL has it (`/openai/v1` for Groq, `/v1` for Mistral). */
  readonly basePath: string;
  readonly key: string;
  /** Headers every call must carry (OpenRouter's app attribution), by lower-case name. */
  readonly requiredHeaders?: Readonly<Record<string, string>>;
  /** Top-level fields the provider answers with 422 "Extra inputs are not permitted" (Mistral is strict). */
  readonly refusedFields?: readonly string[];
  /** `tool_choice` values it accepts when a string (Mistral: auto, none, any); objects are refused when set. */
  readonly toolChoices?: readonly string[];
  /** Message content must be a string unless it holds an image (Mistral). */
  readonly stringContentOnly?: boolean;
  /** `name` refused on other than tool messages (Mistral). */
  readonly nameOnlyOnTools?: boolean;
  /** A prefix every model name must carry (Fireworks' `accounts/…/models/`). */
  readonly modelPrefix?: string;
  /** Usage comes with the last content chunk whether asked or not (Mistral, Perplexity), never as its own chunk. */
  readonly usageInLastChunk?: boolean;
  /** Serves `/embeddings`. */
  readonly embeddings?: boolean;
}

/**
 * Several OpenAI-compatible providers on one server, each under `/<name><basePath>`: it checks the bearer key and
 * required headers, refuses what the real provider refuses (so a quirk the preset forgets fails the test), echoes the
 * last user text as `<name> echo: …`, streams it word by word with usage as the provider sends it, and embeds.
 */
export function openAiCompatibleMock(providers: Readonly<Record<string, CompatibleProviderSpec>>): ProviderHandler {
  return async ({ request, res }) => {
    if (request.method !== 'POST') return false;
    const name = Object.keys(providers).find((provider) => request.path.startsWith(`/${provider}${providers[provider].basePath}/`));
    if (!name) return false;
    const spec = providers[name];
    const operation = request.path.slice(`/${name}${spec.basePath}`.length);
    if (request.headers.authorization !== `Bearer ${spec.key}`) return fail(res, 401, 'invalid_api_key', 'Invalid API Key');
    for (const [header, value] of Object.entries(spec.requiredHeaders ?? {})) {
      if (request.headers[header] !== value) return fail(res, 400, 'missing_header', `${header} must be ${value}, got ${request.headers[header] ?? 'nothing'}`);
    }
    const body = request.body ?? {};
    const problem = validate(body, spec);
    if (problem) return fail(res, 422, 'invalid_request_error', problem);
    if (operation === '/embeddings' && spec.embeddings) return embed(res, body);
    if (operation !== '/chat/completions') return fail(res, 404, 'not_found', `no route ${operation}`);
    return chat(request, res, name, spec, body);
  };
}

function validate(body: Record<string, unknown>, spec: CompatibleProviderSpec): string | undefined {
  for (const field of spec.refusedFields ?? []) if (body[field] !== undefined) return `Extra inputs are not permitted: ${field}`;
  if (spec.modelPrefix && !String(body.model).startsWith(spec.modelPrefix)) return `Model not found, inaccessible, and/or not deployed: ${String(body.model)}`;
  if (body.tool_choice !== undefined && spec.toolChoices && !(typeof body.tool_choice === 'string' && spec.toolChoices.includes(body.tool_choice))) {
    return `tool_choice: Input should be ${spec.toolChoices.join(', ')}`;
  }
  for (const [at, message] of ((body.messages ?? []) as Record<string, unknown>[]).entries()) {
    if (spec.stringContentOnly && Array.isArray(message.content) && !(message.content as { type: string }[]).some((part) => part.type === 'image_url')) {
      return `messages.${at}.content: Input should be a valid string`;
    }
    if (spec.nameOnlyOnTools && message.name !== undefined && message.role !== 'tool') return `messages.${at}.name: Extra inputs are not permitted`;
  }
  return undefined;
}

async function chat(request: RecordedProviderRequest, res: ServerResponse, name: string, spec: CompatibleProviderSpec, body: Record<string, unknown>): Promise<true> {
  const messages = (body.messages ?? []) as { role: string; content: unknown }[];
  const last = [...messages].reverse().find((message) => message.role === 'user');
  const userText = typeof last?.content === 'string' ? last.content : ((last?.content ?? []) as { text?: string }[]).map((part) => part.text ?? '').join('');
  const text = `${name} echo: ${userText}`;
  const promptTokens = tokensOf(JSON.stringify(messages));
  const usage = { prompt_tokens: promptTokens, completion_tokens: tokensOf(text), total_tokens: promptTokens + tokensOf(text) };
  const id = `${name}-${Date.now()}`;
  const model = String(body.model);
  if (body.stream !== true) {
    sendJson(
      res,
      200,
      { id, object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage },
      { 'x-ratelimit-remaining-requests': '99', 'x-request-id': request.headers['x-request-id'] ?? 'req-mock' },
    );
    return true;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (delta: object, finish: string | null, extra: object = {}): string =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' }, null), ...words(text).map((piece) => chunk({ content: piece }, null))];
  if (spec.usageInLastChunk) events.push(chunk({}, 'stop', { usage }));
  else {
    events.push(chunk({}, 'stop'));
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage)
      events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model, choices: [], usage })}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  await writeSlowly(res, events);
  return true;
}

function embed(res: ServerResponse, body: Record<string, unknown>): true {
  const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
  const tokens = inputs.reduce((sum, input) => sum + tokensOf(input), 0);
  sendJson(res, 200, {
    object: 'list',
    data: inputs.map((input, index) => ({ object: 'embedding', index, embedding: [input.length, 0.5, 0.25] })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
  return true;
}

function fail(res: ServerResponse, status: number, code: string, message: string): true {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', code } });
  return true;
}
