import OpenAI from 'openai';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-listing-master';

/** LiteLLM's own e2e config pattern: concrete groups, `*`, provider wildcards, and model access groups. */
const config = (base: string): string => `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - { model_name: gpt-3.5-turbo, litellm_params: { model: openai/gpt-4o-mini, api_base: ${base}, api_key: sk-up }, model_info: { access_groups: [beta-models] } }
  - { model_name: gpt-4, litellm_params: { model: openai/gpt-4o, api_base: ${base}, api_key: sk-up }, model_info: { access_groups: [beta-models, premium] } }
  - { model_name: fake-openai-endpoint, litellm_params: { model: openai/fake, api_base: ${base}, api_key: sk-up } }
  - { model_name: "*", litellm_params: { model: "openai/*", api_base: ${base}, api_key: sk-up } }
  - { model_name: "anthropic/*", litellm_params: { model: "anthropic/*", api_key: sk-ant-up } }
  - { model_name: "groq/*", litellm_params: { model: "groq/*", api_key: gsk-up } }
`;

interface GroupInfo {
  model_group: string;
  providers: string[];
  input_cost_per_token: number | null;
  mode: string | null;
}

describe('Model listing: access groups and wildcard groups (e2e, LiteLLM peer-suite gaps)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
    gateway = await startGateway(config(mock.baseUrl));
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const get = async <T>(path: string, key = MASTER_KEY): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, json: (await response.json()) as T };
  };
  const newKey = async (models: string[]): Promise<string> => {
    const response = await fetch(`${gateway.url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ models }),
    });
    return ((await response.json()) as { key: string }).key;
  };
  const ids = (json: { data: { id: string }[] }): string[] => json.data.map((model) => model.id);

  it('should list only access-group names with only_model_access_groups=True, those the caller may use', async () => {
    expect(ids((await get<{ data: { id: string }[] }>('/models?only_model_access_groups=True')).json)).toEqual(['beta-models', 'premium']);
    const open = await newKey([]);
    expect(ids((await get<{ data: { id: string }[] }>('/v1/models?only_model_access_groups=true', open)).json)).toEqual(['beta-models', 'premium']);
    const beta = await newKey(['beta-models']);
    expect(ids((await get<{ data: { id: string }[] }>('/models?only_model_access_groups=True', beta)).json)).toEqual(['beta-models']);
    const plain = await newKey(['fake-openai-endpoint']);
    expect(ids((await get<{ data: { id: string }[] }>('/models?only_model_access_groups=True', plain)).json)).toEqual([]);
    // Without the parameter the list is the models, as before; with include_… the groups come too.
    expect(ids((await get<{ data: { id: string }[] }>('/models', beta)).json)).toEqual(['gpt-3.5-turbo', 'gpt-4']);
    expect(ids((await get<{ data: { id: string }[] }>('/models?include_model_access_groups=True', beta)).json)).toEqual(['gpt-3.5-turbo', 'gpt-4', 'beta-models']);
  });

  it('should let a key whose list names an access group call the models of that group, and no others', async () => {
    const beta = await newKey(['beta-models']);
    const client = new OpenAI({ apiKey: beta, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'hi' }] })).resolves.toBeDefined();
    await expect(client.chat.completions.create({ model: 'fake-openai-endpoint', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
  });

  it('should expand wildcard groups in /model_group/info into the catalog models they cover, never the wildcard itself', async () => {
    const { json } = await get<{ data: GroupInfo[] }>('/model_group/info');
    const names = json.data.map((group) => group.model_group);
    expect(names).not.toContain('anthropic/*');
    expect(names).not.toContain('groq/*');
    expect(names).not.toContain('*');
    expect(names.slice(0, 3)).toEqual(['gpt-3.5-turbo', 'gpt-4', 'fake-openai-endpoint']);
    expect(names).toEqual(expect.arrayContaining(['anthropic/claude-3-haiku-20240307', 'anthropic/claude-3-5-sonnet-20240620', 'groq/llama3-8b-8192']));
    const haiku = json.data.find((group) => group.model_group === 'anthropic/claude-3-haiku-20240307');
    expect(haiku).toMatchObject({ providers: ['anthropic'], mode: 'chat' });
    expect(haiku?.input_cost_per_token).toBeGreaterThan(0);
    // An expanded group is callable under the name shown.
    expect((await get<{ data: GroupInfo[] }>('/model_group/info?model_group=groq/llama3-8b-8192')).json.data.map((group) => group.model_group)).toEqual(['groq/llama3-8b-8192']);
  });

  it('should show a key only the groups it may use (LiteLLM test_get_personal_models_for_user)', async () => {
    const personal = await newKey(['gpt-3.5-turbo']);
    expect((await get<{ data: GroupInfo[] }>('/model_group/info', personal)).json.data.map((group) => group.model_group)).toEqual(['gpt-3.5-turbo']);
    const anthropicOnly = await newKey(['anthropic/*']);
    const names = (await get<{ data: GroupInfo[] }>('/model_group/info', anthropicOnly)).json.data.map((group) => group.model_group);
    expect(names.length).toBeGreaterThan(3);
    expect(names.every((name) => name.startsWith('anthropic/'))).toBe(true);
  });
});
