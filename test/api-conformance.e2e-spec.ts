import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type OpenApiDocument, ResponseValidator } from './support/openapi';

const MASTER_KEY = 'sk-conformance-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo, input_cost_per_token: 0.001, output_cost_per_token: 0.002, rpm: 100, region_name: eu }
    model_info: { mode: chat, supports_vision: true }
  - model_name: embed
    litellm_params: { model: mock/text-embedding-3-small }
    model_info: { mode: embedding }
litellm_settings:
  store_audit_logs: true
  max_budget: 1000
  budget_duration: 30d
`;

const TODAY = new Date().toISOString().slice(0, 10);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Json = Record<string, unknown>;

/**
 * Real responses of the management API (and a few others) checked against the schemas `/openapi.json` gives them:
 * every field returned must be described (schemas are closed for the check), with the described type and nullability.
 * It is what keeps the DTOs honest: a field added to a response without its DTO fails here.
 */
describe('Responses conform to the OpenAPI document (e2e)', () => {
  let gateway: TestGateway;
  let validator: ResponseValidator;
  const validated = new Set<string>();
  const state: Record<string, string> = {};

  /**
   * Calls `method url`, expects `status`, and validates the body against the spec's schema of `method specPath`.
   * NDJSON downloads are validated line by line against the schema of their media type.
   */
  async function conform<T = Json>(method: 'GET' | 'POST', specPath: string, url: string, body?: unknown, options: { auth?: string; mediaType?: string } = {}): Promise<T> {
    const response = await fetch(`${gateway.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${options.auth ?? MASTER_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    expect({ route: `${method} ${url}`, status: response.status }).toEqual({ route: `${method} ${url}`, status: 200, ...(response.status !== 200 ? { body: text } : {}) });
    const mediaType = options.mediaType ?? 'application/json';
    const documents =
      mediaType === 'application/x-ndjson'
        ? text
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as unknown)
        : [JSON.parse(text) as unknown];
    for (const document of documents) {
      const { valid, errors } = validator.validate(method, specPath, response.status, document, mediaType);
      expect({ route: `${method} ${url}`, errors, body: valid ? undefined : document }).toEqual({ route: `${method} ${url}`, errors: '', body: undefined });
    }
    validated.add(`${method} ${specPath}`);
    return documents[0] as T;
  }

  async function chat(key: string, extra: Json = {}): Promise<string> {
    const body = await conform<{ id: string }>(
      'POST',
      '/v1/chat/completions',
      '/v1/chat/completions',
      { model: 'demo', messages: [{ role: 'user', content: 'hello' }], ...extra },
      { auth: key },
    );
    // The ledger writes in batches: wait for the row, so the reports below have it.
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      const rows = (await (await fetch(`${gateway.url}/spend/logs?request_id=${body.id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as unknown[];
      if (Array.isArray(rows) && rows.length === 1) return body.id;
    }
    throw new Error(`spend row of ${body.id} not written within 10 s`);
  }

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    validator = new ResponseValidator((await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDocument);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('organizations: new, info (GET and POST), list, update, member_add', async () => {
    await conform('POST', '/organization/new', '/organization/new', { organization_id: 'org-1', organization_alias: 'acme', max_budget: 100, models: ['demo'] });
    await conform('POST', '/organization/new', '/organization/new', { organization_id: 'org-2' });
    await conform('POST', '/user/new', '/user/new', { user_id: 'org-admin', user_email: 'admin@example.com', auto_create_key: false });
    await conform('POST', '/organization/member_add', '/organization/member_add', { organization_id: 'org-1', member: { role: 'org_admin', user_id: 'org-admin' } });
    await conform('POST', '/organization/update', '/organization/update', { organization_id: 'org-1', max_budget: 50, metadata: { owner: 'finance' } });
  });

  it('teams: new, member_add, member_update, member_delete, block, unblock, update', async () => {
    await conform('POST', '/team/new', '/team/new', {
      team_id: 'team-1',
      team_alias: 'research',
      organization_id: 'org-1',
      max_budget: 10,
      budget_duration: '30d',
      models: ['demo', 'embed'],
      model_aliases: { cheap: 'demo' },
      members_with_roles: [{ role: 'admin', user_id: 'org-admin' }],
      tags: ['research'],
    });
    await conform('POST', '/team/new', '/team/new', { team_id: 'team-2' });
    await conform('POST', '/team/member_add', '/team/member_add', {
      team_id: 'team-1',
      member: [
        { role: 'user', user_id: 'member-1' },
        { role: 'user', user_email: 'member-2@example.com' },
      ],
      max_budget_in_team: 2,
    });
    await conform('POST', '/team/member_update', '/team/member_update', { team_id: 'team-1', user_id: 'member-1', max_budget_in_team: 3, role: 'admin' });
    await conform('POST', '/team/member_delete', '/team/member_delete', { team_id: 'team-1', user_email: 'member-2@example.com' });
    await conform('POST', '/team/block', '/team/block', { team_id: 'team-2' });
    await conform('POST', '/team/unblock', '/team/unblock', { team_id: 'team-2' });
    await conform('POST', '/team/update', '/team/update', { team_id: 'team-2', team_alias: 'ops', max_parallel_requests: 4 });
  });

  it('users: new (with and without a key), update', async () => {
    const created = await conform<{ key: string }>('POST', '/user/new', '/user/new', {
      user_id: 'user-1',
      user_email: 'user-1@example.com',
      teams: ['team-1'],
      max_budget: 5,
      key_alias: 'user-1-key',
    });
    state.userKey = created.key;
    await conform('POST', '/user/new', '/user/new', { user_id: 'user-2', auto_create_key: false, user_role: 'internal_user_viewer' });
    await conform('POST', '/user/update', '/user/update', { user_id: 'user-2', user_alias: 'Two', budget_duration: '1d', max_budget: 1 });
  });

  it('keys: generate, update, info (GET and POST /v2), list, regenerate (body and path), block, unblock', async () => {
    const generated = await conform<{ key: string; token: string }>('POST', '/key/generate', '/key/generate', {
      key_alias: 'conformance',
      user_id: 'user-1',
      team_id: 'team-1',
      models: ['demo', 'embed'],
      max_budget: 5,
      budget_duration: '30d',
      metadata: { env: 'test' },
      tags: ['conformance'],
      guardrails: [],
      model_rpm_limit: { demo: 100 },
      aliases: { fast: 'demo' },
      duration: '30d',
    });
    state.key = generated.key;
    state.keyHash = generated.token;
    const plain = await conform<{ key: string }>('POST', '/key/generate', '/key/generate', {});
    state.plainKey = plain.key;
    await conform('POST', '/key/update', '/key/update', { key: state.key, max_budget: 6, rpm_limit: 50, temp_budget_increase: 1, temp_budget_expiry: '2099-01-01T00:00:00Z' });
    await conform('GET', '/key/info', `/key/info?key=${state.key}`);
    await conform('GET', '/key/info', '/key/info', undefined, { auth: state.key });
    await conform('POST', '/v2/key/info', '/v2/key/info', { keys: [state.key, state.plainKey] });
    await conform('GET', '/key/list', '/key/list');
    await conform('GET', '/key/list', '/key/list?return_full_object=true&team_id=team-1');
    const rotated = await conform<{ key: string }>('POST', '/key/regenerate', '/key/regenerate', { key: state.plainKey });
    const again = await conform<{ key: string }>('POST', '/key/{key}/regenerate', `/key/${rotated.key}/regenerate`, { grace_period: '1h' });
    state.plainKey = again.key;
    await conform('POST', '/key/block', '/key/block', { key: state.plainKey });
    await conform('POST', '/key/unblock', '/key/unblock', { key: state.plainKey });
  });

  it('customers and budgets: new, info, list, update, block, unblock (and the /end_user spelling)', async () => {
    await conform('POST', '/budget/new', '/budget/new', {
      budget_id: 'free-tier',
      max_budget: 1,
      budget_duration: '1d',
      rpm_limit: 10,
      model_max_budget: { demo: { max_budget: 0.5 } },
    });
    await conform('POST', '/budget/new', '/budget/new', { max_budget: 2 });
    await conform('POST', '/customer/new', '/customer/new', { user_id: 'cust-1', alias: 'Customer One', budget_id: 'free-tier', allowed_model_region: 'eu' });
    await conform('POST', '/end_user/new', '/end_user/new', { user_id: 'cust-2', max_budget: 3, spend: 0.5 });
    await conform('POST', '/customer/new', '/customer/new', { user_id: 'cust-3' });
    await conform('GET', '/customer/info', '/customer/info?end_user_id=cust-1');
    await conform('GET', '/end_user/info', '/end_user/info?end_user_id=cust-3');
    await conform('GET', '/customer/list', '/customer/list');
    await conform('POST', '/customer/update', '/customer/update', { user_id: 'cust-2', max_budget: 4, default_model: 'demo' });
    await conform('POST', '/customer/block', '/customer/block', { user_ids: ['cust-3', 'cust-unknown'] });
    await conform('POST', '/customer/unblock', '/customer/unblock', { user_ids: ['cust-3'] });
    await conform('GET', '/budget/info', '/budget/info?budget_id=free-tier');
    await conform('POST', '/budget/info', '/budget/info', { budgets: ['free-tier'] });
    await conform('GET', '/budget/list', '/budget/list');
    await conform('POST', '/budget/update', '/budget/update', { budget_id: 'free-tier', soft_budget: 0.8, budget_reset_at: '2099-01-01T00:00:00Z' });
  });

  it('models: info (three spellings, one id), group info, new, update, delete', async () => {
    const info = await conform<{ data: { model_info: { id: string } }[] }>('GET', '/model/info', '/model/info');
    await conform('GET', '/v1/model/info', `/v1/model/info?litellm_model_id=${info.data[0].model_info.id}`);
    await conform('GET', '/v2/model/info', '/v2/model/info', undefined, { auth: state.key });
    await conform('GET', '/model_group/info', '/model_group/info');
    await conform('POST', '/model/new', '/model/new', {
      model_name: 'stored',
      litellm_params: { model: 'mock/stored', api_key: 'sk-upstream-secret', rpm: 5 },
      model_info: { id: 'stored-1', mode: 'chat' },
    });
    await conform('POST', '/model/update', '/model/update', { id: 'stored-1', litellm_params: { tpm: 1000 }, model_info: { team: 'research' } });
    await conform('GET', '/model/info', '/model/info?litellm_model_id=stored-1');
    await conform('POST', '/model/delete', '/model/delete', { id: 'stored-1' });
  });

  it('LLM calls (the spend the reports below show): chat, embeddings, models', async () => {
    state.callId = await chat(state.key, { user: 'cust-1', metadata: { tags: ['prod'], spend_logs_metadata: { ticket: 'T-1' } } });
    await chat(MASTER_KEY, { user: 'cust-2', tags: ['dev'] });
    await chat(state.userKey);
    await conform('POST', '/v1/embeddings', '/v1/embeddings', { model: 'embed', input: ['a', 'b'] }, { auth: state.key });
    await conform('GET', '/v1/models', '/v1/models', undefined, { auth: state.key });
    await conform('GET', '/v1/models/{model}', '/v1/models/demo', undefined, { auth: state.key });
  });

  it('spend: logs (rows and per day), export, tags, calculate, keys, users', async () => {
    await conform('GET', '/spend/logs', `/spend/logs?request_id=${state.callId}`);
    await conform('GET', '/spend/logs', '/spend/logs');
    await conform('GET', '/spend/logs', `/spend/logs?start_date=${TODAY}&end_date=${TODAY}`);
    await conform('GET', '/spend/logs/export', '/spend/logs/export?format=ndjson', undefined, { mediaType: 'application/x-ndjson' });
    await conform('GET', '/spend/tags', '/spend/tags');
    await conform('POST', '/spend/calculate', '/spend/calculate', { model: 'demo', messages: [{ role: 'user', content: 'hello' }] });
    await conform('GET', '/spend/keys', '/spend/keys');
    await conform('GET', '/spend/users', '/spend/users');
    await conform('GET', '/spend/users', '/spend/users', undefined, { auth: state.userKey });
  });

  it('global spend reports: report (team, customer, api_key), keys, models, teams, tags, end users', async () => {
    const range = `start_date=${TODAY}&end_date=${TODAY}`;
    await conform('GET', '/global/spend/report', `/global/spend/report?${range}`);
    await conform('GET', '/global/spend/report', `/global/spend/report?${range}&group_by=customer`);
    await conform('GET', '/global/spend/report', `/global/spend/report?${range}&group_by=api_key`);
    await conform('GET', '/global/spend/keys', '/global/spend/keys');
    await conform('GET', '/global/spend/models', '/global/spend/models');
    await conform('GET', '/global/spend/teams', '/global/spend/teams');
    await conform('GET', '/global/spend/tags', `/global/spend/tags?${range}`);
    await conform('POST', '/global/spend/end_users', '/global/spend/end_users', {});
    await conform('GET', '/global/spend/end_users', '/global/spend/end_users');
  });

  it('reads after the changes: team, user and organization info and lists', async () => {
    await conform('GET', '/team/info', '/team/info?team_id=team-1');
    await conform('GET', '/team/list', '/team/list');
    await conform('GET', '/user/info', '/user/info?user_id=user-1');
    await conform('GET', '/user/info', '/user/info?user_id=litellm-proxy-budget');
    await conform('GET', '/user/list', '/user/list');
    await conform('GET', '/organization/info', '/organization/info?organization_id=org-1');
    await conform('POST', '/organization/info', '/organization/info', { organizations: ['org-1', 'org-2'] });
    await conform('GET', '/organization/list', '/organization/list');
  });

  it('audit: search, one row, verify, export', async () => {
    const page = await conform<{ audit_logs: { id: string }[] }>('GET', '/audit', '/audit?page_size=100');
    expect(page.audit_logs.length).toBeGreaterThan(20);
    await conform('GET', '/audit', '/audit?table_name=LiteLLM_TeamTable&sort_order=asc');
    await conform('GET', '/audit/{id}', `/audit/${page.audit_logs[0].id}`);
    await conform('GET', '/audit/verify', '/audit/verify');
    await conform('GET', '/audit/export', '/audit/export', undefined, { mediaType: 'application/x-ndjson' });
  });

  it('health and the public routes', async () => {
    await conform('GET', '/health', '/health');
    await conform('GET', '/health/readiness', '/health/readiness');
    await conform('GET', '/routes', '/routes');
  });

  it('deletes: key, team, user, organization, customer, budget', async () => {
    await conform('POST', '/key/delete', '/key/delete', { keys: [state.plainKey] });
    await conform('POST', '/key/delete', '/key/delete', { key_aliases: ['user-1-key'] });
    await conform('POST', '/team/delete', '/team/delete', { team_ids: ['team-2'] });
    await conform('POST', '/user/delete', '/user/delete', { user_ids: ['user-2'] });
    await conform('POST', '/organization/delete', '/organization/delete', { organization_ids: ['org-2'] });
    await conform('POST', '/customer/delete', '/customer/delete', { user_ids: ['cust-3'] });
    await conform('POST', '/budget/delete', '/budget/delete', { id: 'free-tier' });
  });

  it('should refuse an undocumented field, a missing field and a wrong type (the check itself)', async () => {
    const row = await conform<Json>('GET', '/customer/info', '/customer/info?end_user_id=cust-2');
    const check = (body: unknown): boolean => validator.validate('GET', '/customer/info', 200, body).valid;
    expect(check(row)).toBe(true);
    expect(check({ ...row, undocumented: 1 })).toBe(false);
    expect(check({ ...row, litellm_budget_table: { ...(row.litellm_budget_table as Json), undocumented: 1 } })).toBe(false);
    const { alias: _alias, ...withoutAlias } = row;
    expect(check(withoutAlias)).toBe(false);
    expect(check({ ...row, spend: '0' })).toBe(false);
    expect(check({ ...row, litellm_budget_table: null, alias: null })).toBe(true);
    expect(check({ ...row, user_id: null })).toBe(false);
  });

  it('should have validated a response of every management controller', () => {
    const prefixes = ['/key/', '/team/', '/user/', '/organization/', '/customer/', '/budget/', '/model', '/spend/', '/global/spend/', '/audit', '/health'];
    const uncovered = prefixes.filter((prefix) => ![...validated].some((route) => route.split(' ')[1].startsWith(prefix)));
    expect(uncovered).toEqual([]);
    expect(validated.size).toBeGreaterThanOrEqual(70);
  });
});
