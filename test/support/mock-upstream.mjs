#!/usr/bin/env node
// Tollgate — standalone OpenAI-compatible mock provider (plain ESM, node:http, no dependencies).
//
// Used by the e2e tests (programmatically) and by the benchmark (as a child process):
//
//   const { startMockUpstream } = await import('./mock-upstream.mjs');
//   const mock = await startMockUpstream({ latencyMs: 0, requireApiKey: 'sk-upstream' });
//   mock.baseUrl        // 'http://127.0.0.1:PORT/v1'
//   mock.stats          // live counters (same object for the life of the server)
//   mock.requests       // last 50 requests: { method, path, pathname, query, headers, body }
//   await mock.close();
//
//   node test/support/mock-upstream.mjs --port 18080 --latency 0
//
// Routes (each also without the /v1 prefix):
//   POST /v1/chat/completions     JSON, or SSE when stream:true (stream_options.include_usage)
//   POST /v1/completions          legacy text completion, JSON or SSE
//   POST /v1/embeddings           float or base64 (Float32 LE) vectors, deterministic per input
//   POST /v1/responses            Responses API: JSON, or its typed event stream (`event:` + `data:`, no [DONE])
//                                 when stream:true, always with usage (cached and reasoning tokens included); a
//                                 function tool is called with {"input": <last user text>}, a function_call_output
//                                 answered "The tool said: …"; text.format json_schema answers JSON of that schema.
//                                 Refuses what Tollgate must never send it: previous_response_id and item_reference
//                                 (it stores nothing), stream_options.include_usage (not a Responses parameter)
//   GET  /v1/models, /v1/models/{id}
//   POST /openai/deployments/{deployment}/chat/completions|completions|embeddings?api-version=…
//                                 (Azure style; the model is the deployment name)
//   POST /openai/responses?api-version=…  (Azure's Responses API; the deployment is the body's model)
//   POST/GET/DELETE /v1/files[/{id}[/content]]   files kept in memory (multipart upload); Azure: /openai/files?…
//   POST/GET /v1/batches[/{id}[/cancel]]         validating → in_progress (1st retrieve) → completed (2nd), with an
//                                 output file whose lines report usage; Azure: /openai/batches?api-version=…
//   GET  /v1/realtime?model=…      websocket (also /realtime, and Azure's /openai/realtime?deployment=…): session.created,
//                                 then per response.create: response.created, text deltas, response.done with usage
//   GET  /__stats                 counters            GET  /__requests  the request log
//   POST /__control               JSON merged into the options (live reconfiguration)
//   POST /__reset                 resetStats()
//
// Behaviour by model name (or Azure deployment name):
//   '400'…'599' (any 3-digit 4xx/5xx)  that status with an OpenAI error body (429 adds retry-after: 1)
//   'context-overflow' / 'content-filtered'  400 with a context-window / content-filter message (router tests)
//   'stream-error-first' / 'stream-then-drop'  200 SSE: an error event first / one chunk, then the connection drops
//   'slow' / 'slow-<ms>'               waits 5000 ms / <ms> before answering (cancelled if the client leaves)
//   'call-tools'                       chat with tools: calls the first tool with {"input": <last user text>};
//                                      after a tool result (since the last assistant turn): 'Mock reply to
//                                      tool result: <result>' (JSON or SSE)
//   'big-<bytes>'                      chat only: the reply text is <bytes> bytes ('xxxxxxx xxx…'), sent in 64 KB
//                                      writes that wait for the client (JSON without Content-Length, or SSE
//                                      with one 64 KB chunk per event), so a client that stops reading stops
//                                      it and is counted in `aborted`
import http from 'node:http';
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const DEFAULT_OPTIONS = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  latencyMs: 0,
  chunkCount: 8,
  chunkDelayMs: 0,
  completionTokens: 16,
  embedDim: 8,
  requireApiKey: undefined,
  rpmLimit: 10000,
  tpmLimit: 1000000,
  /** When true, requests over rpmLimit/tpmLimit in the current minute get a 429 (default: only advertised). */
  enforceLimits: false,
});

export const MOCK_MODELS = Object.freeze(['mock-gpt', 'gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small', 'mock-embedding']);

const REQUEST_LOG_SIZE = 50;
const SLOW_DEFAULT_MS = 5000;
const ERROR_MODEL_RE = /^[45]\d\d$/;
const SLOW_MODEL_RE = /^slow(?:-(\d+))?$/;
const BIG_MODEL_RE = /^big-(\d+)$/;
const TOOLS_MODEL = 'call-tools';
// Words rather than one run of letters: tokenizers are slow on very long unbroken runs.
const BIG_PIECE = 'xxxxxxx '.repeat(8 * 1024);
const AZURE_RE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)\/?$/;

const STATUS_TYPES = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'invalid_request_error',
  404: 'invalid_request_error',
  429: 'requests',
};

/**
 * Start a mock OpenAI-compatible upstream.
 * @param {object} [options] see DEFAULT_OPTIONS
 * @returns {Promise<{url: string, port: number, baseUrl: string, stats: object, requests: object[],
 *   options: object, server: import('node:http').Server, setOptions(partial: object): object,
 *   resetStats(): void, close(): Promise<void>}>}
 */
