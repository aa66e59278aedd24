import OpenAI, { type APIError, AzureOpenAI } from 'openai';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-e2e-master';
const UPSTREAM_KEY = 'sk-upstream-secret-key-0001';

function config(mockBaseUrl: string, mockUrl: string): string {
  return `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mockBaseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY }
    model_info: { id: deployment-openai-1 }
  - model_name: text-embedding-3-small
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${mockBaseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY }
    model_info: { mode: embedding }
  - model_name: azure-gpt
    litellm_params: { model: azure/my-azure-deployment, api_base: ${mockUrl}, api_key: os.environ/E2E_UPSTREAM_KEY, api_version: "2024-10-21", region_name: eu }
  - model_name: broken
    litellm_params: { model: openai/500, api_base: ${mockBaseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY }
  - model_name: limited
    litellm_params: { model: openai/429, api_base: ${mockBaseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY }
  - model_name: slow
    litellm_params: { model: openai/slow-5000, api_base: ${mockBaseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY, timeout: 0.5 }
  - model_name: unreachable
    litellm_params: { model: openai/gpt-4o, api_base: "http://127.0.0.1:9/v1", api_key: os.environ/E2E_UPSTREAM_KEY }
  - model_name: demo
    litellm_params: { model: mock/demo }
`;
}

