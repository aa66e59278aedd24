// Smoke tests for the mock upstream: node --test test/support/
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMockUpstream, deterministicVector } from './mock-upstream.mjs';

const MOCK_PATH = fileURLToPath(new URL('./mock-upstream.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let mock;
before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.setOptions({ latencyMs: 0, chunkCount: 8, chunkDelayMs: 0, completionTokens: 16, embedDim: 8, requireApiKey: undefined });
  mock.resetStats();
});

async function post(path, body, headers = {}) {
  const res = await fetch(mock.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* SSE or empty */
  }
  return { res, status: res.status, text, json };
}

function sseEvents(text) {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => {
      assert.ok(b.startsWith('data: '), `bad SSE block: ${b}`);
      const data = b.slice(6);
      return data === '[DONE]' ? '[DONE]' : JSON.parse(data);
    });
}

const chatBody = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hello, how are you today? This sentence is longer than forty characters.' },
  ],
};

test('exported handle shape', () => {
  assert.match(mock.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(mock.baseUrl, `${mock.url}/v1`);
  assert.equal(typeof mock.port, 'number');
  assert.ok(mock.port > 0);
  assert.ok(Array.isArray(mock.requests));
  for (const k of ['requests', 'chat', 'embeddings', 'responses', 'models', 'aborted', 'completedStreams', 'inFlight']) {
    assert.equal(typeof mock.stats[k], 'number', k);
  }
  assert.equal(typeof mock.setOptions, 'function');
  assert.equal(typeof mock.resetStats, 'function');
  assert.equal(typeof mock.close, 'function');
});

test('chat completion JSON shape, usage and OpenAI headers', async () => {
  const { status, json, res } = await post('/v1/chat/completions', chatBody, { authorization: 'Bearer sk-client' });
  assert.equal(status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.match(json.id, /^chatcmpl-mock-\d+$/);
  assert.equal(json.object, 'chat.completion');
  assert.equal(typeof json.created, 'number');
  assert.equal(json.model, 'gpt-4o-mini');
  assert.equal(json.system_fingerprint, null);
  assert.equal(json.choices.length, 1);
  assert.deepEqual(json.choices[0].message, {
    role: 'assistant',
    content: 'Mock reply to: ' + chatBody.messages[1].content.slice(0, 40),
  });
  assert.equal(json.choices[0].finish_reason, 'stop');
  const chars = chatBody.messages.reduce((n, m) => n + m.content.length, 0);
  assert.deepEqual(json.usage, {
    prompt_tokens: Math.ceil(chars / 4) + 3 * 2,
    completion_tokens: 16,
    total_tokens: Math.ceil(chars / 4) + 6 + 16,
  });
  for (const h of [
    'x-request-id',
    'openai-processing-ms',
    'x-ratelimit-limit-requests',
    'x-ratelimit-remaining-requests',
    'x-ratelimit-limit-tokens',
    'x-ratelimit-remaining-tokens',
    'x-ratelimit-reset-requests',
    'x-ratelimit-reset-tokens',
  ]) {
    assert.ok(res.headers.get(h), `missing header ${h}`);
  }
  assert.equal(res.headers.get('x-ratelimit-limit-requests'), '10000');
  assert.equal(res.headers.get('x-ratelimit-limit-tokens'), '1000000');
  assert.match(res.headers.get('x-ratelimit-reset-requests'), /^\d+m?s$/);

  // stats + request log
  assert.equal(mock.stats.requests, 1);
  assert.equal(mock.stats.chat, 1);
  assert.equal(mock.stats.inFlight, 0);
  assert.equal(mock.requests.length, 1);
  const logged = mock.requests[0];
  assert.equal(logged.method, 'POST');
  assert.equal(logged.path, '/v1/chat/completions');
  assert.equal(logged.headers.authorization, 'Bearer sk-client');
  assert.deepEqual(logged.body, chatBody);
});

test('chat without /v1 prefix, content parts and completionTokens option', async () => {
  mock.setOptions({ completionTokens: 5 });
  const { status, json } = await post('/chat/completions', {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'abcd' },
          { type: 'text', text: 'efgh' },
        ],
      },
    ],
  });
  assert.equal(status, 200);
  assert.equal(json.choices[0].message.content, 'Mock reply to: abcdefgh');
  assert.deepEqual(json.usage, { prompt_tokens: 2 + 3, completion_tokens: 5, total_tokens: 10 });
});