export async function startMockUpstream(options = {}) {
  const opts = { ...DEFAULT_OPTIONS };
  const stats = {
    requests: 0,
    chat: 0,
    completions: 0,
    embeddings: 0,
    responses: 0,
    models: 0,
    errors: 0,
    aborted: 0,
    completedStreams: 0,
    inFlight: 0,
  };
  /** Last REQUEST_LOG_SIZE requests, oldest first. The array object is never replaced. */
  const requests = [];
  let seq = 0;
  let winStart = Date.now();
  let winRequests = 0;
  let winTokens = 0;
  let modelsBody = '';
  const modelBodies = new Map();
  const embedCache = new Map();
  const idPrefix = `req_mock_${Date.now().toString(36)}_`;
  let reqCounter = 0;

  function applyOptions(partial) {
    if (!partial || typeof partial !== 'object') return opts;
    for (const [k, v] of Object.entries(partial)) {
      if (v === undefined && k !== 'requireApiKey') continue;
      opts[k] = v;
    }
    for (const k of ['latencyMs', 'chunkCount', 'chunkDelayMs', 'completionTokens', 'embedDim', 'rpmLimit', 'tpmLimit']) {
      const n = Number(opts[k]);
      opts[k] = Number.isFinite(n) && n >= 0 ? n : DEFAULT_OPTIONS[k];
    }
    opts.chunkCount = Math.max(1, Math.floor(opts.chunkCount));
    opts.embedDim = Math.max(1, Math.floor(opts.embedDim));
    opts.completionTokens = Math.floor(opts.completionTokens);
    if (opts.requireApiKey === null || opts.requireApiKey === '') opts.requireApiKey = undefined;
    embedCache.clear();
    const created = 1700000000;
    modelsBody = JSON.stringify({
      object: 'list',
      data: MOCK_MODELS.map((id) => ({ id, object: 'model', created, owned_by: 'mock' })),
    });
    modelBodies.clear();
    for (const id of MOCK_MODELS) modelBodies.set(id, JSON.stringify({ id, object: 'model', created, owned_by: 'mock' }));
    return opts;
  }
  applyOptions(options);

  function resetStats() {
    for (const k of Object.keys(stats)) if (k !== 'inFlight') stats[k] = 0;
    requests.length = 0;
    seq = 0;
  }

  // ------------------------------------------------------------------ headers
  function rollWindow(now) {
    if (now - winStart >= 60000) {
      winStart = now;
      winRequests = 0;
      winTokens = 0;
    }
  }

  /** Would one more request exceed the advertised limits of the current minute? */
  function overLimit() {
    rollWindow(Date.now());
    return winRequests + 1 > opts.rpmLimit || winTokens > opts.tpmLimit;
  }

  /** x-ratelimit-* headers; counts the request (and its tokens) unless count is false. */
  function rateHeaders(tokens, count) {
    const now = Date.now();
    rollWindow(now);
    if (count) {
      winRequests++;
      winTokens += tokens;
    }
    const resetMs = Math.max(0, 60000 - (now - winStart));
    const reset = resetMs >= 1000 ? `${Math.ceil(resetMs / 1000)}s` : `${resetMs}ms`;
    return {
      'x-ratelimit-limit-requests': String(opts.rpmLimit),
      'x-ratelimit-remaining-requests': String(Math.max(0, opts.rpmLimit - winRequests)),
      'x-ratelimit-limit-tokens': String(opts.tpmLimit),
      'x-ratelimit-remaining-tokens': String(Math.max(0, opts.tpmLimit - winTokens)),
      'x-ratelimit-reset-requests': reset,
      'x-ratelimit-reset-tokens': reset,
    };
  }

  function baseHeaders(ctx, contentType, tokens = 0) {
    const h = rateHeaders(tokens, !ctx.control);
    h['content-type'] = contentType;
    h['x-request-id'] = ctx.requestId;
    h['openai-processing-ms'] = String(Date.now() - ctx.start);
    h['openai-version'] = '2020-10-01';
    return h;
  }

  function sendJson(ctx, status, body, tokens = 0, extra) {
    const { res } = ctx;
    if (ctx.closed || res.headersSent) return;
    const h = baseHeaders(ctx, 'application/json', tokens);
    if (extra) Object.assign(h, extra);
    h['content-length'] = Buffer.byteLength(body);
    res.writeHead(status, h);
    res.end(body);
  }

  function sendError(ctx, status, message, type, code, extra) {
    if (status >= 400) stats.errors++;
    const body = JSON.stringify({
      error: { message, type: type ?? STATUS_TYPES[status] ?? 'api_error', param: null, code: code ?? null },
    });
    sendJson(ctx, status, body, 0, extra);
  }

  /** Run fn after ms (or synchronously when ms <= 0); cancelled if the client goes away. */
  function after(ctx, ms, fn) {
    if (ms <= 0) return fn();
    ctx.timer = setTimeout(() => {
      ctx.timer = null;
      if (!ctx.closed) fn();
    }, ms);
  }

  // ------------------------------------------------------------------ helpers
  function checkAuth(req) {
    const key = opts.requireApiKey;
    if (key === undefined) return true;
    const auth = req.headers.authorization;
    if (auth !== undefined && auth === `Bearer ${key}`) return true;
    return req.headers['api-key'] === String(key);
  }

  /** Error injection / slow models. Returns true when the request was taken over. */
  function specialModel(ctx, model) {
    if (typeof model !== 'string') return false;
    if (ERROR_MODEL_RE.test(model)) {
      const status = Number(model);
      after(ctx, opts.latencyMs, () => sendError(ctx, status, `Mock upstream error ${model}`, 'mock_error', model, status === 429 ? { 'retry-after': '1' } : undefined));
      return true;
    }
    if (routerFailure(ctx, model)) return true;
    return false;
  }

  // ------------------------------------------------------------------ router tests (issue 10)
  // 'context-overflow'  400 with OpenAI's context-window text (code context_length_exceeded)
  // 'content-filtered'  400 with Azure's content-filter text (code content_filter)
  function routerFailure(ctx, model) {
    if (model === 'context-overflow') {
      after(ctx, opts.latencyMs, () =>
        sendError(
          ctx,
          400,
          "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
          'invalid_request_error',
          'context_length_exceeded',
        ),
      );
      return true;
    }
    if (model === 'content-filtered') {
      after(ctx, opts.latencyMs, () =>
        sendError(ctx, 400, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", 'invalid_request_error', 'content_filter'),
      );
      return true;
    }
    if (model === 'stream-error-first' || model === 'stream-then-drop') {
      // 200 and an SSE body: one error event before anything else, or one content chunk then a dropped connection.
      after(ctx, opts.latencyMs, () => {
        if (ctx.closed) return;
        ctx.res.writeHead(200, baseHeaders(ctx, 'text/event-stream'));
        if (model === 'stream-error-first') {
          ctx.res.end(`data: ${JSON.stringify({ error: { message: 'Mock stream failed before its first token', type: 'server_error', code: null } })}\n\n`);
          return;
        }
        const chunk = {
          id: 'chatcmpl-mock-drop',
          object: 'chat.completion.chunk',
          created: 1700000000,
          model,
          choices: [{ index: 0, delta: { role: 'assistant', content: 'partial ' }, finish_reason: null }],
        };
        ctx.res.write(`data: ${JSON.stringify(chunk)}\n\n`);
        ctx.timer = setTimeout(() => ctx.res.destroy(), 50);
      });
      return true;
    }
    return false;
  }
  // ------------------------------------------------------------------ end router tests

  function slowDelay(model) {
    if (typeof model !== 'string') return 0;
    const m = SLOW_MODEL_RE.exec(model);
    if (!m) return 0;
    return m[1] !== undefined ? Number(m[1]) : SLOW_DEFAULT_MS;
  }

  function contentText(content) {
    if (typeof content === 'string') return content;
    if (Array.isArray(content)) {
      let s = '';
      for (const part of content) {
        if (typeof part === 'string') s += part;
        else if (part && typeof part.text === 'string') s += part.text;
      }
      return s;
    }
    return '';
  }

  function splitText(text, n) {
    const out = [];
    const len = text.length;
    for (let i = 0; i < n; i++) out.push(text.slice(Math.floor((i * len) / n), Math.floor(((i + 1) * len) / n)));
    return out;
  }

  function usageOf(prompt, completion) {
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  // ------------------------------------------------------------------ SSE
  function stream(ctx, frames, usageFrame, tokens, done = true) {
    const { res } = ctx;
    const h = baseHeaders(ctx, 'text/event-stream', tokens);
    h['cache-control'] = 'no-cache';
    res.writeHead(200, h);
    if (usageFrame) frames.push(usageFrame);
    if (done) frames.push('data: [DONE]\n\n');
    let i = 0;
    const finish = () => {
      stats.completedStreams++;
      res.end();
    };
    if (opts.chunkDelayMs <= 0) {
      for (; i < frames.length; i++) {
        if (ctx.closed) return;
        res.write(frames[i]);
      }
      return finish();
    }
    const step = () => {
      ctx.timer = null;
      if (ctx.closed) return;
      res.write(frames[i++]);
      if (i >= frames.length) return finish();
      ctx.timer = setTimeout(step, opts.chunkDelayMs);
    };
    step();
  }

  /**
   * Writes piece(0) … piece(count - 1) one at a time, waiting for 'drain' whenever the socket is full, so a
   * large response is never buffered whole and stops when the client goes away (it is then counted as aborted).
   */
  function writePieces(ctx, headers, count, piece, onDone) {
    const { res } = ctx;
    res.writeHead(200, headers);
    let i = 0;
    const next = () => {
      while (i < count) {
        if (ctx.closed) return;
        if (!res.write(piece(i++))) return void res.once('drain', next);
      }
      if (onDone) onDone();
      res.end();
    };
    next();
  }

  /** The 'big-<bytes>' model: a chat reply of exactly that many bytes of text. */
  function bigChat(ctx, body, model, bytes, promptTokens) {
    const usage = usageOf(promptTokens, Math.ceil(bytes / 4));
    const id = `chatcmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    const pieces = Math.ceil(bytes / BIG_PIECE.length);
    const text = (i) => (i < pieces - 1 ? BIG_PIECE : BIG_PIECE.slice(0, bytes - i * BIG_PIECE.length));
    if (body.stream !== true) {
      const head = `{"id":"${id}","object":"chat.completion","created":${created},"model":${JSON.stringify(model)},"choices":[{"index":0,"message":{"role":"assistant","content":"`;
      const tail = `"},"logprobs":null,"finish_reason":"stop"}],"usage":${JSON.stringify(usage)},"system_fingerprint":null}`;
      const parts = pieces + 2;
      return writePieces(ctx, baseHeaders(ctx, 'application/json', usage.total_tokens), parts, (i) => (i === 0 ? head : i === parts - 1 ? tail : text(i - 1)));
    }
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    const frames = [`${head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}\n\n`];
    const last = [`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n`];
    if (body.stream_options && body.stream_options.include_usage === true) last.push(`${head}[],"usage":${JSON.stringify(usage)}}\n\n`);
    last.push('data: [DONE]\n\n');
    const headers = baseHeaders(ctx, 'text/event-stream', usage.total_tokens);
    headers['cache-control'] = 'no-cache';
    const count = 1 + pieces + last.length;
    const frame = (i) =>
      i === 0 ? frames[0] : i <= pieces ? `${head}[{"index":0,"delta":{"content":"${text(i - 1)}"},"logprobs":null,"finish_reason":null}]}\n\n` : last[i - pieces - 1];
    writePieces(ctx, headers, count, frame, () => stats.completedStreams++);
  }

  // ------------------------------------------------------------------ handlers
  function chatCompletions(ctx, body, model) {
    stats.chat++;
    if (!Array.isArray(body.messages)) {
      return sendError(ctx, 400, "Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter');
    }
    let chars = 0;
    let lastUser = '';
    for (const m of body.messages) {
      const t = contentText(m && m.content);
      chars += t.length;
      if (m && m.role === 'user') lastUser = t;
    }
    const promptTokens = Math.ceil(chars / 4) + 3 * body.messages.length;
    const big = BIG_MODEL_RE.exec(model);
    if (big) return bigChat(ctx, body, model, Number(big[1]), promptTokens);
    const completionTokens = opts.completionTokens;
    const usage = usageOf(promptTokens, completionTokens);
    const text = 'Mock reply to: ' + lastUser.slice(0, 40);
    const id = `chatcmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    if (model === TOOLS_MODEL) return toolsChat(ctx, body, model, id, created, usage);
    if (body.stream !== true) {
      const choices = [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' }];
      return sendCompletion(ctx, { id, object: 'chat.completion', created, model, choices, usage });
    }
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    const parts = splitText(text, opts.chunkCount);
    const frames = parts.map(
      (p, i) =>
        `${head}[{"index":0,"delta":${i === 0 ? `{"role":"assistant","content":${JSON.stringify(p)}}` : `{"content":${JSON.stringify(p)}}`},"logprobs":null,"finish_reason":null}]}\n\n`,
    );
    frames.push(`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}\n\n`);
    const includeUsage = !!(body.stream_options && body.stream_options.include_usage === true);
    const usageFrame = includeUsage ? `${head}[],"usage":${JSON.stringify(usage)}}\n\n` : null;
    stream(ctx, frames, usageFrame, usage.total_tokens);
  }

  // The 'call-tools' model: with tools it calls the first one with {"input": <last user text>}; after a tool
  // result it answers 'Mock reply to tool result: <result>'. JSON or SSE (the call's arguments in two pieces).
  function toolsChat(ctx, body, model, id, created, usage) {
    const messages = body.messages;
    const tools = Array.isArray(body.tools) ? body.tools : [];
    let lastUser = '';
    for (const m of messages) if (m && m.role === 'user') lastUser = contentText(m.content);
    // A tool result since the assistant's last turn is what the reply is about.
    let result;
    for (let i = messages.length - 1; i >= 0 && messages[i] && messages[i].role !== 'assistant'; i--) if (messages[i].role === 'tool') result = messages[i];
    let message;
    let finish;
    if (!result && tools.length > 0 && body.tool_choice !== 'none') {
      const call = { id: `call_mock${seq}`, type: 'function', function: { name: tools[0].function.name, arguments: JSON.stringify({ input: lastUser }) } };
      message = { role: 'assistant', content: null, tool_calls: [call] };
      finish = 'tool_calls';
    } else {
      message = { role: 'assistant', content: `Mock reply to tool result: ${result ? contentText(result.content) : lastUser}` };
      finish = 'stop';
    }
    if (body.stream !== true) {
      return sendCompletion(ctx, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage });
    }
    const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    const chunk = (delta, reason = null) => `${head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${JSON.stringify(reason)}}]}\n\n`;
    const frames = [];
    if (message.tool_calls) {
      const call = message.tool_calls[0];
      const half = Math.floor(call.function.arguments.length / 2);
      frames.push(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
      frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments.slice(0, half) } }] }));
      frames.push(chunk({ tool_calls: [{ index: 0, function: { arguments: call.function.arguments.slice(half) } }] }));
    } else {
      for (const [i, piece] of splitText(message.content, 3).entries()) frames.push(chunk(i === 0 ? { role: 'assistant', content: piece } : { content: piece }));
    }
    frames.push(chunk({}, finish));
    const includeUsage = !!(body.stream_options && body.stream_options.include_usage === true);
    stream(ctx, frames, includeUsage ? `${head}[],"usage":${JSON.stringify(usage)}}\n\n` : null, usage.total_tokens);
  }

  function sendCompletion(ctx, completion) {
    return sendJson(ctx, 200, JSON.stringify({ ...completion, system_fingerprint: null }), completion.usage.total_tokens);
  }

  function textCompletions(ctx, body, model) {
    stats.completions++;
    if (body.prompt === undefined) {
      return sendError(ctx, 400, "Missing required parameter: 'prompt'.", 'invalid_request_error', 'missing_required_parameter');
    }
    let prompts;
    if (typeof body.prompt === 'string') prompts = [body.prompt];
    else if (Array.isArray(body.prompt) && body.prompt.length > 0 && typeof body.prompt[0] === 'number') prompts = [body.prompt];
    else if (Array.isArray(body.prompt)) prompts = body.prompt.length ? body.prompt : [''];
    else prompts = [String(body.prompt)];
    let promptTokens = 0;
    const texts = prompts.map((p) => {
      const s = typeof p === 'string' ? p : Array.isArray(p) ? p.join(' ') : String(p);
      promptTokens += Array.isArray(p) ? p.length : Math.ceil(s.length / 4);
      return 'Mock completion for: ' + s.slice(0, 40);
    });
    const completionTokens = opts.completionTokens * texts.length;
    const usage = usageOf(promptTokens, completionTokens);
    const id = `cmpl-mock-${++seq}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream !== true) {
      const choices = texts.map((text, index) => ({ text, index, logprobs: null, finish_reason: 'stop' }));
      return sendCompletion(ctx, { id, object: 'text_completion', created, model, choices, usage });
    }
    const head = `data: {"id":"${id}","object":"text_completion","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    const frames = splitText(texts[0], opts.chunkCount).map((p) => `${head}[{"text":${JSON.stringify(p)},"index":0,"logprobs":null,"finish_reason":null}]}\n\n`);
    frames.push(`${head}[{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}]}\n\n`);
    const includeUsage = !!(body.stream_options && body.stream_options.include_usage === true);
    const usageFrame = includeUsage ? `${head}[],"usage":${JSON.stringify(usage)}}\n\n` : null;
    stream(ctx, frames, usageFrame, usage.total_tokens);
  }

  function embeddingFor(key) {
    let e = embedCache.get(key);
    if (e) return e;
    const v = deterministicVector(key, opts.embedDim);
    e = { float: JSON.stringify(Array.from(v)), base64: JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')) };
    if (embedCache.size >= 1000) embedCache.clear();
    embedCache.set(key, e);
    return e;
  }

  function embeddings(ctx, body, model) {
    stats.embeddings++;
    const input = body.input;
    let inputs;
    if (typeof input === 'string') inputs = [input];
    else if (Array.isArray(input) && input.length > 0 && typeof input[0] === 'number') inputs = [input];
    else if (Array.isArray(input) && input.length > 0) inputs = input;
    else return sendError(ctx, 400, "Missing required parameter: 'input'.", 'invalid_request_error', 'missing_required_parameter');
    const base64 = body.encoding_format === 'base64';
    let promptTokens = 0;
    const parts = [];
    for (let i = 0; i < inputs.length; i++) {
      const item = inputs[i];
      let key;
      if (typeof item === 'string') {
        key = item;
        promptTokens += Math.ceil(item.length / 4);
      } else if (Array.isArray(item)) {
        key = 'tokens:' + item.join(',');
        promptTokens += item.length;
      } else {
        return sendError(ctx, 400, `Invalid 'input[${i}]': expected a string or an array of tokens.`, 'invalid_request_error', 'invalid_value');
      }
      const e = embeddingFor(key);
      parts.push(`{"object":"embedding","index":${i},"embedding":${base64 ? e.base64 : e.float}}`);
    }
    sendJson(
      ctx,
      200,
      `{"object":"list","data":[${parts.join(',')}],"model":${JSON.stringify(model)},"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens}}}`,
      promptTokens,
    );
  }

  // ------------------------------------------------------------------ Responses API
  /** Text of a Responses input item (message content or function call output). */
  function itemText(item) {
    if (!item || typeof item !== 'object') return '';
    if (item.type === 'function_call_output') return typeof item.output === 'string' ? item.output : JSON.stringify(item.output ?? '');
    if (item.type === 'function_call') return String(item.arguments ?? '');
    return contentText(item.content);
  }

  /** A value of the JSON schema's shape: strings 'mock', numbers 1, booleans true, arrays of one item. */
  function sampleOf(schema) {
    if (!schema || typeof schema !== 'object') return null;
    if (schema.type === 'object' || schema.properties) {
      const out = {};
      for (const [name, sub] of Object.entries(schema.properties ?? {})) out[name] = sampleOf(sub);
      return out;
    }
    if (schema.type === 'array') return [sampleOf(schema.items)];
    if (schema.type === 'number' || schema.type === 'integer') return 1;
    if (schema.type === 'boolean') return true;
    if (Array.isArray(schema.enum)) return schema.enum[0];
    return 'mock';
  }

  function responsesApi(ctx, body, model) {
    stats.responses++;
    if (body.previous_response_id !== undefined) {
      return sendError(
        ctx,
        400,
        "Previous response with id '" + body.previous_response_id + "' not found. (The mock upstream stores nothing.)",
        'invalid_request_error',
        'previous_response_not_found',
      );
    }
    if (body.stream_options && body.stream_options.include_usage !== undefined) {
      return sendError(ctx, 400, "Unknown parameter: 'stream_options.include_usage'.", 'invalid_request_error', 'unknown_parameter');
    }
    const items = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input : null;
    if (!items) return sendError(ctx, 400, "Missing required parameter: 'input'.", 'invalid_request_error', 'missing_required_parameter');
    if (items.some((item) => item && item.type === 'item_reference')) {
      return sendError(ctx, 400, 'Item references are not supported by the mock upstream (it stores nothing).', 'invalid_request_error', 'invalid_value');
    }
    let chars = typeof body.instructions === 'string' ? body.instructions.length : 0;
    let lastUser = '';
    for (const item of items) {
      const text = itemText(item);
      chars += text.length;
      if (item && item.role === 'user') lastUser = text;
    }
    const last = items[items.length - 1];
    const inputTokens = Math.ceil(chars / 4) + 3 * items.length;
    const cachedTokens = Math.floor(inputTokens / 4);
    const reasoningTokens = body.reasoning ? 4 : 0;
    const outputTokens = opts.completionTokens + reasoningTokens;
    const usage = {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: cachedTokens },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoningTokens },
      total_tokens: inputTokens + outputTokens,
    };
    const n = ++seq;
    const id = `resp_mock_${n}`;
    const created = Math.floor(Date.now() / 1000);
    const tools = Array.isArray(body.tools) ? body.tools.filter((tool) => tool && tool.type === 'function') : [];
    const format = body.text && body.text.format;
    const output = [];
    if (body.reasoning) output.push({ id: `rs_mock_${n}`, type: 'reasoning', summary: [] });
    let text = null;
    if (last && last.type === 'function_call_output') text = `The tool said: ${itemText(last)}`;
    else if (tools.length > 0 && body.tool_choice !== 'none') {
      output.push({
        id: `fc_mock_${n}`,
        type: 'function_call',
        status: 'completed',
        call_id: `call_mock_${n}`,
        name: tools[0].name,
        arguments: JSON.stringify({ input: lastUser }),
      });
    } else if (format && format.type === 'json_schema') text = JSON.stringify(sampleOf(format.schema));
    else text = 'Mock reply to: ' + lastUser.slice(0, 40);
    if (text !== null)
      output.push({ id: `msg_mock_${n}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });
    const response = {
      id,
      object: 'response',
      created_at: created,
      status: 'completed',
      background: false,
      error: null,
      incomplete_details: null,
      instructions: body.instructions ?? null,
      max_output_tokens: body.max_output_tokens ?? null,
      model,
      output,
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      previous_response_id: null,
      reasoning: { effort: (body.reasoning && body.reasoning.effort) ?? null, summary: null },
      store: body.store ?? true,
      temperature: body.temperature ?? 1,
      text: { format: format ?? { type: 'text' } },
      tool_choice: body.tool_choice ?? 'auto',
      tools: body.tools ?? [],
      top_p: body.top_p ?? 1,
      truncation: body.truncation ?? 'disabled',
      usage,
      user: body.user ?? null,
      metadata: body.metadata ?? {},
    };
    if (body.stream !== true) return sendJson(ctx, 200, JSON.stringify(response), usage.total_tokens);

    let sequence = 0;
    const frames = [];
    const event = (type, fields) => frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
    const opening = { ...response, status: 'in_progress', output: [], usage: null };
    event('response.created', { response: opening });
    event('response.in_progress', { response: opening });
    output.forEach((item, index) => {
      if (item.type === 'message') {
        const full = item.content[0].text;
        event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', content: [] } });
        event('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
        for (const piece of splitText(full, opts.chunkCount))
          event('response.output_text.delta', { item_id: item.id, output_index: index, content_index: 0, delta: piece, logprobs: [] });
        event('response.output_text.done', { item_id: item.id, output_index: index, content_index: 0, text: full, logprobs: [] });
        event('response.content_part.done', { item_id: item.id, output_index: index, content_index: 0, part: item.content[0] });
      } else if (item.type === 'function_call') {
        event('response.output_item.added', { output_index: index, item: { ...item, status: 'in_progress', arguments: '' } });
        for (const piece of splitText(item.arguments, 2)) event('response.function_call_arguments.delta', { item_id: item.id, output_index: index, delta: piece });
        event('response.function_call_arguments.done', { item_id: item.id, output_index: index, arguments: item.arguments });
      } else {
        event('response.output_item.added', { output_index: index, item });
      }
      event('response.output_item.done', { output_index: index, item });
    });
    event('response.completed', { response });
    stream(ctx, frames, null, usage.total_tokens, false);
  }

  // ------------------------------------------------------------------ server
  function logRequest(req, pathname, query, body) {
    if (requests.length >= REQUEST_LOG_SIZE) requests.shift();
    requests.push({ method: req.method, path: req.url, pathname, query, headers: req.headers, body });
  }

  function handleControl(ctx, req, pathname, raw) {
    if (req.method === 'GET' && pathname === '/__stats') return sendJson(ctx, 200, JSON.stringify(stats));
    if (req.method === 'GET' && pathname === '/__requests') return sendJson(ctx, 200, JSON.stringify(requests));
    if (req.method === 'GET' && pathname === '/__options') return sendJson(ctx, 200, JSON.stringify(opts));
    if (req.method === 'POST' && pathname === '/__reset') {
      resetStats();
      return sendJson(ctx, 200, '{"ok":true}');
    }
    if (req.method === 'POST' && pathname === '/__control') {
      let patch;
      try {
        patch = raw ? JSON.parse(raw) : {};
      } catch {
        return sendError(ctx, 400, 'We could not parse the JSON body of your request.', 'invalid_request_error');
      }
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) {
        return sendError(ctx, 400, 'Expected a JSON object.', 'invalid_request_error');
      }
      delete patch.port;
      delete patch.host;
      applyOptions(patch);
      return sendJson(ctx, 200, JSON.stringify({ ok: true, options: opts }));
    }
    return sendError(ctx, 404, `Unknown request URL: ${req.method} ${pathname}.`, 'invalid_request_error', 'unknown_url');
  }

  function dispatch(ctx, req, pathname, query, raw) {
    if (pathname.startsWith('/__')) return handleControl(ctx, req, pathname, raw);
    stats.requests++;

    let body = null;
    let badJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    logRequest(req, pathname, query, body);

    let p = pathname;
    let deployment;
    const az = AZURE_RE.exec(p);
    if (az) {
      deployment = decodeURIComponent(az[1]);
      p = '/' + az[2];
    } else if (p === '/openai/responses' || p === '/openai/responses/') {
      p = '/responses';
    } else if (p.startsWith('/v1/')) {
      p = p.slice(3);
    } else if (/^\/openai\/(files|batches)(\/|$)/.test(p)) {
      // Azure's files and batches belong to the resource, not a deployment.
      p = p.slice('/openai'.length);
    }
    if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);

    if (/^\/(files|batches)(\/|$)/.test(p)) {
      if (!checkAuth(req)) return after(ctx, opts.latencyMs, () => sendError(ctx, 401, 'Incorrect API key provided (mock upstream).', 'invalid_request_error', 'invalid_api_key'));
      return void objects(ctx, req, p, query, raw, body).catch((err) => sendError(ctx, 500, `Mock upstream internal error: ${err && err.message}`, 'server_error'));
    }

    const route =
      p === '/chat/completions'
        ? 'chat'
        : p === '/completions'
          ? 'completions'
          : p === '/embeddings'
            ? 'embeddings'
            : p === '/responses'
              ? 'responses'
              : p === '/models' || p.startsWith('/models/')
                ? 'models'
                : null;

    const later = (fn) => after(ctx, opts.latencyMs, fn);

    if (route === null) {
      return later(() => sendError(ctx, 404, `Unknown request URL: ${req.method} ${pathname}.`, 'invalid_request_error', 'unknown_url'));
    }
    if (!checkAuth(req)) {
      // Like some providers, quote the key it was sent: the gateway must never pass that on to its client.
      const presented = String(req.headers.authorization ?? req.headers['api-key'] ?? '').replace(/^Bearer /, '');
      return later(() => sendError(ctx, 401, `Incorrect API key provided: ${presented} (mock upstream).`, 'invalid_request_error', 'invalid_api_key'));
    }
    if (route === 'models') {
      if (req.method !== 'GET') return later(() => sendError(ctx, 405, `Method ${req.method} not allowed.`, 'invalid_request_error'));
      stats.models++;
      if (p === '/models') return later(() => sendJson(ctx, 200, modelsBody));
      const id = decodeURIComponent(p.slice('/models/'.length));
      const one = modelBodies.get(id) ?? JSON.stringify({ id, object: 'model', created: 1700000000, owned_by: 'mock' });
      return later(() => sendJson(ctx, 200, one));
    }
    if (req.method !== 'POST') return later(() => sendError(ctx, 405, `Method ${req.method} not allowed.`, 'invalid_request_error'));
    if (badJson || body === null || typeof body !== 'object' || Array.isArray(body)) {
      return later(() =>
        sendError(ctx, 400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", 'invalid_request_error'),
      );
    }

    const model = deployment ?? (typeof body.model === 'string' ? body.model : 'mock-gpt');
    if (opts.enforceLimits && overLimit()) {
      stats[route]++;
      return later(() => sendError(ctx, 429, 'Rate limit reached for requests (mock upstream).', 'requests', 'rate_limit_exceeded', { 'retry-after': '1' }));
    }
    if (specialModel(ctx, model)) {
      stats[route]++;
      return;
    }
    const handler = route === 'chat' ? chatCompletions : route === 'completions' ? textCompletions : route === 'responses' ? responsesApi : embeddings;
    after(ctx, opts.latencyMs + slowDelay(model), () => handler(ctx, body, model));
  }

  const server = http.createServer((req, res) => {
    const url = req.url || '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1)));
    const control = pathname.startsWith('/__');
    const ctx = { req, res, control, start: Date.now(), requestId: `${idPrefix}${(++reqCounter).toString(36)}`, closed: false, timer: null };
    if (!control) stats.inFlight++;
    res.on('close', () => {
      ctx.closed = true;
      if (ctx.timer) {
        clearTimeout(ctx.timer);
        ctx.timer = null;
      }
      if (!control) {
        stats.inFlight--;
        if (!res.writableEnded) stats.aborted++;
      }
    });
    req.on('error', () => {});
    res.on('error', () => {});

    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      chunks.push(c);
      size += c.length;
    });
    req.on('end', () => {
      if (ctx.closed) return;
      const raw = size === 0 ? '' : chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
      try {
        dispatch(ctx, req, pathname, query, raw);
      } catch (err) {
        if (!res.headersSent) sendError(ctx, 500, `Mock upstream internal error: ${err && err.message}`, 'server_error');
        else res.destroy();
      }
    });
  });
  // ------------------------------------------------------------------ files and batches
  const files = new Map();
  const batches = new Map();
  const describeFile = (f) => ({
    id: f.id,
    object: 'file',
    bytes: Buffer.byteLength(f.data),
    created_at: f.created_at,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
  });
  const describeBatch = (b) => ({
    id: b.id,
    object: 'batch',
    endpoint: b.endpoint,
    errors: null,
    input_file_id: b.input_file_id,
    completion_window: b.completion_window,
    status: b.status,
    output_file_id: b.output_file_id,
    error_file_id: null,
    created_at: b.created_at,
    request_counts: { total: b.lines.length, completed: b.status === 'completed' ? b.lines.length : 0, failed: 0 },
    metadata: b.metadata ?? null,
  });

  /**
   * Files (multipart upload, list, retrieve, content, delete) and batches: a batch is validating when created,
   * in_progress at its first retrieve and completed at the second, with an output file whose every line reports
   * usage (`completionTokens` output tokens, the line's characters / 4 input tokens).
   */
  async function objects(ctx, req, p, query, raw, body) {
    const [, kind, id, action] = p.split('/');
    const now = Math.floor(Date.now() / 1000);
    if (kind === 'files') {
      if (!id && req.method === 'POST') {
        const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData().catch(() => null);
        const file = form?.get('file');
        if (!form || !file || typeof file === 'string' || typeof form.get('purpose') !== 'string')
          return sendError(ctx, 400, "Missing required parameter: 'file' or 'purpose'.", 'invalid_request_error');
        const stored = { id: `file-${idPrefix}${(++seq).toString(36)}`, filename: file.name, purpose: form.get('purpose'), data: await file.text(), created_at: now };
        files.set(stored.id, stored);
        return sendJson(ctx, 200, JSON.stringify(describeFile(stored)));
      }
      if (!id && req.method === 'GET') return sendJson(ctx, 200, JSON.stringify({ object: 'list', data: [...files.values()].map(describeFile), has_more: false }));
      const stored = files.get(id);
      if (!stored) return sendError(ctx, 404, `No such File object: ${id}`, 'invalid_request_error');
      if (req.method === 'DELETE') {
        files.delete(id);
        return sendJson(ctx, 200, JSON.stringify({ id, object: 'file', deleted: true }));
      }
      if (action === 'content') {
        ctx.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(stored.data) });
        return ctx.res.end(stored.data);
      }
      return sendJson(ctx, 200, JSON.stringify(describeFile(stored)));
    }
    if (!id && req.method === 'POST') {
      const input = body && files.get(body.input_file_id);
      if (!input) return sendError(ctx, 400, `Invalid input_file_id: ${body?.input_file_id}`, 'invalid_request_error');
      const batch = {
        id: `batch_${idPrefix}${(++seq).toString(36)}`,
        endpoint: body.endpoint,
        input_file_id: input.id,
        completion_window: body.completion_window ?? '24h',
        status: 'validating',
        output_file_id: null,
        created_at: now,
        metadata: body.metadata,
        lines: input.data.split('\n').filter((line) => line.trim() !== ''),
      };
      batches.set(batch.id, batch);
      return sendJson(ctx, 200, JSON.stringify(describeBatch(batch)));
    }
    if (!id && req.method === 'GET') {
      const all = [...batches.values()].reverse();
      const start = query.after ? all.findIndex((b) => b.id === query.after) + 1 : 0;
      const page = all.slice(start, start + Number(query.limit ?? 20));
      return sendJson(
        ctx,
        200,
        JSON.stringify({
          object: 'list',
          data: page.map(describeBatch),
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
          has_more: start + page.length < all.length,
        }),
      );
    }
    const batch = batches.get(id);
    if (!batch) return sendError(ctx, 404, `No batch found with id '${id}'.`, 'invalid_request_error');
    if (action === 'cancel' && req.method === 'POST') {
      if (batch.status !== 'completed') batch.status = 'cancelled';
      return sendJson(ctx, 200, JSON.stringify(describeBatch(batch)));
    }
    if (batch.status === 'validating') batch.status = 'in_progress';
    else if (batch.status === 'in_progress') {
      const output = batch.lines.map((line, i) => {
        const prompt = Math.max(1, Math.ceil(line.length / 4));
        const usage = { prompt_tokens: prompt, completion_tokens: opts.completionTokens, total_tokens: prompt + opts.completionTokens };
        let customId = `request-${i}`;
        try {
          customId = JSON.parse(line).custom_id ?? customId;
        } catch {
          /* not JSON: keep the index */
        }
        const answer = {
          id: `chatcmpl-batch-${i}`,
          object: 'chat.completion',
          created: now,
          model: 'mock-gpt',
          choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i}` }, finish_reason: 'stop' }],
          usage,
        };
        return JSON.stringify({ id: `batch_req_${i}`, custom_id: customId, response: { status_code: 200, request_id: `req_${i}`, body: answer }, error: null });
      });
      const out = { id: `file-${idPrefix}${(++seq).toString(36)}`, filename: `${batch.id}_output.jsonl`, purpose: 'batch_output', data: output.join('\n') + '\n', created_at: now };
      files.set(out.id, out);
      batch.output_file_id = out.id;
      batch.status = 'completed';
    }
    return sendJson(ctx, 200, JSON.stringify(describeBatch(batch)));
  }

  // ------------------------------------------------------------------ realtime (websocket)
  // `ws` is loaded on the first upgrade only: the mock keeps starting without dependencies for the benchmark.
  let realtimeServer = null;
  const REALTIME_RE = /^\/(?:v1\/)?realtime$|^\/openai\/realtime$/;
  server.on('upgrade', (req, socket, head) => {
    const url = req.url || '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const model = pathname.startsWith('/openai/') ? query.get('deployment') : query.get('model');
    socket.on('error', () => socket.destroy());
    const refuse = (status, message) => {
      const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } });
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Not Found'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (!REALTIME_RE.test(pathname) || !model) return refuse(404, `Mock upstream: no websocket route ${pathname}`);
    if (!checkAuth(req)) return refuse(401, 'Incorrect API key provided.');
    logRequest(req, pathname, Object.fromEntries(query), '');
    stats.requests++;
    stats.realtime = (stats.realtime ?? 0) + 1;
    import('ws').then(
      ({ WebSocketServer }) => {
        realtimeServer ??= new WebSocketServer({ noServer: true, perMessageDeflate: false });
        realtimeServer.handleUpgrade(req, socket, head, (ws) => realtimeSession(ws, model));
      },
      () => refuse(404, 'Mock upstream: the ws package is not installed'),
    );
  });

  /** session.created first; response.create → response.created, text deltas, response.done with usage. */
  function realtimeSession(ws, model) {
    let events = 0;
    const send = (event) => ws.send(JSON.stringify({ event_id: `event_${(++events).toString(36)}`, ...event }));
    const session = { id: `sess_${idPrefix}${(++seq).toString(36)}`, object: 'realtime.session', model, modalities: ['text', 'audio'] };
    send({ type: 'session.created', session });
    ws.on('message', (data) => {
      let event;
      try {
        event = JSON.parse(String(data));
      } catch {
        return send({ type: 'error', error: { type: 'invalid_request_error', message: 'Invalid JSON' } });
      }
      if (event.type === 'session.update') return send({ type: 'session.updated', session: { ...session, ...event.session } });
      if (event.type !== 'response.create') return;
      const id = `resp_${idPrefix}${(++seq).toString(36)}`;
      const text = 'Hello from the mock realtime model';
      const pieces = splitText(text, Math.max(1, Math.min(opts.chunkCount, 8)));
      const output = Math.max(1, opts.completionTokens);
      send({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', output: [], usage: null } });
      for (const delta of pieces) send({ type: 'response.text.delta', response_id: id, item_id: `item_${id}`, output_index: 0, content_index: 0, delta });
      send({ type: 'response.text.done', response_id: id, item_id: `item_${id}`, output_index: 0, content_index: 0, text });
      const usage = {
        total_tokens: 20 + output,
        input_tokens: 20,
        output_tokens: output,
        input_token_details: { cached_tokens: 0, text_tokens: 12, audio_tokens: 8 },
        output_token_details: { text_tokens: output, audio_tokens: 0 },
      };
      send({
        type: 'response.done',
        response: {
          id,
          object: 'realtime.response',
          status: 'completed',
          output: [{ id: `item_${id}`, type: 'message', role: 'assistant', content: [{ type: 'text', text }] }],
          usage,
        },
      });
    });
  }

  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  server.on('clientError', (err, socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(opts.port) || 0, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = server.address().port;
  const publicHost = opts.host === '0.0.0.0' || opts.host === '::' || opts.host === '' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${publicHost}:${port}`;
  let closing = null;

  return {
    url,
    port,
    baseUrl: `${url}/v1`,
    stats,
    requests,
    options: opts,
    server,
    setOptions(partial) {
      const p = { ...partial };
      delete p.port;
      delete p.host;
      return applyOptions(p);
    },
    resetStats,
    close() {
      if (!closing) {
        closing = new Promise((resolve) => {
          for (const client of realtimeServer?.clients ?? []) client.terminate();
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
      return closing;
    },
  };
}

/** Deterministic unit-length Float32 vector for a text (FNV-1a seed + mulberry32). */
export function deterministicVector(text, dim) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let s = h >>> 0;
  const v = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    v[i] = r * 2 - 1;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dim; i++) v[i] = v[i] / norm;
  return v;
}

// ------------------------------------------------------------------ CLI
function isMain() {
  if (!process.argv[1]) return false;
  try {
    if (import.meta.url === pathToFileURL(process.argv[1]).href) return true;
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1]);
  } catch {
    return false;
  }
}

async function main() {
  const { values } = parseArgs({
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      latency: { type: 'string' },
      chunks: { type: 'string' },
      'chunk-delay': { type: 'string' },
      'completion-tokens': { type: 'string' },
      'embed-dim': { type: 'string' },
      'require-api-key': { type: 'string' },
      'rpm-limit': { type: 'string' },
      'tpm-limit': { type: 'string' },
      'enforce-limits': { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'usage: node test/support/mock-upstream.mjs [--port 18080] [--host 127.0.0.1] [--latency ms] [--chunks n]\n' +
        '         [--chunk-delay ms] [--completion-tokens n] [--embed-dim n] [--require-api-key key]\n' +
        '         [--rpm-limit n] [--tpm-limit n] [--enforce-limits] [--quiet]\n' +
        'env: MOCK_PORT, MOCK_HOST, MOCK_LATENCY_MS, MOCK_CHUNKS, MOCK_CHUNK_DELAY_MS, MOCK_COMPLETION_TOKENS,\n' +
        '     MOCK_EMBED_DIM, MOCK_REQUIRE_API_KEY, MOCK_RPM_LIMIT, MOCK_TPM_LIMIT (flags win)',
    );
    return;
  }
  const env = process.env;
  const num = (flag, envName, dflt) => {
    const raw = flag ?? env[envName];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`invalid number for ${envName}: ${raw}`);
    return n;
  };
  const mock = await startMockUpstream({
    port: num(values.port, 'MOCK_PORT', 18080),
    host: values.host ?? env.MOCK_HOST ?? '127.0.0.1',
    latencyMs: num(values.latency, 'MOCK_LATENCY_MS', 0),
    chunkCount: num(values.chunks, 'MOCK_CHUNKS', DEFAULT_OPTIONS.chunkCount),
    chunkDelayMs: num(values['chunk-delay'], 'MOCK_CHUNK_DELAY_MS', 0),
    completionTokens: num(values['completion-tokens'], 'MOCK_COMPLETION_TOKENS', DEFAULT_OPTIONS.completionTokens),
    embedDim: num(values['embed-dim'], 'MOCK_EMBED_DIM', DEFAULT_OPTIONS.embedDim),
    requireApiKey: values['require-api-key'] ?? (env.MOCK_REQUIRE_API_KEY || undefined),
    rpmLimit: num(values['rpm-limit'], 'MOCK_RPM_LIMIT', DEFAULT_OPTIONS.rpmLimit),
    tpmLimit: num(values['tpm-limit'], 'MOCK_TPM_LIMIT', DEFAULT_OPTIONS.tpmLimit),
    enforceLimits: values['enforce-limits'] ?? env.MOCK_ENFORCE_LIMITS === '1',
  });
  console.log(`mock upstream listening on ${mock.url}`);
  if (!values.quiet) {
    const o = mock.options;
    console.log(
      `pid=${process.pid} latency=${o.latencyMs}ms chunks=${o.chunkCount} chunkDelay=${o.chunkDelayMs}ms ` +
        `completionTokens=${o.completionTokens} embedDim=${o.embedDim} requireApiKey=${o.requireApiKey ? 'yes' : 'no'}`,
    );
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    mock.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (isMain()) {
  main().catch((err) => {
    console.error(`mock upstream: ${err && err.message ? err.message : err}`);
    process.exit(1);
  });
}
