import { DataSource } from 'typeorm';
import { CustomersService } from '../src/customers/customers.service';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { recordSettledCall, spendRow } from './support/spend-row.fixture';

const MASTER_KEY = 'sk-customers-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: eu-model
    litellm_params: { model: mock/eu, region_name: eu }
litellm_settings:
  blocked_user_list: [config-blocked]
`;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

type Row = Json & { user_id: string; spend: number; blocked: boolean; budget_id: string | null; litellm_budget_table: Json | null };

describe('Customers and budgets: LiteLLM end-user API (e2e)', () => {
  let gateway: TestGateway;
  let customers: CustomersService;
  let ledger: SpendLedgerService;
  let db: DataSource;

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    customers = gateway.app.get(CustomersService);
    ledger = gateway.app.get(SpendLedgerService);
    db = gateway.app.get(DataSource);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const { call, post, get } = apiClient(() => gateway.url, MASTER_KEY);

  async function storedSpend(userId: string): Promise<number | undefined> {
    const rows = (await db.query('SELECT spend FROM tollgate_end_users WHERE user_id = $1', [userId])) as { spend: number }[];
    return rows[0]?.spend;
  }

  for (const prefix of ['/customer', '/end_user']) {
    it(`should run a customer's life cycle under ${prefix}/*`, async () => {
      const id = `life${prefix.replace('/', '-')}`;
      const created = await post<Row>(`${prefix}/new`, { user_id: id, alias: 'Acme', allowed_model_region: 'eu', default_model: 'eu-model' });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        user_id: id,
        alias: 'Acme',
        spend: 0,
        allowed_model_region: 'eu',
        default_model: 'eu-model',
        budget_id: null,
        litellm_budget_table: null,
        blocked: false,
      });

      const info = await get<Row>(`${prefix}/info?end_user_id=${id}`);
      expect(info).toEqual({ status: 200, body: created.body });

      const updated = await post<Row>(`${prefix}/update`, { user_id: id, alias: 'Acme Corp', allowed_model_region: 'us' });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ user_id: id, alias: 'Acme Corp', allowed_model_region: 'us', default_model: 'eu-model' });

      const listed = await get<Row[]>(`${prefix}/list`);
      expect(listed.status).toBe(200);
      expect(listed.body.find((row) => row.user_id === id)).toMatchObject({ alias: 'Acme Corp' });

      const deleted = await post(`${prefix}/delete`, { user_ids: [id] });
      expect(deleted).toEqual({ status: 200, body: { deleted_customers: 1, message: `Successfully deleted customers with ids: ['${id}']` } });
      const gone = await get<ErrorBody>(`${prefix}/info?end_user_id=${id}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error).toMatchObject({ message: `End User Id=${id} does not exist in db`, type: 'not_found_error', code: '404' });
      const again = await post<ErrorBody>(`${prefix}/delete`, { user_ids: [id, 'never-existed'] });
      expect(again.status).toBe(404);
      expect(again.body.error.message).toBe(`End User Id(s)=${id}, never-existed do not exist in db`);
    });
  }

  it('should refuse invalid customer requests with LiteLLM texts and statuses', async () => {
    expect((await post('/customer/new', { user_id: 'dup' })).status).toBe(200);
    const duplicate = await post<ErrorBody>('/customer/new', { user_id: 'dup' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toMatchObject({ message: 'Customer already exists, passed user_id=dup. Please pass a new user_id.', param: 'user_id', code: '400' });

    const both = await post<ErrorBody>('/customer/new', { user_id: 'both', max_budget: 1, budget_id: 'free-tier' });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toBe("Set either 'max_budget' or 'budget_id', not both.");

    const unknownBudget = await post<ErrorBody>('/customer/new', { user_id: 'no-budget', budget_id: 'nope' });
    expect(unknownBudget.status).toBe(400);
    expect(unknownBudget.body.error.message).toBe('Budget Id=nope does not exist in db');

    const badModel = await post<ErrorBody>('/end_user/new', { user_id: 'bad-model', default_model: 'gpt-9' });
    expect(badModel.status).toBe(422);
    expect(badModel.body.error.message).toBe("Default Model not on proxy. Configure via `/model/new` or config.yaml. Default_model=gpt-9, proxy_model_names={'demo', 'eu-model'}");

    const unknownField = await post<ErrorBody>('/customer/new', { user_id: 'x', foo: 'bar' });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body).toEqual({ error: { message: 'property foo should not exist', type: 'invalid_request_error', param: 'foo', code: '400' } });
    expect((await post<ErrorBody>('/customer/new', { user_id: 'x', allowed_model_region: 'asia' })).status).toBe(400);
    expect((await post<ErrorBody>('/customer/new', { alias: 'no id' })).status).toBe(400);
    expect((await post<ErrorBody>('/budget/new', { max_budget: 1, foo: 1 })).status).toBe(400);
    const negative = await post<ErrorBody>('/budget/new', { max_budget: -1 });
    expect(negative.body.error.message).toBe('max_budget must be a non-negative finite number. Received: -1');

    const missingId = await get<ErrorBody>('/customer/info');
    expect(missingId.status).toBe(400);
    expect((await post<ErrorBody>('/customer/update', { user_id: 'ghost', alias: 'x' })).status).toBe(404);
    // Nothing was created by the refused requests.
    expect(await db.query(`SELECT user_id FROM tollgate_end_users WHERE user_id IN ('both', 'no-budget', 'bad-model', 'x')`)).toEqual([]);
  });

  it('should create a budget row for inline budget fields, as LiteLLM does', async () => {
    const created = await post<Row>('/customer/new', { user_id: 'inline', max_budget: 5, tpm_limit: 100, rpm_limit: 10, budget_duration: '30d' });
    expect(created.status).toBe(200);
    expect(created.body.budget_id).toEqual(expect.any(String));
    expect(created.body.litellm_budget_table).toMatchObject({ budget_id: created.body.budget_id, max_budget: 5, tpm_limit: 100, rpm_limit: 10, budget_duration: '30d' });
    expect(Date.parse(created.body.budget_reset_at as string) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const rows = (await db.query('SELECT max_budget, tpm_limit FROM tollgate_budgets WHERE budget_id = $1', [created.body.budget_id])) as Json[];
    expect(rows).toEqual([{ max_budget: 5, tpm_limit: '100' }]);
    expect(await customers.findEndUser('inline')).toMatchObject({
      userId: 'inline',
      budget: { budgetId: created.body.budget_id, maxBudget: 5, tpmLimit: 100, rpmLimit: 10, budgetDuration: '30d', softBudget: null, maxParallelRequests: null },
    });

    // An update with budget fields changes the customer's budget row; a customer without one gets one.
    const raised = await post<Row>('/customer/update', { user_id: 'inline', max_budget: 8 });
    expect(raised.body.litellm_budget_table).toMatchObject({ budget_id: created.body.budget_id, max_budget: 8, tpm_limit: 100 });
    expect((await customers.findEndUser('inline'))?.budget?.maxBudget).toBe(8);
    await post('/customer/new', { user_id: 'later-budget' });
    const given = await post<Row>('/customer/update', { user_id: 'later-budget', rpm_limit: 3 });
    expect(given.body.litellm_budget_table).toMatchObject({ rpm_limit: 3 });
    expect((await customers.findEndUser('later-budget'))?.budget?.rpmLimit).toBe(3);
  });

  it('should run a shared budget life cycle and propagate changes to its customers at once', async () => {
    const created = await post<Json>('/budget/new', { budget_id: 'free-tier', max_budget: 1, tpm_limit: 2, budget_duration: '1d' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ budget_id: 'free-tier', max_budget: 1, tpm_limit: 2, rpm_limit: null, budget_duration: '1d', created_by: 'default_user_id' });
    const duplicate = await post<ErrorBody>('/budget/new', { budget_id: 'free-tier' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.message).toBe("Budget with id 'free-tier' already exists.");
    const generated = await post<Json>('/budget/new', { rpm_limit: 5 });
    expect(generated.body.budget_id).toEqual(expect.any(String));

    expect((await post<Json[]>('/budget/info', { budgets: ['free-tier', 'nope'] })).body).toEqual([expect.objectContaining({ budget_id: 'free-tier' })]);
    expect((await post<ErrorBody>('/budget/info', { budgets: [] })).body.error.message).toBe("Specify list of budget id's to query. Passed in=[]");
    expect((await get<Json>('/budget/info?budget_id=free-tier')).body).toMatchObject({ budget_id: 'free-tier', max_budget: 1 });
    expect((await get<ErrorBody>('/budget/info?budget_id=nope')).status).toBe(404);
    const listed = await get<Json[]>('/budget/list');
    expect(listed.body.map((row) => row.budget_id)).toEqual(expect.arrayContaining(['free-tier', generated.body.budget_id]));

    const customer = await post<Row>('/customer/new', { user_id: 'on-free-tier', budget_id: 'free-tier' });
    expect(customer.body.litellm_budget_table).toMatchObject({ budget_id: 'free-tier', tpm_limit: 2 });
    expect((await customers.findEndUser('on-free-tier'))?.budget).toMatchObject({ budgetId: 'free-tier', tpmLimit: 2, maxBudget: 1 });

    const updated = await post<Json>('/budget/update', { budget_id: 'free-tier', tpm_limit: 50, max_budget: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ budget_id: 'free-tier', tpm_limit: 50, max_budget: null, budget_duration: '1d' });
    expect((await customers.findEndUser('on-free-tier'))?.budget).toMatchObject({ tpmLimit: 50, maxBudget: null });
    expect((await post<ErrorBody>('/budget/update', { tpm_limit: 1 })).body.error.message).toBe('budget_id is required');
    expect((await post<ErrorBody>('/budget/update', { budget_id: 'nope', tpm_limit: 1 })).status).toBe(404);

    // Moving the customer to another budget shows at once.
    const moved = await post<Row>('/customer/update', { user_id: 'on-free-tier', budget_id: generated.body.budget_id });
    expect(moved.body).toMatchObject({ budget_id: generated.body.budget_id, litellm_budget_table: expect.objectContaining({ rpm_limit: 5 }) });
    expect((await customers.findEndUser('on-free-tier'))?.budget).toMatchObject({ budgetId: generated.body.budget_id, rpmLimit: 5 });

    const deleted = await post<Json>('/budget/delete', { id: generated.body.budget_id });
    expect(deleted).toMatchObject({ status: 200, body: { budget_id: generated.body.budget_id } });
    expect((await customers.findEndUser('on-free-tier'))?.budget).toBeNull();
    expect((await get<Row>('/customer/info?end_user_id=on-free-tier')).body).toMatchObject({ budget_id: null, litellm_budget_table: null });
    expect((await post<ErrorBody>('/budget/delete', { id: generated.body.budget_id })).status).toBe(404);
  });

  it('should block (creating rows) and unblock, visible to findEndUser at once', async () => {
    await post('/customer/new', { user_id: 'blockee' });
    expect((await customers.findEndUser('blockee'))?.blocked).toBe(false);
    expect(await customers.findEndUser('stranger')).toBeNull();

    const blocked = await post<{ blocked_users: Row[] }>('/customer/block', { user_ids: ['blockee', 'stranger'] });
    expect(blocked.status).toBe(200);
    expect(blocked.body.blocked_users).toEqual([
      expect.objectContaining({ user_id: 'blockee', blocked: true, litellm_budget_table: null }),
      expect.objectContaining({ user_id: 'stranger', blocked: true, spend: 0 }),
    ]);
    expect((await customers.findEndUser('blockee'))?.blocked).toBe(true);
    expect((await customers.findEndUser('stranger'))?.blocked).toBe(true);

    // The configured blocked_user_list blocks without a row.
    expect(await customers.findEndUser('config-blocked')).toMatchObject({ userId: 'config-blocked', blocked: true, budget: null });

    const unblocked = await post<{ blocked_users: string[] }>('/end_user/unblock', { user_ids: ['blockee', 'config-blocked'] });
    expect(unblocked).toEqual({ status: 200, body: { blocked_users: ['stranger'] } });
    expect((await customers.findEndUser('blockee'))?.blocked).toBe(false);
    expect(await customers.findEndUser('config-blocked')).toBeNull();
    expect((await get<Row>('/customer/info?end_user_id=blockee')).body.blocked).toBe(false);

    // An update that blocks is seen by the next lookup too.
    await post('/customer/update', { user_id: 'blockee', blocked: true });
    expect((await customers.findEndUser('blockee'))?.blocked).toBe(true);
  });

  it('should show recorded spend at once, persist it through the ledger and create rows for unknown end users', async () => {
    await post('/customer/new', { user_id: 'spender', max_budget: 10 });
    for (const cost of [0.125, 0.125]) await recordSettledCall(gateway.app, spendRow({ end_user: 'spender', spend: cost }));
    expect((await get<Row>('/customer/info?end_user_id=spender')).body.spend).toBe(0.25);
    await ledger.flush();
    expect(await storedSpend('spender')).toBe(0.25);

    expect(await customers.findEndUser('walk-in')).toBeNull();
    const walkIn = spendRow({ end_user: 'walk-in', spend: 0.5 });
    await recordSettledCall(gateway.app, walkIn);
    await ledger.flush();
    expect(await storedSpend('walk-in')).toBe(0.5);
    // The same call delivered twice (a journal replay) is counted once.
    ledger.record(walkIn);
    await recordSettledCall(gateway.app, spendRow({ end_user: 'walk-in', spend: 0.25 }));
    await ledger.flush();
    expect(await storedSpend('walk-in')).toBe(0.75);
    expect((await get<Row>('/customer/info?end_user_id=walk-in')).body).toMatchObject({ spend: 0.75, blocked: false });
  });

  it('should reflect an update of the customer in findEndUser at once', async () => {
    await post('/customer/new', { user_id: 'changer', alias: 'before', default_model: 'demo' });
    expect(await customers.findEndUser('changer')).toMatchObject({ alias: 'before', defaultModel: 'demo', allowedModelRegion: null });
    await post('/customer/update', { user_id: 'changer', alias: 'after', allowed_model_region: 'eu', default_model: 'eu-model' });
    expect(await customers.findEndUser('changer')).toMatchObject({ alias: 'after', defaultModel: 'eu-model', allowedModelRegion: 'eu' });
    await post('/customer/delete', { user_ids: ['changer'] });
    expect(await customers.findEndUser('changer')).toBeNull();
  });

  it('should list every customer without paging parameters, or one page of them in the same order', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) expect((await post('/customer/new', { user_id: id })).status).toBe(200);
    const all = await get<Row[]>('/customer/list');
    expect(all.status).toBe(200);
    const ids = all.body.map((row) => row.user_id);
    expect(ids).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    const pages: unknown[] = [];
    for (let page = 1; page <= Math.ceil(ids.length / 2); page++) {
      const { status, body } = await get<Row[]>(`/end_user/list?page=${page}&page_size=2`);
      expect(status).toBe(200);
      expect(body.length).toBeLessThanOrEqual(2);
      pages.push(...body.map((row) => row.user_id));
    }
    expect(pages).toEqual(ids);
    expect((await get<Row[]>('/customer/list?page_size=1')).body).toEqual([all.body[0]]);
    expect((await get('/customer/list?page_size=0')).status).toBe(400);
    expect((await get('/customer/list?page_size=1001')).status).toBe(400);
  });

  it('should refuse every customer and budget route to a non-admin virtual key', async () => {
    const generated = await post<{ key: string }>('/key/generate', { user_id: 'internal-user' });
    expect(generated.status).toBe(200);
    const key = generated.body.key;
    const attempts: [string, 'GET' | 'POST', unknown?][] = [
      ['/customer/new', 'POST', { user_id: 'by-key' }],
      ['/end_user/new', 'POST', { user_id: 'by-key' }],
      ['/customer/info?end_user_id=spender', 'GET'],
      ['/customer/list', 'GET'],
      ['/customer/update', 'POST', { user_id: 'spender', alias: 'x' }],
      ['/customer/delete', 'POST', { user_ids: ['spender'] }],
      ['/customer/block', 'POST', { user_ids: ['spender'] }],
      ['/customer/unblock', 'POST', { user_ids: ['spender'] }],
      ['/budget/new', 'POST', { budget_id: 'by-key' }],
      ['/budget/info', 'POST', { budgets: ['free-tier'] }],
      ['/budget/info?budget_id=free-tier', 'GET'],
      ['/budget/update', 'POST', { budget_id: 'free-tier', max_budget: 100 }],
      ['/budget/delete', 'POST', { id: 'free-tier' }],
      ['/budget/list', 'GET'],
    ];
    for (const [path, method, body] of attempts) {
      const response = await call<ErrorBody>(method, path, body, key);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.body.error.message).toContain('Only proxy admin can be used');
    }
    expect(await customers.findEndUser('by-key')).toBeNull();
    expect((await get<Json>('/budget/info?budget_id=free-tier')).body).toMatchObject({ tpm_limit: 50 });
  });

  it('should document the routes and declare them admin-only', async () => {
    const spec = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    expect(spec.paths['/customer/new'].post.tags).toEqual(['Customers']);
    expect(spec.paths['/budget/new'].post.tags).toEqual(['Budgets']);
    const { routes } = (await (await fetch(`${gateway.url}/routes`)).json()) as { routes: { path: string; routeClass: string; groups: string[] }[] };
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/customer/new', routeClass: 'admin', groups: ['management_routes'] }),
        expect.objectContaining({ path: '/end_user/unblock', routeClass: 'admin' }),
        expect.objectContaining({ path: '/customer/info', routeClass: 'admin', groups: ['management_routes', 'info_routes'] }),
        expect.objectContaining({ path: '/budget/list', routeClass: 'admin' }),
      ]),
    );
  });
});