test('chat SSE: chunk order, role first, finish_reason, include_usage, [DONE]', async () => {
  const { status, text, res } = await post('/v1/chat/completions', {
    ...chatBody,
    stream: true,
    stream_options: { include_usage: true },
  });
  assert.equal(status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  assert.ok(res.headers.get('x-request-id'));
  assert.ok(res.headers.get('x-ratelimit-remaining-tokens'));
  const ev = sseEvents(text);
  // 8 content chunks + finish chunk + usage chunk + [DONE]
  assert.equal(ev.length, 8 + 1 + 1 + 1);
  assert.equal(ev.at(-1), '[DONE]');
  const chunks = ev.slice(0, -1);
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, 'gpt-4o-mini');
    assert.equal(c.id, chunks[0].id);
    assert.equal(typeof c.created, 'number');
  }
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  for (const c of chunks.slice(1, 8)) {
    assert.equal(c.choices[0].delta.role, undefined);
    assert.equal(c.choices[0].finish_reason, null);
  }
  const content = chunks
    .slice(0, 8)
    .map((c) => c.choices[0].delta.content)
    .join('');
  assert.equal(content, 'Mock reply to: ' + chatBody.messages[1].content.slice(0, 40));
  assert.equal(chunks[8].choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks[8].choices[0].delta, {});
  assert.deepEqual(chunks[9].choices, []);
  assert.equal(chunks[9].usage.completion_tokens, 16);
  assert.equal(chunks[9].usage.total_tokens, chunks[9].usage.prompt_tokens + 16);
  assert.equal(mock.stats.completedStreams, 1);
  assert.equal(mock.stats.aborted, 0);
});

test('chat SSE without include_usage has no usage chunk; chunkCount and chunkDelayMs honoured', async () => {
  mock.setOptions({ chunkCount: 3, chunkDelayMs: 20 });
  const t0 = Date.now();
  const { text } = await post('/v1/chat/completions', { ...chatBody, stream: true });
  const elapsed = Date.now() - t0;
  const ev = sseEvents(text);
  assert.equal(ev.length, 3 + 1 + 1);
  assert.ok(ev.slice(0, -1).every((c) => !('usage' in c)));
  assert.equal(ev[3].choices[0].finish_reason, 'stop');
  assert.ok(elapsed >= 3 * 20 - 5, `expected paced stream, took ${elapsed} ms`);
});

test('SSE chunks arrive as separate writes when chunkDelayMs > 0', async () => {
  mock.setOptions({ chunkCount: 4, chunkDelayMs: 15 });
  const received = await new Promise((resolve, reject) => {
    const req = http.request(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const times = [];
      res.on('data', (d) => times.push([Date.now(), d.toString()]));
      res.on('end', () => resolve(times));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ ...chatBody, stream: true }));
  });
  assert.ok(received.length >= 4, `expected several reads, got ${received.length}`);
  assert.ok(received.at(-1)[1].includes('[DONE]'));
});

test("'call-tools' calls the first tool, then answers the tool result, as JSON and SSE", async () => {
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
  const first = await post('/v1/chat/completions', { model: 'call-tools', messages: [{ role: 'user', content: 'find x' }], tools });
  const call = first.json.choices[0].message.tool_calls[0];
  assert.equal(first.json.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(JSON.parse(call.function.arguments), { input: 'find x' });
  const messages = [{ role: 'user', content: 'find x' }, first.json.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'x=1' }];
  const second = await post('/v1/chat/completions', { model: 'call-tools', messages, tools });
  assert.equal(second.json.choices[0].message.content, 'Mock reply to tool result: x=1');
  const streamed = await post('/v1/chat/completions', { model: 'call-tools', messages: [{ role: 'user', content: 'find y' }], tools, stream: true });
  const chunks = sseEvents(streamed.text).filter((data) => data !== '[DONE]');
  const args = chunks
    .flatMap((chunk) => chunk.choices[0]?.delta?.tool_calls ?? [])
    .map((delta) => delta.function.arguments)
    .join('');
  assert.deepEqual(JSON.parse(args), { input: 'find y' });
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
});

