import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-cred-master';

/** A request cannot choose where Tollgate connects: client-side `api_base` is refused, or checked when allowed. */
describe('Client-side credentials and SSRF (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    mock = await startMockUpstreamProcess([]);
    gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream }
`);
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  async function chat(key: string, extra: Record<string, unknown>): Promise<{ status: number; message: string }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });
    const body = (await response.json()) as { error?: { message: string } };
    return { status: response.status, message: body.error?.message ?? '' };
  }

  it("should refuse api_base and api_key in the body of a key that is not allowed to set them, with LiteLLM's text", async () => {
    const { body } = await api.post<{ key: string }>('/key/generate', {});
    for (const extra of [{ api_base: 'https://example.com/v1' }, { base_url: 'https://example.com/v1' }, { api_key: 'sk-mine' }]) {
      const refused = await chat(body.key, extra);
      expect(refused.status).toBe(400);
      expect(refused.message).toMatch(
        /^Rejected Request: (api_base|base_url|api_key) is not allowed in request body\. Enable with `general_settings::allow_client_side_credentials`/,
      );
    }
  });

  it('should refuse, for a key allowed to set them, URLs that point at loopback, private or metadata addresses, without connecting', async () => {
    const { body } = await api.post<{ key: string }>('/key/generate', { permissions: { allow_client_side_credentials: true } });
    const before = ((await (await fetch(`${mock.baseUrl.replace(/\/v1$/, '')}/__stats`)).json()) as { requests: number }).requests;
    for (const base of [mock.baseUrl, 'http://2130706433/v1', 'http://169.254.169.254/latest', 'http://[::ffff:127.0.0.1]/v1', 'http://localhost/v1']) {
      const refused = await chat(body.key, { api_base: base, api_key: 'sk-client-own' });
      expect(refused.status).toBe(400);
      expect(refused.message).toMatch(/^Rejected Request: the URL is not allowed/);
    }
    const after = ((await (await fetch(`${mock.baseUrl.replace(/\/v1$/, '')}/__stats`)).json()) as { requests: number }).requests;
    expect(after).toBe(before);
    // The configured deployment still serves the same key.
    expect((await chat(body.key, {})).status).toBe(200);
  });

  it("should refuse an api_base or base_url that comes without the request's own api_key: the deployment's key stays with its host", async () => {
    const { body } = await api.post<{ key: string }>('/key/generate', { permissions: { allow_client_side_credentials: true } });
    for (const extra of [{ api_base: 'https://llm.customer.example/v1' }, { base_url: 'https://llm.customer.example/v1' }]) {
      const refused = await chat(body.key, extra);
      expect(refused.status).toBe(400);
      expect(refused.message).toMatch(/^Rejected Request: (api_base|base_url) in the request body needs an api_key in the request body too/);
    }
    // Its own key for the configured host is fine: the call goes where the operator configured it.
    expect((await chat(body.key, { api_key: 'sk-upstream' })).status).toBe(200);
  });
});
