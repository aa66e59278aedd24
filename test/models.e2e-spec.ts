import OpenAI, { type APIError } from 'openai';
import { DataSource } from 'typeorm';
import { CredentialCipher } from '../src/models/credential-cipher';
import { ModelsService } from '../src/models/models.service';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-models-master';
const SALT_KEY = 'salt-for-models-e2e';
const UPSTREAM_SECRET = 'sk-upstream-dynamic-0042';

const config = (base: string): string => `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
model_list:
  - { model_name: from-config, litellm_params: { model: openai/gpt-4o-mini, api_base: ${base}, api_key: sk-config-secret }, model_info: { id: config-1 } }
`;

describe('Model management (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let client: OpenAI;

  const admin = async <T>(path: string, body?: unknown, key = MASTER_KEY): Promise<{ status: number; json: T }> => {
    const response = await fetch(`${gateway.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as T };
  };
  const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
    gateway = await startGateway(config(mock.baseUrl), { env: { LITELLM_SALT_KEY: SALT_KEY } });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should add a model that serves at once, with its credentials encrypted at rest and never shown', async () => {
    await expect(ask('dynamic')).rejects.toMatchObject({ status: 400 });
    const created = await admin<{ model_id: string; model_info: { id: string; db_model: boolean }; litellm_params: Record<string, unknown> }>('/model/new', {
      model_name: 'dynamic',
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: mock.baseUrl, api_key: UPSTREAM_SECRET },
      model_info: { id: 'dyn-1' },
    });
    expect(created.status).toBe(200);
    expect(created.json.model_id).toBe('dyn-1');
    expect(created.json.model_info).toMatchObject({ id: 'dyn-1', db_model: true });
    expect(JSON.stringify(created.json)).not.toContain(UPSTREAM_SECRET);

    const reply = await client.chat.completions.create({ model: 'dynamic', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(reply.response.headers.get('x-litellm-model-id')).toBe('dyn-1');
    const seen = (await mock.requests()).at(-1);
    expect(seen?.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);

    const rows = await gateway.app.get(DataSource).query(`SELECT litellm_params::text AS params FROM tollgate_proxy_models WHERE model_id = 'dyn-1'`);
    expect(rows[0].params).not.toContain(UPSTREAM_SECRET);
    expect(rows[0].params).toContain('tollgate:v1:');
  });

  it('should test a deployment definition before it is added, never echoing its key', async () => {
    const before = (await mock.requests()).length;
    const ok = await admin<{ status: string; result: Record<string, string> }>('/health/test_connection', {
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: mock.baseUrl, api_key: UPSTREAM_SECRET },
      mode: 'chat',
    });
    expect(ok).toEqual({ status: 200, json: { status: 'success', result: { model: 'openai/gpt-4o-mini', mode: 'chat' } } });
    const seen = (await mock.requests()).slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0].headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);

    const failing = await admin<{ status: string; message: string }>('/health/test_connection', {
      litellm_params: { model: 'openai/401', api_base: mock.baseUrl, api_key: UPSTREAM_SECRET },
    });
    expect(failing.status).toBe(200);
    expect(failing.json.status).toBe('error');
    expect(failing.json.message).toBeTruthy();
    expect(JSON.stringify(failing.json)).not.toContain(UPSTREAM_SECRET);

    expect((await admin('/health/test_connection', { litellm_params: { model: ['openai/x'] } })).status).toBe(400);
    expect((await admin('/health/test_connection', { litellm_params: {} })).status).toBe(400);
    expect((await admin('/health/test_connection', { litellm_params: { model: 'openai/x' }, mode: 'rerank' })).status).toBe(400);
    // Nothing was added: the tried definition serves no calls.
    expect((await admin<{ data: { model_name: string }[] }>('/model/info')).json.data.map((model) => model.model_name)).not.toContain('test_connection');
  });

  it('should describe deployments and groups without credentials', async () => {
    const info = await admin<{ data: { model_name: string; litellm_params: Record<string, unknown>; model_info: Record<string, unknown> }[] }>('/v1/model/info');
    expect(info.status).toBe(200);
    expect(info.json.data.map((d) => d.model_info.id)).toEqual(['config-1', 'dyn-1']);
    expect(info.json.data[1].model_info).toMatchObject({ db_model: true, mode: 'chat', litellm_provider: 'openai' });
    expect(JSON.stringify(info.json)).not.toMatch(/sk-config-secret|sk-upstream-dynamic/);
    const one = await admin<{ data: unknown[] }>('/model/info?litellm_model_id=config-1');
    expect(one.json.data).toHaveLength(1);
    const groups = await admin<{ data: { model_group: string; providers: string[]; max_input_tokens: number | null }[] }>('/model_group/info');
    expect(groups.json.data.map((g) => g.model_group)).toEqual(['from-config', 'dynamic']);
    expect(groups.json.data[1].providers).toEqual(['openai']);
    expect(groups.json.data[1].max_input_tokens).toBeGreaterThan(0);
  });

  it('should apply an update at once, and refuse to change a config model', async () => {
    const updated = await admin<{ model_name: string }>('/model/update', { id: 'dyn-1', model_name: 'dynamic-renamed' });
    expect(updated.status).toBe(200);
    await expect(ask('dynamic')).rejects.toMatchObject({ status: 400 });
    await expect(ask('dynamic-renamed')).resolves.toBeDefined();
    // Credentials survive a merge that does not name them.
    expect((await mock.requests()).at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    const refused = await admin<{ error: { message: string } }>('/model/update', { id: 'config-1', model_name: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toContain('config file');
  });

  it('should pick up a model another instance stored, at the next poll', async () => {
    const cipher = new CredentialCipher(SALT_KEY);
    const params = cipher.encryptParams({ model: 'openai/gpt-4o', api_base: mock.baseUrl, api_key: UPSTREAM_SECRET });
    await gateway.app
      .get(DataSource)
      .query(`INSERT INTO tollgate_proxy_models (model_id, model_name, litellm_params, model_info) VALUES ('elsewhere-1', 'from-elsewhere', $1, '{}')`, [JSON.stringify(params)]);
    await expect(ask('from-elsewhere')).rejects.toMatchObject({ status: 400 });
    // Before the poll this instance does not know the id, yet it must not store a second model under it.
    const clash = await admin<{ error: { message: string } }>('/model/new', { model_name: 'clash', litellm_params: { model: 'openai/gpt-4o' }, model_info: { id: 'elsewhere-1' } });
    expect(clash.status).toBe(400);
    expect(clash.json.error.message).toContain('already exists');
    await gateway.app.get(ModelsService).refresh();
    await expect(ask('from-elsewhere')).resolves.toBeDefined();
  });

  it('should delete a model without a restart, and keep mutations for admins', async () => {
    const deleted = await admin<{ model_id: string }>('/model/delete', { id: 'dyn-1' });
    expect(deleted.status).toBe(200);
    const error = (await ask('dynamic-renamed').catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain('Invalid model name passed in model=dynamic-renamed');
    expect((await admin('/model/delete', { id: 'dyn-1' })).status).toBe(404);

    const key = await admin<{ key: string }>('/key/generate', {});
    expect((await admin('/model/new', { model_name: 'x', litellm_params: { model: 'openai/x' } }, key.json.key)).status).toBeGreaterThanOrEqual(401);
    expect((await admin('/model/info', undefined, key.json.key)).status).toBe(200);
    expect((await admin<{ error: { message: string } }>('/model/new', { model_name: 'bad' })).status).toBe(400);
  });

  it('should load stored models when an instance starts', async () => {
    const storage = gateway.storage;
    await gateway.close();
    gateway = await startGateway(config(mock.baseUrl), { env: { LITELLM_SALT_KEY: SALT_KEY }, storage });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await expect(ask('from-elsewhere')).resolves.toBeDefined();
  });
});