test('legacy completions JSON and SSE', async () => {
  const { status, json } = await post('/v1/completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' });
  assert.equal(status, 200);
  assert.equal(json.object, 'text_completion');
  assert.equal(json.choices[0].text, 'Mock completion for: Say this is a test');
  assert.equal(json.choices[0].index, 0);
  assert.equal(json.choices[0].logprobs, null);
  assert.equal(json.choices[0].finish_reason, 'stop');
  assert.equal(json.usage.completion_tokens, 16);
  assert.equal(json.usage.prompt_tokens, Math.ceil('Say this is a test'.length / 4));

  const s = await post('/v1/completions', { model: 'x', prompt: 'Say this is a test', stream: true, stream_options: { include_usage: true } });
  const ev = sseEvents(s.text);
  assert.equal(ev.at(-1), '[DONE]');
  const chunks = ev.slice(0, -1);
  assert.ok(chunks.every((c) => c.object === 'text_completion'));
  assert.equal(
    chunks
      .slice(0, 8)
      .map((c) => c.choices[0].text)
      .join(''),
    'Mock completion for: Say this is a test',
  );
  assert.equal(chunks[8].choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks[9].choices, []);
  assert.ok(chunks[9].usage.total_tokens > 0);
  assert.equal(mock.stats.completions, 2);
});

test('embeddings: float, deterministic, arrays and token arrays', async () => {
  const a = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hello world' });
  assert.equal(a.status, 200);
  assert.equal(a.json.object, 'list');
  assert.equal(a.json.model, 'text-embedding-3-small');
  assert.equal(a.json.data.length, 1);
  assert.equal(a.json.data[0].object, 'embedding');
  assert.equal(a.json.data[0].index, 0);
  assert.equal(a.json.data[0].embedding.length, 8);
  assert.ok(a.json.data[0].embedding.every((x) => typeof x === 'number' && x >= -1 && x <= 1));
  assert.deepEqual(a.json.usage, { prompt_tokens: 3, total_tokens: 3 });
  const again = await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'hello world' });
  assert.deepEqual(again.json.data[0].embedding, a.json.data[0].embedding);

  const b = await post('/v1/embeddings', { model: 'e', input: ['hello world', 'other text'] });
  assert.equal(b.json.data.length, 2);
  assert.deepEqual(
    b.json.data.map((d) => d.index),
    [0, 1],
  );
  assert.deepEqual(b.json.data[0].embedding, a.json.data[0].embedding);
  assert.notDeepEqual(b.json.data[1].embedding, a.json.data[0].embedding);

  const c = await post('/v1/embeddings', { model: 'e', input: [1, 2, 3] });
  assert.equal(c.json.data.length, 1);
  assert.equal(c.json.usage.prompt_tokens, 3);
  const d = await post('/v1/embeddings', {
    model: 'e',
    input: [
      [1, 2],
      [3, 4, 5],
    ],
  });
  assert.equal(d.json.data.length, 2);
  assert.equal(d.json.usage.prompt_tokens, 5);

  mock.setOptions({ embedDim: 16 });
  const e = await post('/v1/embeddings', { model: 'e', input: 'hello world' });
  assert.equal(e.json.data[0].embedding.length, 16);
  assert.equal(mock.stats.embeddings, 6);

  const bad = await post('/v1/embeddings', { model: 'e' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.type, 'invalid_request_error');
});

test('embeddings: base64 is Float32 LE of the same vector', async () => {
  const f = await post('/v1/embeddings', { model: 'e', input: 'base64 please' });
  const b = await post('/v1/embeddings', { model: 'e', input: 'base64 please', encoding_format: 'base64' });
  assert.equal(typeof b.json.data[0].embedding, 'string');
  const buf = Buffer.from(b.json.data[0].embedding, 'base64');
  assert.equal(buf.length, 8 * 4);
  const floats = Array.from({ length: 8 }, (_, i) => buf.readFloatLE(i * 4));
  assert.deepEqual(floats, f.json.data[0].embedding);
  assert.deepEqual(floats, Array.from(deterministicVector('base64 please', 8)));
});

