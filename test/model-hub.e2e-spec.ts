import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const HUB = `
general_settings:
  master_key: sk-hub-master
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o }
  - model_name: house-model
    litellm_params: { model: mock/house-model }
    model_info: { mode: chat, max_input_tokens: 32000, supports_vision: true }
  - model_name: internal-only
    litellm_params: { model: mock/internal-only }
litellm_settings:
  store_audit_logs: true
  public_model_groups: [gpt-4o, house-model, not-served]
  public_model_groups_links: { "Getting started": "https://wiki.acme.example/llm" }
`;

interface HubModel {
  model_group: string;
  providers: string[];
  mode: string | null;
  max_input_tokens: number | null;
  input_cost_per_token: number | null;
  supports_vision: boolean;
  supports_function_calling: boolean;
}

describe('public model hub (e2e)', () => {
  describe('with public groups chosen, the page off', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(HUB, { env: { DOCS_TITLE: 'Acme LLM Gateway' } });
    });
    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should list only the public groups a deployment serves, without a key, as /model_group/info describes them', async () => {
      const response = await fetch(`${gateway.url}/public/model_hub`);
      expect(response.status).toBe(200);
      const models = (await response.json()) as HubModel[];
      expect(models.map((model) => model.model_group)).toEqual(['gpt-4o', 'house-model']);
      const [gpt, house] = models;
      expect(gpt).toMatchObject({ providers: ['openai'], mode: 'chat', max_input_tokens: 128000, supports_vision: true, supports_function_calling: true });
      expect(gpt.input_cost_per_token).toBeGreaterThan(0);
      // The operator's model_info states what the catalog cannot know.
      expect(house).toMatchObject({ mode: 'chat', max_input_tokens: 32000, supports_vision: true, supports_function_calling: false });
      const groupInfo = (await (await fetch(`${gateway.url}/model_group/info`, { headers: { authorization: 'Bearer sk-hub-master' } })).json()) as { data: HubModel[] };
      expect(groupInfo.data.find((group) => group.model_group === 'gpt-4o')).toEqual(gpt);
    });

    it('should introduce the hub with the docs branding and the chosen links', async () => {
      const info = await (await fetch(`${gateway.url}/public/model_hub/info`)).json();
      expect(info).toEqual({
        docs_title: 'Acme LLM Gateway',
        custom_docs_description: null,
        litellm_version: expect.any(String),
        useful_links: { 'Getting started': 'https://wiki.acme.example/llm' },
      });
    });

    it('should let a proxy admin choose the public groups at runtime, audited, and refuse unknown groups and other callers', async () => {
      const post = (body: unknown, key = 'sk-hub-master'): Promise<Response> =>
        fetch(`${gateway.url}/model_group/make_public`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post({ model_groups: ['nope'] })).status).toBe(400);
      expect((await post({ model_groups: 'gpt-4o' })).status).toBe(400);
      const user = (await (
        await fetch(`${gateway.url}/key/generate`, { method: 'POST', headers: { authorization: 'Bearer sk-hub-master', 'content-type': 'application/json' }, body: '{}' })
      ).json()) as { key: string };
      expect((await post({ model_groups: ['internal-only'] }, user.key)).status).toBe(401);
      const made = await post({ model_groups: ['internal-only', 'gpt-4o'] });
      expect(made.status).toBe(200);
      expect(await made.json()).toMatchObject({ public_model_groups: ['internal-only', 'gpt-4o'] });
      const listed = (await (await fetch(`${gateway.url}/public/model_hub`)).json()) as HubModel[];
      expect(listed.map((model) => model.model_group)).toEqual(['gpt-4o', 'internal-only']);
      const audit = (await (await fetch(`${gateway.url}/audit?table_name=LiteLLM_Config`, { headers: { authorization: 'Bearer sk-hub-master' } })).json()) as {
        audit_logs: { object_id: string; action: string; updated_values: unknown }[];
      };
      expect(audit.audit_logs.map((row) => [row.object_id, row.action])).toContainEqual(['public_model_groups', 'updated']);
      // Another instance on the same database (a restart here) serves the stored choice, not the config's.
      await gateway.close();
      gateway = await startGateway(HUB, { storage: gateway.storage, env: { DOCS_TITLE: 'Acme LLM Gateway' } });
      const after = (await (await fetch(`${gateway.url}/public/model_hub`)).json()) as HubModel[];
      expect(after.map((model) => model.model_group)).toEqual(['gpt-4o', 'internal-only']);
      // Back to what the other tests expect.
      expect((await post({ model_groups: ['gpt-4o', 'house-model'] })).status).toBe(200);
    });

    it('should not serve the page unless enable_public_model_hub is set', async () => {
      const response = await fetch(`${gateway.url}/ui/model_hub_table`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
    });
  });

  describe('with nothing made public', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(
        'general_settings: { master_key: sk-hub-master, enable_public_model_hub: true }\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n',
      );
    });
    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should answer an empty list, as LiteLLM does, and a page saying so', async () => {
      expect(await (await fetch(`${gateway.url}/public/model_hub`)).json()).toEqual([]);
      const page = await fetch(`${gateway.url}/ui/model_hub_table`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
      const html = await page.text();
      expect(html).toContain('No models are public yet.');
      expect(html).not.toContain('demo');
    });
  });
});
