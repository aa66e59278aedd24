import OpenAI, { type APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-router-master';

function config(base: string): string {
  const upstream = (model: string, extra = ''): string => `{ model: openai/${model}, api_base: ${base}, api_key: sk-up${extra} }`;
  return `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - { model_name: primary, litellm_params: ${upstream('500')}, model_info: { id: primary-1 } }
  - { model_name: backup, litellm_params: ${upstream('gpt-4o-mini')}, model_info: { id: backup-1 } }
  - { model_name: limited, litellm_params: ${upstream('429')}, model_info: { id: limited-1 } }
  - { model_name: overflow, litellm_params: ${upstream('context-overflow')}, model_info: { id: overflow-1 } }
  - { model_name: long-context, litellm_params: ${upstream('gpt-4o')}, model_info: { id: long-1 } }
  - { model_name: filtered, litellm_params: ${upstream('content-filtered')}, model_info: { id: filtered-1 } }
  - { model_name: mixed, litellm_params: ${upstream('slow-2000', ', timeout: 0.3')}, model_info: { id: sluggish } }
  - { model_name: mixed, litellm_params: ${upstream('gpt-4o-mini')}, model_info: { id: healthy } }
  - { model_name: stream-error, litellm_params: ${upstream('stream-error-first')}, model_info: { id: stream-error-1 } }
  - { model_name: stream-drop, litellm_params: ${upstream('stream-then-drop')}, model_info: { id: stream-drop-1 } }
  - { model_name: sleepy, litellm_params: ${upstream('slow-2000')}, model_info: { id: sleepy-1 } }
  - { model_name: regional, litellm_params: ${upstream('gpt-4o-mini', ', region_name: eu')}, model_info: { id: eu-dep } }
  - { model_name: regional, litellm_params: ${upstream('gpt-4o-mini', ', region_name: us')}, model_info: { id: us-dep } }
router_settings:
  num_retries: 2
  allowed_fails: 100
  allowed_fails_policy: { TimeoutErrorAllowedFails: 0 }
  cooldown_time: 3
  fallbacks: [{ primary: [backup] }, { stream-error: [backup] }, { stream-drop: [backup] }]
  context_window_fallbacks: [{ overflow: [long-context] }]
  content_policy_fallbacks: [{ filtered: [long-context] }]
  model_group_alias: { friendly: backup }
`;
}

const messages = [{ role: 'user' as const, content: 'route me' }];

describe('Router (e2e, openai SDK → gateway → mock upstream)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
    gateway = await startGateway(config(mock.baseUrl));
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  beforeEach(() => mock.reset());

  const chat = (body: Record<string, unknown>) => client.chat.completions.create({ messages, ...body } as unknown as ChatCompletionCreateParamsNonStreaming).withResponse();

  it('should retry exactly num_retries times, then fall back, and say so in the headers', async () => {
    const { data, response } = await chat({ model: 'primary' });
    expect(data.choices[0].message.content).toBeTruthy();
    expect(response.headers.get('x-litellm-model-id')).toBe('backup-1');
    expect(response.headers.get('x-litellm-attempted-retries')).toBe('2');
    expect(response.headers.get('x-litellm-max-retries')).toBe('2');
    expect(response.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
    // 3 attempts on the failing deployment, 1 on the fallback; nothing else reached the provider.
    const stats = await mock.stats();
    expect(stats.requests).toBe(4);
    expect((stats as unknown as { errors: number }).errors).toBe(3);
  });

  it('should fall back for a stream before its first byte, and stream the fallback', async () => {
    const stream = await client.chat.completions.create({ model: 'primary', messages, stream: true } as ChatCompletionCreateParamsStreaming);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect((await mock.stats()).requests).toBe(4);
    expect((await mock.stats()).completedStreams).toBe(1);
  });

  it('should fall back from a stream whose first event is an error, but never after a byte reached the client', async () => {
    const recovered = await client.chat.completions.create({ model: 'stream-error', messages, stream: true, num_retries: 0 } as ChatCompletionCreateParamsStreaming);
    let text = '';
    for await (const chunk of recovered) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect((await mock.stats()).requests).toBe(2);

    await mock.reset();
    const dropped = await client.chat.completions.create({ model: 'stream-drop', messages, stream: true, num_retries: 0 } as ChatCompletionCreateParamsStreaming);
    let partial = '';
    const failure = await (async () => {
      for await (const chunk of dropped) partial += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(partial).toBe('partial ');
    expect(failure).toBeDefined();
    // The client already had the first chunk: no retry, no fallback, one upstream request.
    expect((await mock.stats()).requests).toBe(1);
  });

  it("should honour the upstream's retry-after and answer its 429 once retries are used up", async () => {
    const started = Date.now();
    const error = (await chat({ model: 'limited', num_retries: 1 }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(429);
    expect(error.message).toContain('RateLimitError');
    expect(error.headers?.get('x-litellm-attempted-retries')).toBe('1');
    // The mock sends retry-after: 1 and the group has one deployment: the retry waits for it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await mock.stats()).requests).toBe(2);
  });

  it('should use context_window_fallbacks / content_policy_fallbacks for those errors, without retrying them', async () => {
    const { response } = await chat({ model: 'overflow' });
    expect(response.headers.get('x-litellm-model-id')).toBe('long-1');
    expect(response.headers.get('x-litellm-attempted-retries')).toBe('0');
    expect((await mock.stats()).requests).toBe(2);

    const filtered = await chat({ model: 'filtered' });
    expect(filtered.response.headers.get('x-litellm-model-id')).toBe('long-1');
    expect((await mock.stats()).requests).toBe(4);
  });

  it('should honour per-request fallbacks and mock_testing_fallbacks without calling the primary', async () => {
    const { response } = await chat({ model: 'limited', mock_testing_fallbacks: true, fallbacks: ['friendly'] });
    expect(response.headers.get('x-litellm-model-id')).toBe('backup-1');
    expect((await mock.stats()).requests).toBe(1);
    const limited = await chat({ model: 'backup', mock_testing_rate_limit_error: true, num_retries: 0 }).catch((e: unknown) => e as APIError);
    expect((limited as APIError).status).toBe(429);
    expect((await mock.stats()).requests).toBe(1);
  });

  it('should cool a timing-out deployment down and bring it back after cooldown_time', async () => {
    // Warm: find the slow deployment, which times out (0.3 s) and is retried on the healthy one.
    let cooled = false;
    for (let i = 0; i < 30 && !cooled; i++) {
      const { response } = await chat({ model: 'mixed' });
      expect(response.headers.get('x-litellm-model-id')).toBe('healthy');
      cooled = response.headers.get('x-litellm-attempted-retries') === '1';
    }
    expect(cooled).toBe(true);
    await mock.reset();
    for (let i = 0; i < 10; i++) expect((await chat({ model: 'mixed' })).response.headers.get('x-litellm-attempted-retries')).toBe('0');
    // Only the healthy deployment was called while the other cooled down.
    expect((await mock.stats()).requests).toBe(10);

    await new Promise((resolve) => setTimeout(resolve, 3000));
    let returned = false;
    for (let i = 0; i < 30 && !returned; i++) returned = (await chat({ model: 'mixed' })).response.headers.get('x-litellm-attempted-retries') === '1';
    expect(returned).toBe(true);
  });

  it('should send x-litellm-timeout with a timeout error as with a success (LiteLLM test_chat_completion_with_timeout_from_request)', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'x-litellm-timeout': '0.001' },
      body: JSON.stringify({ model: 'sleepy', messages, num_retries: 0 }),
    });
    expect(response.status).toBe(408);
    expect(response.headers.get('x-litellm-timeout')).toBe('0.001');
    expect(response.headers.get('x-litellm-attempted-retries')).toBe('0');
    const ok = await chat({ model: 'backup' });
    expect(ok.response.headers.get('x-litellm-timeout')).toBe('600');
  });

  it("should pin an end user's allowed_model_region and report it", async () => {
    const created = await fetch(`${gateway.url}/customer/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'eu-customer', allowed_model_region: 'eu' }),
    });
    expect(created.status).toBe(200);
    for (let i = 0; i < 15; i++) {
      const { response } = await chat({ model: 'regional', user: 'eu-customer' });
      expect(response.headers.get('x-litellm-model-region')).toBe('eu');
      expect(response.headers.get('x-litellm-model-id')).toBe('eu-dep');
    }
  });

  it('should resolve aliases, deployment ids and litellm_params.model names', async () => {
    expect((await chat({ model: 'friendly' })).response.headers.get('x-litellm-model-id')).toBe('backup-1');
    expect((await chat({ model: 'us-dep' })).response.headers.get('x-litellm-model-region')).toBe('us');
    expect((await chat({ model: 'openai/gpt-4o' })).response.headers.get('x-litellm-model-id')).toBe('long-1');
  });
});