test('models list and single model', async () => {
  const res = await fetch(`${mock.baseUrl}/models`);
  assert.equal(res.status, 200);
  assert.ok(res.headers.get('x-request-id'));
  const json = await res.json();
  assert.equal(json.object, 'list');
  assert.equal(json.data[0].id, 'mock-gpt');
  for (const m of json.data) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
    assert.equal(m.owned_by, 'mock');
  }
  const one = await (await fetch(`${mock.url}/models/mock-gpt`)).json();
  assert.equal(one.id, 'mock-gpt');
  assert.equal(mock.stats.models, 2);
});

test('error injection by model name: 429 with retry-after, 500, 503, 400', async () => {
  for (const code of ['429', '500', '503', '400']) {
    const { status, json, res } = await post('/v1/chat/completions', { model: code, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(status, Number(code));
    assert.deepEqual(json, { error: { message: `Mock upstream error ${code}`, type: 'mock_error', param: null, code } });
    assert.equal(res.headers.get('retry-after'), code === '429' ? '1' : null);
    assert.ok(res.headers.get('x-request-id'));
  }
  const emb = await post('/v1/embeddings', { model: '502', input: 'x' });
  assert.equal(emb.status, 502);
  const stream = await post('/v1/chat/completions', { model: '500', stream: true, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(stream.status, 500);
  assert.match(stream.res.headers.get('content-type'), /^application\/json/);
  // a model that merely looks numeric but is not an error code is served normally
  const ok = await post('/v1/chat/completions', { model: '200', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(ok.status, 200);
});

test('Azure deployment paths read the model from the deployment name', async () => {
  const r = await post('/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21', { messages: [{ role: 'user', content: 'hi' }] }, { 'api-key': 'azkey' });
  assert.equal(r.status, 200);
  assert.equal(r.json.model, 'my-gpt4o');
  const logged = mock.requests.at(-1);
  assert.equal(logged.path, '/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21');
  assert.equal(logged.pathname, '/openai/deployments/my-gpt4o/chat/completions');
  assert.equal(logged.query['api-version'], '2024-10-21');
  assert.equal(logged.headers['api-key'], 'azkey');

  const e = await post('/openai/deployments/emb/embeddings?api-version=2024-10-21', { input: 'x' });
  assert.equal(e.json.model, 'emb');
  const c = await post('/openai/deployments/inst/completions?api-version=2024-10-21', { prompt: 'x' });
  assert.equal(c.json.object, 'text_completion');
  const err = await post('/openai/deployments/429/chat/completions?api-version=2024-10-21', { messages: [{ role: 'user', content: 'x' }] });
  assert.equal(err.status, 429);
  assert.equal(err.res.headers.get('retry-after'), '1');
});

test('malformed JSON → 400, unknown route → 404, missing messages → 400', async () => {
  const bad = await post('/v1/chat/completions', '{"model":');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.type, 'invalid_request_error');
  assert.equal(bad.json.error.param, null);
  const nf = await post('/v1/nope', { a: 1 });
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, 'unknown_url');
  const nf2 = await fetch(`${mock.url}/v2/models`);
  assert.equal(nf2.status, 404);
  await nf2.text();
  const nomsg = await post('/v1/chat/completions', { model: 'x' });
  assert.equal(nomsg.status, 400);
});

test('requireApiKey: 401 without/with wrong key, Bearer and api-key accepted', async () => {
  mock.setOptions({ requireApiKey: 'sk-upstream' });
  const body = { model: 'x', messages: [{ role: 'user', content: 'x' }] };
  const none = await post('/v1/chat/completions', body);
  assert.equal(none.status, 401);
  assert.equal(none.json.error.code, 'invalid_api_key');
  assert.equal(none.json.error.type, 'invalid_request_error');
  const wrong = await post('/v1/chat/completions', body, { authorization: 'Bearer sk-client' });
  assert.equal(wrong.status, 401);
  const bearer = await post('/v1/chat/completions', body, { authorization: 'Bearer sk-upstream' });
  assert.equal(bearer.status, 200);
  const azure = await post('/v1/chat/completions', body, { 'api-key': 'sk-upstream' });
  assert.equal(azure.status, 200);
  const models = await fetch(`${mock.baseUrl}/models`);
  assert.equal(models.status, 401);
  await models.text();
});

test('latencyMs delays the first byte', async () => {
  mock.setOptions({ latencyMs: 80 });
  const t0 = Date.now();
  const r = await post('/v1/embeddings', { model: 'e', input: 'x' });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 75);
  assert.ok(Number(r.res.headers.get('openai-processing-ms')) >= 75);
});

test('slow-<ms> model waits before answering', async () => {
  const t0 = Date.now();
  const r = await post('/v1/chat/completions', { model: 'slow-150', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.status, 200);
  assert.ok(Date.now() - t0 >= 145);
});

test('slow model wait is abandoned and counted when the client gives up', async () => {
  const ac = new AbortController();
  const p = fetch(`${mock.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'x' }] }),
    signal: ac.signal,
  });
  await sleep(100);
  assert.equal(mock.stats.inFlight, 1);
  ac.abort();
  await assert.rejects(p);
  for (let i = 0; i < 50 && mock.stats.aborted === 0; i++) await sleep(10);
  assert.equal(mock.stats.aborted, 1);
  assert.equal(mock.stats.inFlight, 0);
});

test('client destroying the socket mid-stream is counted as aborted and writing stops', async () => {
  mock.setOptions({ chunkDelayMs: 50, chunkCount: 20 });
  await new Promise((resolve, reject) => {
    const req = http.request(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.on('close', resolve);
    req.end(JSON.stringify({ ...chatBody, stream: true }));
    setTimeout(() => reject(new Error('no data')), 3000).unref();
  });
  for (let i = 0; i < 100 && mock.stats.aborted === 0; i++) await sleep(10);
  assert.equal(mock.stats.aborted, 1);
  assert.equal(mock.stats.completedStreams, 0);
  assert.equal(mock.stats.inFlight, 0);
  await sleep(120);
  assert.equal(mock.stats.completedStreams, 0);
});

test('big-<bytes> model: a reply of exactly that many bytes, JSON without Content-Length and SSE in 64 KB chunks', async () => {
  const bytes = 200_000;
  const json = await post('/v1/chat/completions', { ...chatBody, model: `big-${bytes}` });
  assert.equal(json.status, 200);
  assert.equal(json.res.headers.get('content-length'), null);
  assert.equal(json.json.choices[0].message.content, 'xxxxxxx '.repeat(bytes / 8));
  assert.equal(json.json.usage.completion_tokens, bytes / 4);

  const sse = await post('/v1/chat/completions', { ...chatBody, model: `big-${bytes}`, stream: true, stream_options: { include_usage: true } });
  const events = sseEvents(sse.text);
  assert.equal(events.at(-1), '[DONE]');
  const contents = events.slice(1, -3).map((e) => e.choices[0].delta.content);
  assert.deepEqual(
    contents.map((c) => c.length),
    [65536, 65536, 65536, bytes - 3 * 65536],
  );
  assert.equal(events.at(-2).usage.completion_tokens, bytes / 4);
  assert.equal(mock.stats.completedStreams, 1);
});

test('big-<bytes> model stops writing when the client stops reading and leaves', async () => {
  await new Promise((resolve, reject) => {
    const req = http.request(`${mock.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.end(JSON.stringify({ ...chatBody, model: 'big-67108864' }));
    setTimeout(() => reject(new Error('no data')), 3000).unref();
  });
  for (let i = 0; i < 100 && mock.stats.aborted === 0; i++) await sleep(10);
  assert.equal(mock.stats.aborted, 1);
  assert.equal(mock.stats.inFlight, 0);
});

/** Typed SSE events (Responses API): each block is an `event:` line then a `data:` line naming the same type. */
function typedEvents(text) {
  assert.ok(!text.includes('[DONE]'), 'the Responses API sends no [DONE]');
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((b) => {
      const [eventLine, dataLine, ...rest] = b.split('\n');
      assert.equal(rest.length, 0, `bad SSE block: ${b}`);
      assert.ok(eventLine.startsWith('event: ') && dataLine.startsWith('data: '), `bad SSE block: ${b}`);
      const data = JSON.parse(dataLine.slice(6));
      assert.equal(eventLine.slice(7), data.type);
      return data;
    });
}

test('responses JSON: output message, usage with cached and reasoning tokens, echoed request fields', async () => {
  const r = await post('/v1/responses', {
    model: 'gpt-4o-mini',
    input: 'Hello, how are you today? This sentence is longer than forty characters.',
    instructions: 'Be terse.',
    metadata: { a: 'b' },
  });
  assert.equal(r.status, 200);
  assert.match(r.json.id, /^resp_mock_\d+$/);
  assert.equal(r.json.object, 'response');
  assert.equal(r.json.status, 'completed');
  assert.equal(r.json.model, 'gpt-4o-mini');
  assert.equal(r.json.instructions, 'Be terse.');
  assert.deepEqual(r.json.metadata, { a: 'b' });
  assert.equal(r.json.output.length, 1);
  assert.deepEqual(r.json.output[0].content, [{ type: 'output_text', text: 'Mock reply to: Hello, how are you today? This sentence ', annotations: [], logprobs: [] }]);
  const input = Math.ceil(('Be terse.'.length + 72) / 4) + 3;
  assert.deepEqual(r.json.usage, {
    input_tokens: input,
    input_tokens_details: { cached_tokens: Math.floor(input / 4) },
    output_tokens: 16,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + 16,
  });
  assert.equal(mock.stats.responses, 1);
  const reasoning = await post('/responses', { model: 'o4-mini', input: [{ role: 'user', content: [{ type: 'input_text', text: 'think' }] }], reasoning: { effort: 'low' } });
  assert.equal(reasoning.json.output[0].type, 'reasoning');
  assert.equal(reasoning.json.usage.output_tokens_details.reasoning_tokens, 4);
  assert.equal(reasoning.json.usage.output_tokens, 20);
});

test('responses SSE: typed events in order, sequence numbers, deltas that add up, usage in response.completed, no [DONE]', async () => {
  mock.setOptions({ chunkCount: 3 });
  const r = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'stream me please', stream: true });
  assert.equal(r.status, 200);
  assert.match(r.res.headers.get('content-type'), /text\/event-stream/);
  const events = typedEvents(r.text);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ],
  );
  assert.deepEqual(
    events.map((e) => e.sequence_number),
    events.map((_, i) => i),
  );
  assert.equal(events[0].response.status, 'in_progress');
  assert.equal(events[0].response.usage, null);
  const text = events
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta)
    .join('');
  assert.equal(text, 'Mock reply to: stream me please');
  const done = events.at(-1).response;
  assert.equal(done.output[0].content[0].text, text);
  assert.equal(done.usage.output_tokens, 16);
  assert.equal(mock.stats.completedStreams, 1);
});

