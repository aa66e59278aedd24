import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-health-master';

const config = (base: string): string => `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - { model_name: chat-ok, litellm_params: { model: openai/gpt-4o-mini, api_base: ${base}, api_key: sk-secret-health }, model_info: { id: chat-ok-1 } }
  - { model_name: chat-broken, litellm_params: { model: openai/500, api_base: ${base}, api_key: sk-secret-health }, model_info: { id: broken-1 } }
  - { model_name: embed, litellm_params: { model: openai/text-embedding-3-small, api_base: ${base}, api_key: sk-secret-health }, model_info: { id: embed-1, mode: embedding } }
  - { model_name: legacy, litellm_params: { model: text-completion-openai/gpt-3.5-turbo-instruct, api_base: ${base}, api_key: sk-secret-health }, model_info: { id: legacy-1, mode: completion } }
  - { model_name: sluggish, litellm_params: { model: openai/slow-3000, api_base: ${base}, api_key: sk-secret-health }, model_info: { id: slow-1, health_check_timeout: 0.3 } }
  - { model_name: "openai/*", litellm_params: { model: "openai/*", api_base: ${base}, api_key: sk-secret-health } }
`;

interface Report {
  healthy_endpoints: { model_id: string; error?: string }[];
  unhealthy_endpoints: { model_id: string; error: string }[];
  healthy_count: number;
  unhealthy_count: number;
}

describe('GET /health per deployment (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const get = async (path: string, key = MASTER_KEY): Promise<{ status: number; json: Report }> => {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, json: (await response.json()) as Report };
  };

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
    gateway = await startGateway(config(mock.baseUrl));
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  beforeEach(() => mock.reset());

  it('should call each deployment once by its mode and sort them into healthy and unhealthy', async () => {
    const { status, json } = await get('/health');
    expect(status).toBe(200);
    expect(json.healthy_endpoints.map((e) => e.model_id).sort()).toEqual(['chat-ok-1', 'embed-1', 'legacy-1']);
    expect(json.unhealthy_endpoints.map((e) => e.model_id).sort()).toEqual(['broken-1', 'slow-1']);
    expect(json).toMatchObject({ healthy_count: 3, unhealthy_count: 2 });
    expect(json.unhealthy_endpoints.find((e) => e.model_id === 'slow-1')?.error).toContain('Timeout');
    expect(JSON.stringify(json)).not.toContain('sk-secret-health');
    const stats = await mock.stats();
    // The wildcard has no concrete model to ask; every other deployment got exactly one call.
    expect(stats.requests).toBe(5);
    expect(stats.embeddings).toBe(1);
    expect((stats as unknown as { completions: number }).completions).toBe(1);
  });

  it('should check one model group with ?model=, and need an admin', async () => {
    const { json } = await get('/health?model=chat-broken');
    expect(json).toMatchObject({ healthy_count: 0, unhealthy_count: 1 });
    expect((await mock.stats()).requests).toBe(1);
    expect((await get('/health', 'sk-not-a-key')).status).toBe(401);
  });
});