describe('OpenAI-compatible LLM API (e2e, openai SDK → gateway → mock upstream)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--chunks', '6']);
    gateway = await startGateway(config(mock.baseUrl, mock.url), { env: { E2E_UPSTREAM_KEY: UPSTREAM_KEY } });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  beforeEach(() => mock.reset());

  it('should answer a chat completion with Tollgate’s own id and LiteLLM headers', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello from the e2e suite' }] }).withResponse();

    expect(data.choices[0].message.content).toContain('Hello from the e2e suite');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(data.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
    expect(response.headers.get('x-litellm-call-id')).toBe(data.id);
    expect(data.id).toBe(`chatcmpl-${response.headers.get('x-request-id')}`);
    expect(response.headers.get('x-litellm-model-id')).toBe('deployment-openai-1');
    expect(response.headers.get('llm_provider-x-ratelimit-remaining-requests')).toBeTruthy();

    const [sent] = await mock.requests();
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(sent)).not.toContain(MASTER_KEY);
    expect(sent.body?.model).toBe('gpt-4o-mini');
  });

  it('should relay a stream chunk by chunk with usage at the end when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.length).toBeGreaterThanOrEqual(6);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0].id).toMatch(/^chatcmpl-/);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toContain('stream please');
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('should always ask the provider for usage but drop the usage chunk the client did not ask for', async () => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    const [sent] = await mock.requests();
    expect(sent.body?.stream_options).toEqual({ include_usage: true });
  });

  it('should deliver stream chunks as they are produced, not buffered to the end', async () => {
    await mock.configure({ chunkDelayMs: 150 });
    try {
      const started = Date.now();
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slowly' }], stream: true });
      const arrivals: number[] = [];
      for await (const _chunk of stream) arrivals.push(Date.now() - started);
      // 6 chunks 150 ms apart: the first must arrive long before the last.
      expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThan(500);
    } finally {
      await mock.configure({ chunkDelayMs: 0 });
    }
  });

  it('should cancel the upstream request when the client aborts mid-stream', async () => {
    await mock.configure({ chunkDelayMs: 200 });
    const before = await mock.stats();
    try {
      const controller = new AbortController();
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'abort me' }], stream: true }, { signal: controller.signal });
      let received = 0;
      try {
        for await (const _chunk of stream) {
          received++;
          if (received === 2) controller.abort();
        }
      } catch {
        // Depending on timing the SDK ends the iteration or throws an abort error; both are fine here.
      }
      expect(received).toBeLessThan(6);
      // Counted from before this test, so a slow machine finishing an earlier test's stream late cannot confuse it.
      await waitFor(async () => (await mock.stats()).aborted === before.aborted + 1, 15_000);
      expect((await mock.stats()).completedStreams).toBe(before.completedStreams);
    } finally {
      await mock.configure({ chunkDelayMs: 0 });
    }
  });

  it('should create embeddings (the SDK asks for base64 by default)', async () => {
    const result = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['one', 'two'] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0].embedding.length).toBeGreaterThan(0);
    expect(result.data[0].embedding).toEqual(
      (await client.embeddings.create({ model: 'text-embedding-3-small', input: 'one', encoding_format: 'float' })).data[0].embedding.map((v) => expect.closeTo(v, 5)),
    );
  });

  it('should list the configured model groups', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'text-embedding-3-small', 'azure-gpt', 'demo']));
    expect((await client.models.retrieve('demo')).id).toBe('demo');
  });

  it('should serve text completions', async () => {
    const result = await client.completions.create({ model: 'gpt-4o-mini', prompt: 'Say this is a test' });
    expect(result.choices[0].text.length).toBeGreaterThan(0);
    expect(result.id).toMatch(/^cmpl-/);
  });

  it('should work for AzureOpenAI clients through /openai/deployments/{model}', async () => {
    const azure = new AzureOpenAI({ apiKey: MASTER_KEY, endpoint: gateway.url, apiVersion: '2024-10-21', deployment: 'azure-gpt', maxRetries: 0 });
    const { data, response } = await azure.chat.completions.create({ model: 'azure-gpt', messages: [{ role: 'user', content: 'hi azure' }] }).withResponse();
    expect(data.choices[0].message.content).toContain('hi azure');
    expect(response.headers.get('x-litellm-model-region')).toBe('eu');
    const [sent] = await mock.requests();
    expect(sent.path).toBe('/openai/deployments/my-azure-deployment/chat/completions?api-version=2024-10-21');
    expect(sent.headers['api-key']).toBe(UPSTREAM_KEY);
  });

  it('should answer from the built-in mock provider without any upstream', async () => {
    const result = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'ping' }] });
    expect(result.choices[0].message.content).toContain('ping');
    expect((await mock.stats()).requests).toBe(0);
  });

  it('should refuse a bad key with 401 auth_error', async () => {
    const bad = new OpenAI({ apiKey: 'sk-not-a-key', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const error = await bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).error).toEqual({
      message: 'Authentication Error, Invalid proxy server token passed.',
      type: 'auth_error',
      param: null,
      code: '401',
    });
    expect((await mock.stats()).requests).toBe(0);
  });

  it('should refuse an unknown model with 400 and not list other models', async () => {
    const error = (await client.chat.completions.create({ model: 'gpt-17', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain('Invalid model name passed in model=gpt-17');
    expect(error.message).not.toContain('gpt-4o-mini');
  });

  it('should answer malformed JSON with a 400 in the OpenAI error shape', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: '{"model": "gpt-4o-mini", "messages": [',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: '400' });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('should map an upstream 500 to a 5xx without upstream secrets', async () => {
    const error = (await client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(500);
    expect(error.message).toContain('litellm.InternalServerError');
    expect(JSON.stringify(error.error)).not.toContain(UPSTREAM_KEY);
    expect(error.headers?.get('x-request-id')).toBeTruthy();
  });

  it('should pass an upstream 429 on with retry-after', async () => {
    const error = (await client.chat.completions.create({ model: 'limited', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(429);
    expect(error.headers?.get('retry-after')).toBe('1');
  });

  it('should time out a slow upstream with 408 and cancel it', async () => {
    const started = Date.now();
    const error = (await client.chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(408);
    expect(error.message).toContain('litellm.Timeout');
    expect(Date.now() - started).toBeLessThan(4000);
    await waitFor(async () => (await mock.stats()).aborted === 1);
  });

  it('should report an unreachable upstream as a 500 connection error', async () => {
    const error = (await client.chat.completions.create({ model: 'unreachable', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(500);
    expect(error.message).toContain('APIConnectionError');
  });

  it('should reject an oversized body with LiteLLM’s text even without Content-Length', async () => {
    const small = await startGateway(
      `general_settings:\n  master_key: ${MASTER_KEY}\n  max_request_size_mb: 0.001\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n`,
    );
    try {
      const big = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'x'.repeat(5000) }] });
      const declared = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: big,
      });
      expect(declared.status).toBe(400);
      const body = (await declared.json()) as { error: { message: string; param: string } };
      expect(body.error.message).toMatch(/^Request size is too large\. Request size is [\d.e-]+ MB\. Max size is 0\.001 MB$/);
      expect(body.error.param).toBe('content-length');

      const chunked = await fetch(`${small.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: new Blob([big]).stream(),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(400);
      expect(((await chunked.json()) as { error: { message: string } }).error.message).toContain('Request size is too large');
    } finally {
      await small.close();
      discardStorage(small.storage);
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}