test('responses tools: a function call with {"input": last user text}, its output answered, json_schema answered in shape', async () => {
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { input: { type: 'string' } } } }, { type: 'web_search_preview' }];
  const call = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'Weather in Paris?', tools });
  assert.deepEqual(call.json.output, [
    {
      id: call.json.output[0].id,
      type: 'function_call',
      status: 'completed',
      call_id: call.json.output[0].call_id,
      name: 'get_weather',
      arguments: '{"input":"Weather in Paris?"}',
    },
  ]);
  const answered = await post('/v1/responses', {
    model: 'gpt-4o-mini',
    tools,
    input: [{ role: 'user', content: 'Weather in Paris?' }, call.json.output[0], { type: 'function_call_output', call_id: call.json.output[0].call_id, output: 'sunny' }],
  });
  assert.equal(answered.json.output[0].content[0].text, 'The tool said: sunny');
  const none = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'x', tools, tool_choice: 'none' });
  assert.equal(none.json.output[0].type, 'message');
  const streamed = typedEvents((await post('/v1/responses', { model: 'gpt-4o-mini', input: 'Weather in Rome?', tools, stream: true })).text);
  const args = streamed
    .filter((e) => e.type === 'response.function_call_arguments.delta')
    .map((e) => e.delta)
    .join('');
  assert.equal(args, '{"input":"Weather in Rome?"}');
  assert.equal(streamed.find((e) => e.type === 'response.function_call_arguments.done').arguments, args);
  const schema = {
    type: 'object',
    properties: { city: { type: 'string' }, days: { type: 'integer' }, sunny: { type: 'boolean' }, tags: { type: 'array', items: { type: 'string' } } },
  };
  const structured = await post('/v1/responses', { model: 'gpt-4o-mini', input: 'json', text: { format: { type: 'json_schema', name: 'w', schema } } });
  assert.deepEqual(JSON.parse(structured.json.output[0].content[0].text), { city: 'mock', days: 1, sunny: true, tags: ['mock'] });
});

