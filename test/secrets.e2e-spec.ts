import OpenAI from 'openai';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-master-secret-7f3a9c';
const UPSTREAM_KEY = 'sk-upstream-secret-b81d2e';
const WRONG_UPSTREAM_KEY = 'sk-upstream-wrong-c44e90';

/**
 * No secret — the master key, provider keys, virtual-key plaintexts — in any response, error or log line, at every
 * log level, across successes and the failure paths most likely to leak one (bad keys, an upstream that quotes the
 * key it was sent, upstream 5xx, a key in a query string).
 */
describe('Secrets never leave (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const written: string[] = [];
  const responses: string[] = [];
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restore.push(() => (stream.write = original));
    }
    mock = await startMockUpstreamProcess(['--require-api-key', UPSTREAM_KEY]);
    gateway = await startGateway(
      `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: good
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: ${UPSTREAM_KEY} }
  - model_name: misconfigured
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: ${WRONG_UPSTREAM_KEY} }
  - model_name: broken
    litellm_params: { model: openai/500, api_base: ${mock.baseUrl}, api_key: ${UPSTREAM_KEY} }
`,
      { logLevels: ['log', 'warn', 'error', 'debug', 'verbose', 'fatal'] },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    for (const undo of restore) undo();
    if (gateway) discardStorage(gateway.storage);
  });

  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${gateway.url}${path}`, init);
    const copy = response.clone();
    responses.push(JSON.stringify([...copy.headers.entries()]) + (await copy.text()));
    return response;
  }

  it('should keep every secret out of responses and logs on success and failure paths', async () => {
    const api = apiClient(() => gateway.url, MASTER_KEY);
    const generated = await api.post<{ key: string }>('/key/generate', { key_alias: 'leak-test' });
    const virtualKey = generated.body.key;
    responses.push(JSON.stringify({ ...generated.body, key: '<returned once, by design>' }));
    const json = (key: string, body: unknown): RequestInit => ({
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const chat = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] });

    expect((await send('/v1/chat/completions', json(virtualKey, chat('good')))).status).toBe(200);
    expect((await send('/v1/chat/completions', json(MASTER_KEY, chat('good')))).status).toBe(200);
    expect((await send('/v1/chat/completions', json(`${MASTER_KEY}x`, chat('good')))).status).toBe(401);
    expect((await send('/v1/chat/completions', json(`${virtualKey}x`, chat('good')))).status).toBe(401);
    expect((await send('/v1/chat/completions', json(virtualKey, chat('misconfigured')))).status).toBe(401);
    expect((await send('/v1/chat/completions', json(virtualKey, chat('broken')))).status).toBeGreaterThanOrEqual(500);
    expect((await send(`/key/info?key=${virtualKey}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).status).toBe(200);
    expect((await send('/key/generate', json(MASTER_KEY, { key: 'not-sk-prefixed-secret-value' }))).status).toBe(400);
    const stream = await new OpenAI({ apiKey: virtualKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ ...chat('misconfigured'), stream: true })
      .catch((error: unknown) => error);
    expect(stream).toBeInstanceOf(Error);
    responses.push(String((stream as Error).message));

    const everything = [...responses, ...written].join('\n');
    expect(written.length).toBeGreaterThan(0);
    for (const secret of [MASTER_KEY, UPSTREAM_KEY, WRONG_UPSTREAM_KEY, virtualKey, 'not-sk-prefixed-secret-value']) {
      expect(everything).not.toContain(secret);
    }
  });
});
