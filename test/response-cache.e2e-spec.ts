import OpenAI, { APIError } from 'openai';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-cache-master';
const PRICE = 0.0001;

interface SpendLog {
  request_id: string;
  spend: number;
  cache_hit: string;
}

/**
 * The response cache (`litellm_settings.cache: true`, local here; the multi-instance suite shows Redis) as a stage
 * of the call pipeline: exact match on the normalised request, LiteLLM's per-request controls limited per key by
 * `allowed_cache_controls`, `x-litellm-cache-key`, streamed replay, hits costing 0, counted by rpm and marked on
 * their one ledger row.
 */
describe('Response cache (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--completion-tokens', '8']);
    gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
litellm_settings:
  cache: true
  cache_params:
    type: local
    ttl: 60
    supported_call_types: [acompletion, aembedding]
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: ${PRICE}, output_cost_per_token: ${PRICE} }
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${mock.baseUrl}, api_key: sk-upstream }
    model_info: { mode: embedding }
`);
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  async function newKey(params: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await api.post<{ key: string }>('/key/generate', params);
    expect(status).toBe(200);
    return body.key;
  }

  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  type Extra = Record<string, unknown>;
  const ask = (key: string, content: string, extra: Extra = {}) =>
    client(key)
      .chat.completions.create({ model: 'priced', messages: [{ role: 'user', content }], ...extra } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
  const upstreamCalls = async (): Promise<number> => (await mock.stats()).requests;

  async function rowOf(requestId: string): Promise<SpendLog> {
    for (let i = 0; i < 50; i++) {
      const { body } = await api.get<SpendLog[]>(`/spend/logs?request_id=${encodeURIComponent(requestId)}`);
      if (body.length > 0) return body[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no spend row for ${requestId}`);
  }

  it('should serve the same request from the cache at no cost, count it against rpm and mark its row', async () => {
    const key = await newKey({ rpm_limit: 3 });
    const before = await upstreamCalls();
    const first = await ask(key, 'cache me');
    const second = await ask(key, 'cache me', { metadata: { tags: ['other-tag'] } });
    expect(await upstreamCalls()).toBe(before + 1);
    expect(second.data.choices[0].message.content).toBe(first.data.choices[0].message.content);
    expect(second.data.id).not.toBe(first.data.id);
    const cacheKey = first.response.headers.get('x-litellm-cache-key');
    expect(cacheKey).toMatch(/^[0-9a-f]{64}$/);
    expect(second.response.headers.get('x-litellm-cache-key')).toBe(cacheKey);
    expect(Number(first.response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);
    expect(second.response.headers.get('x-litellm-response-cost')).toBe('0');

    const [firstRow, secondRow] = [await rowOf(first.data.id), await rowOf(second.data.id)];
    expect(firstRow).toMatchObject({ cache_hit: 'False' });
    expect(firstRow.spend).toBeGreaterThan(0);
    expect(secondRow).toMatchObject({ cache_hit: 'True', spend: 0 });

    // Hits still pass admission: the third call is the last this minute.
    await ask(key, 'cache me');
    const refused = await ask(key, 'cache me').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(429);
  });

  it('should key on what decides the answer only', async () => {
    const key = await newKey();
    const before = await upstreamCalls();
    await ask(key, 'order', { temperature: 0.5, max_tokens: 8 });
    await ask(key, 'order', { max_tokens: 8, temperature: 0.5, user: undefined });
    expect(await upstreamCalls()).toBe(before + 1);
    await ask(key, 'order', { temperature: 0.7, max_tokens: 8 });
    expect(await upstreamCalls()).toBe(before + 2);
  });

  it('should honour no-cache, no-store, s-maxage and ttl, and limit them per key with allowed_cache_controls', async () => {
    const key = await newKey();
    let before = await upstreamCalls();
    await ask(key, 'controls');
    await ask(key, 'controls', { cache: { 'no-cache': true } });
    expect(await upstreamCalls()).toBe(before + 2);

    before = await upstreamCalls();
    await ask(key, 'not stored', { cache: { 'no-store': true } });
    await ask(key, 'not stored');
    expect(await upstreamCalls()).toBe(before + 2);

    before = await upstreamCalls();
    await ask(key, 'short lived', { cache: { ttl: 1 } });
    await ask(key, 'short lived', { cache: { 's-maxage': 0, 'no-store': true } });
    expect(await upstreamCalls()).toBe(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await ask(key, 'short lived');
    expect(await upstreamCalls()).toBe(before + 3);

    const namespaced = await ask(key, 'controls', { cache: { namespace: 'team-a' } });
    expect(namespaced.response.headers.get('x-litellm-cache-key')).toMatch(/^team-a:[0-9a-f]{64}$/);

    const limited = await newKey({ allowed_cache_controls: ['no-cache'] });
    await ask(limited, 'controls', { cache: { 'no-cache': true } });
    const refused = (await ask(limited, 'controls', { cache: { 'no-store': true } }).then(
      () => undefined,
      (error: unknown) => error,
    )) as APIError;
    expect(refused.status).toBe(403);
    expect(refused.message).toContain('Not allowed to set no-store as a cache control. Contact admin to change permissions.');
  });

  it('should replay a cached reply as a stream, and cache a stream for the next one', async () => {
    const key = await newKey();
    const before = await upstreamCalls();
    const whole = await ask(key, 'stream me');
    const replayed = await client(key).chat.completions.create({
      model: 'priced',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    const ids = new Set<string>();
    for await (const chunk of replayed) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.data.choices[0].message.content);
    expect(usage).toEqual(whole.data.usage);
    expect(ids.size).toBe(1);
    expect([...ids][0]).not.toBe(whole.data.id);
    expect(await upstreamCalls()).toBe(before + 1);

    const streamOnce = async (): Promise<string> => {
      const stream = await client(key).chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'only streamed' }], stream: true });
      let out = '';
      for await (const chunk of stream) out += chunk.choices[0]?.delta?.content ?? '';
      return out;
    };
    const live = await streamOnce();
    const cached = await streamOnce();
    expect(cached).toBe(live);
    expect(await upstreamCalls()).toBe(before + 2);
  });

  it('should cache embeddings, and leave call types it was not told to cache alone', async () => {
    const key = await newKey();
    const before = await upstreamCalls();
    const a = await client(key).embeddings.create({ model: 'embed', input: 'vector me' });
    const b = await client(key).embeddings.create({ model: 'embed', input: 'vector me' });
    expect(b.data[0].embedding).toEqual(a.data[0].embedding);
    expect(await upstreamCalls()).toBe(before + 1);
    const c = (await client(key).completions.create({ model: 'priced', prompt: 'text', max_tokens: 4 }).withResponse()).response;
    expect(c.headers.get('x-litellm-cache-key')).toBeNull();
  });
});