test('responses refuses what a gateway must not send: previous_response_id, item_reference, stream_options.include_usage, no input', async () => {
  const prev = await post('/v1/responses', { model: 'm', input: 'x', previous_response_id: 'resp_1' });
  assert.equal(prev.status, 400);
  assert.equal(prev.json.error.code, 'previous_response_not_found');
  const ref = await post('/v1/responses', { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] });
  assert.equal(ref.status, 400);
  const usage = await post('/v1/responses', { model: 'm', input: 'x', stream: true, stream_options: { include_usage: true } });
  assert.equal(usage.status, 400);
  assert.equal(usage.json.error.code, 'unknown_parameter');
  const missing = await post('/v1/responses', { model: 'm' });
  assert.equal(missing.status, 400);
  const failing = await post('/v1/responses', { model: '503', input: 'x' });
  assert.equal(failing.status, 503);
});

test('Azure responses: /openai/responses?api-version=… with the deployment as the body’s model and api-key auth', async () => {
  mock.setOptions({ requireApiKey: 'azkey' });
  const refused = await post('/openai/responses?api-version=2025-04-01-preview', { model: 'my-deployment', input: 'hi' });
  assert.equal(refused.status, 401);
  const r = await post('/openai/responses?api-version=2025-04-01-preview', { model: 'my-deployment', input: 'hi' }, { 'api-key': 'azkey' });
  assert.equal(r.status, 200);
  assert.equal(r.json.model, 'my-deployment');
  assert.equal(mock.requests.at(-1).query['api-version'], '2025-04-01-preview');
});

test('request log keeps the last 50 requests', async () => {
  for (let i = 0; i < 55; i++) await post('/v1/embeddings', { model: 'e', input: `n${i}` });
  assert.equal(mock.requests.length, 50);
  assert.equal(mock.requests[0].body.input, 'n5');
  assert.equal(mock.requests.at(-1).body.input, 'n54');
  assert.equal(mock.stats.requests, 55);
});

test('GET /__stats, POST /__control, POST /__reset, GET /__requests', async () => {
  await post('/v1/chat/completions', chatBody);
  const s = await (await fetch(`${mock.url}/__stats`)).json();
  assert.equal(s.requests, 1);
  assert.equal(s.chat, 1);
  const c = await post('/__control', { completionTokens: 3, latencyMs: 0 });
  assert.equal(c.status, 200);
  assert.equal(c.json.ok, true);
  assert.equal(mock.options.completionTokens, 3);
  const r = await post('/v1/chat/completions', chatBody);
  assert.equal(r.json.usage.completion_tokens, 3);
  const log = await (await fetch(`${mock.url}/__requests`)).json();
  assert.equal(log.length, 2);
  const badCtl = await post('/__control', 'nope');
  assert.equal(badCtl.status, 400);
  await post('/__reset', {});
  assert.equal(mock.stats.requests, 0);
  assert.equal(mock.requests.length, 0);
});

test('enforceLimits returns 429 over rpmLimit', async () => {
  const m = await startMockUpstream({ rpmLimit: 2, enforceLimits: true });
  try {
    const body = JSON.stringify({ model: 'x', input: 'x' });
    const codes = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${m.baseUrl}/embeddings`, { method: 'POST', body });
      codes.push(r.status);
      if (r.status === 429) assert.equal(r.headers.get('retry-after'), '1');
      await r.text();
    }
    assert.deepEqual(codes, [200, 200, 429]);
  } finally {
    await m.close();
  }
});

test('keep-alive: many requests over one connection; close() does not hang', async () => {
  const m = await startMockUpstream();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve, reject) => {
      const req = http.request(`${m.url}/v1/models`, { agent }, (res) => {
        sockets.add(res.socket);
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  }
  assert.equal(sockets.size, 1);
  assert.equal(m.server.keepAliveTimeout, 65000);
  const t0 = Date.now();
  await m.close();
  assert.ok(Date.now() - t0 < 1000);
  agent.destroy();
});

test('CLI: starts, prints the listening line, serves, exits on SIGTERM', async () => {
  const child = spawn(process.execPath, [MOCK_PATH, '--port', '0', '--latency', '0', '--chunks', '2', '--require-api-key', 'k'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /mock upstream listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      setTimeout(() => reject(new Error('no listening line')), 5000).unref();
    });
    const r = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r.status, 200);
    assert.equal(sseEvents(await r.text()).length, 2 + 1 + 1);
    const code = await new Promise((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('realtime websocket: auth checked before the upgrade, session.created, response.create → deltas and response.done with usage', async () => {
  const { default: WebSocket } = await import('ws');
  mock.setOptions({ requireApiKey: 'sk-rt' });
  const wsUrl = mock.url.replace('http', 'ws');
  const refused = await new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}/v1/realtime?model=gpt-4o-realtime-preview`, { headers: { authorization: 'Bearer wrong' } });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('error', () => {});
  });
  assert.equal(refused, 401);
  const events = [];
  await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}/v1/realtime?model=gpt-4o-realtime-preview`, { headers: { authorization: 'Bearer sk-rt', 'openai-beta': 'realtime=v1' } });
    ws.on('error', reject);
    ws.on('message', (data) => {
      const event = JSON.parse(String(data));
      events.push(event);
      if (event.type === 'session.created') ws.send(JSON.stringify({ type: 'response.create' }));
      if (event.type === 'response.done') ws.close();
    });
    ws.on('close', resolve);
  });
  assert.equal(events[0].type, 'session.created');
  assert.equal(events[0].session.model, 'gpt-4o-realtime-preview');
  assert.ok(events.some((event) => event.type === 'response.text.delta'));
  const done = events.at(-1);
  assert.equal(done.type, 'response.done');
  assert.equal(done.response.usage.input_tokens, 20);
  assert.equal(done.response.usage.output_tokens, 16);
  // Azure's path names the deployment and takes api-key.
  const azure = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}/openai/realtime?api-version=2024-10-01-preview&deployment=my-rt`, { headers: { 'api-key': 'sk-rt' } });
    ws.on('error', reject);
    ws.on('message', (data) => {
      ws.close();
      resolve(JSON.parse(String(data)));
    });
  });
  assert.equal(azure.session.model, 'my-rt');
});

test('files and batches: upload, batch validating → in_progress → completed, output lines with usage, Azure paths', async () => {
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob(['{"custom_id":"a","body":{}}\n{"custom_id":"b","body":{}}\n']), 'in.jsonl');
  const file = await (await fetch(`${mock.url}/v1/files`, { method: 'POST', body: form })).json();
  assert.equal(file.purpose, 'batch');
  const created = await post('/v1/batches', { input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  assert.equal(created.json.status, 'validating');
  const get = async (path) => (await fetch(mock.url + path)).json();
  assert.equal((await get(`/v1/batches/${created.json.id}`)).status, 'in_progress');
  const done = await get(`/openai/batches/${created.json.id}?api-version=2024-10-21`);
  assert.equal(done.status, 'completed');
  const lines = (await (await fetch(`${mock.url}/v1/files/${done.output_file_id}/content`)).text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.map((line) => line.custom_id),
    ['a', 'b'],
  );
  assert.equal(lines[0].response.body.usage.completion_tokens, 16);
  assert.equal((await get('/v1/batches?limit=1')).data[0].id, created.json.id);
  assert.equal((await fetch(`${mock.url}/v1/batches/batch_nope`)).status, 404);
});
