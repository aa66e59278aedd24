import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { AuditLogView } from '../src/audit/audit-log.service';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import type { CatalogedRoute } from '../src/auth/route-catalog.service';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-audit-master-5d1c9e';
const MASTER_HASH = createHash('sha256').update(MASTER_KEY).digest('hex');
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
  audit_log_hmac_key: os.environ/AUDIT_HMAC_KEY
  store_model_in_db: true
litellm_settings:
  store_audit_logs: true
  audit_log_retention_period: 90d
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`;

/** The API's row, with the JSON values typed as objects. */
type AuditRow = Omit<AuditLogView, 'before_value' | 'updated_values'> & { before_value: Json | null; updated_values: Json | null };
interface AuditPage {
  audit_logs: AuditRow[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}
interface Verification {
  valid: boolean;
  checked_rows: number;
  keyed: boolean;
  head: { seq: number; hash: string } | null;
  anchor: { seq: number; hash: string };
  first_bad_row: { id: string | null; seq: number | null; reason: string } | null;
}

/**
 * POST routes of the management API that change nothing (lookups, calculations, a connection test of a deployment
 * that is not stored). Every other non-GET management route must be `@Audited`.
 */
const READ_ONLY_POSTS = new Set(['/v2/key/info', '/budget/info', '/organization/info', '/spend/calculate', '/global/spend/end_users', '/health/test_connection']);

describe('Audit logs: one chained row per change, in its transaction; denials, retention, tamper evidence (e2e)', () => {
  let gateway: TestGateway;
  let db: DataSource;
  let userKey: string;
  const { post, get } = apiClient(() => gateway.url, MASTER_KEY);

  /** A call that also returns the request id, which names the call's audit rows. */
  async function call(
    method: string,
    path: string,
    body?: unknown,
    auth = MASTER_KEY,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json; requestId: string }> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json, requestId: response.headers.get('x-request-id') as string };
  }

  async function rowsOf(requestId: string): Promise<AuditRow[]> {
    const rows = await db.query(`SELECT "id" FROM "tollgate_audit_log" WHERE "request_id" = $1 ORDER BY "seq"`, [requestId]);
    return Promise.all(rows.map(async (row: { id: string }) => (await get<AuditRow>(`/audit/${row.id}`)).body));
  }

  /** Denied rows are written after the response (nothing to join): wait for them. */
  async function eventuallyRowsOf(requestId: string): Promise<AuditRow[]> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const rows = await rowsOf(requestId);
      if (rows.length) return rows;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return [];
  }

  const verify = async (query = ''): Promise<Verification> => (await get<Verification>(`/audit/verify${query}`)).body;

  beforeAll(async () => {
    gateway = await startGateway(CONFIG, { env: { AUDIT_HMAC_KEY: 'audit-hmac-test-key-0f3e' } });
    db = gateway.app.get(DataSource);
    // The master key's user exists before the seed example, so creating a team makes exactly the team's row.
    await post('/user/new', { user_id: 'default_user_id', auto_create_key: false });
    await post('/user/new', { user_id: 'audit-internal', user_role: 'internal_user', auto_create_key: false });
    userKey = (await post<{ key: string }>('/key/generate', { user_id: 'audit-internal' })).body.key;
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it("should write the seed's row for the seed's team example", async () => {
    const created = await call('POST', '/team/new', { max_budget: 2 });
    expect(created.status).toBe(200);
    const teamId = created.body.team_id as string;
    const rows = await rowsOf(created.requestId);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(row.updated_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(row).toMatchObject({
      changed_by: 'default_user_id',
      changed_by_api_key: MASTER_HASH,
      action: 'created',
      table_name: 'LiteLLM_TeamTable',
      object_id: teamId,
      before_value: null,
      request_id: created.requestId,
      client_ip: '127.0.0.1',
      route: 'POST /team/new',
    });
    expect(row.updated_values).toMatchObject({
      team_id: teamId,
      admins: ['default_user_id'],
      members_with_roles: [{ role: 'admin', user_id: 'default_user_id' }],
      max_budget: 2,
      models: [],
      blocked: false,
    });
    const found = await get<AuditPage>(`/audit?table_name=LiteLLM_TeamTable&object_id=${teamId}`);
    expect(found.body).toMatchObject({ total: 1, page: 1, total_pages: 1 });
    expect(found.body.audit_logs[0].id).toBe(row.id);
  });

  it('should write exactly one row for every mutating management route, and a denied row for a refused caller', async () => {
    const { routes } = (await get<{ routes: CatalogedRoute[] }>('/routes')).body;
    const mutating = routes.filter(
      (route) => (route.routeClass === 'management' || route.routeClass === 'admin') && route.methods.some((method) => method !== 'GET') && !READ_ONLY_POSTS.has(route.path),
    );
    const unaudited = mutating.filter((route) => !route.audited).map((route) => route.path);
    expect(unaudited).toEqual([]);
    expect(mutating.length).toBeGreaterThanOrEqual(38);
    expect(mutating.map((route) => route.path)).toEqual(expect.arrayContaining(['/model/new', '/model/update', '/model/delete', '/key/{key}/regenerate']));

    let counter = 0;
    const fresh = (prefix: string): string => `${prefix}-${++counter}-${Date.now()}`;
    const newTeam = async (): Promise<string> => (await post<{ team_id: string }>('/team/new', { team_id: fresh('team') })).body.team_id;
    const newUser = async (): Promise<string> => (await post<{ user_id: string }>('/user/new', { user_id: fresh('user'), auto_create_key: false })).body.user_id;
    const newKey = async (): Promise<string> => (await post<{ key: string }>('/key/generate', {})).body.key;
    const newCustomer = async (): Promise<string> => (await post<{ user_id: string }>('/customer/new', { user_id: fresh('customer') })).body.user_id;
    const newBudget = async (): Promise<string> => (await post<{ budget_id: string }>('/budget/new', { budget_id: fresh('budget'), max_budget: 5 })).body.budget_id;
    const newModel = async (): Promise<string> =>
      (await post<{ model_id: string }>('/model/new', { model_name: fresh('model'), litellm_params: { model: 'mock/demo', api_key: 'sk-provider-secret-in-model' } })).body
        .model_id;
    const newOrganization = async (): Promise<string> => (await post<{ organization_id: string }>('/organization/new', { organization_alias: fresh('org') })).body.organization_id;

    /** A valid call of each route on objects made for it; the expected table comes from the route's declaration. */
    let settingsChanges = 0;
    const recipes: Record<string, () => Promise<{ path?: string; body: Json }>> = {
      '/key/generate': async () => ({ body: {} }),
      '/key/update': async () => ({ body: { key: await newKey(), max_budget: 3 } }),
      '/key/delete': async () => ({ body: { keys: [await newKey()] } }),
      '/key/regenerate': async () => ({ body: { key: await newKey() } }),
      '/key/{key}/regenerate': async () => ({ path: `/key/${await newKey()}/regenerate`, body: {} }),
      '/key/block': async () => ({ body: { key: await newKey() } }),
      '/key/unblock': async () => {
        const key = await newKey();
        await post('/key/block', { key });
        return { body: { key } };
      },
      '/team/new': async () => ({ body: { team_alias: fresh('alias') } }),
      '/team/update': async () => ({ body: { team_id: await newTeam(), max_budget: 7 } }),
      '/team/delete': async () => ({ body: { team_ids: [await newTeam()] } }),
      '/team/member_add': async () => ({ body: { team_id: await newTeam(), member: { role: 'user', user_id: await newUser() } } }),
      '/team/member_delete': async () => {
        const teamId = await newTeam();
        const userId = await newUser();
        await post('/team/member_add', { team_id: teamId, member: { role: 'user', user_id: userId } });
        return { body: { team_id: teamId, user_id: userId } };
      },
      '/team/member_update': async () => {
        const teamId = await newTeam();
        const userId = await newUser();
        await post('/team/member_add', { team_id: teamId, member: { role: 'user', user_id: userId } });
        return { body: { team_id: teamId, user_id: userId, role: 'admin' } };
      },
      '/team/block': async () => ({ body: { team_id: await newTeam() } }),
      '/team/unblock': async () => ({ body: { team_id: await newTeam() } }),
      '/user/new': async () => ({ body: { user_id: fresh('user'), auto_create_key: false } }),
      '/user/update': async () => ({ body: { user_id: await newUser(), max_budget: 4 } }),
      '/user/delete': async () => ({ body: { user_ids: [await newUser()] } }),
      '/organization/new': async () => ({ body: { organization_alias: fresh('org') } }),
      '/organization/update': async () => ({ body: { organization_id: await newOrganization(), organization_alias: fresh('renamed') } }),
      '/organization/delete': async () => ({ body: { organization_ids: [await newOrganization()] } }),
      '/organization/member_add': async () => ({ body: { organization_id: await newOrganization(), member: { role: 'internal_user', user_id: await newUser() } } }),
      '/customer/new': async () => ({ body: { user_id: fresh('customer') } }),
      '/end_user/new': async () => ({ body: { user_id: fresh('customer') } }),
      '/customer/update': async () => ({ body: { user_id: await newCustomer(), alias: 'renamed' } }),
      '/end_user/update': async () => ({ body: { user_id: await newCustomer(), alias: 'renamed' } }),
      '/customer/delete': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/end_user/delete': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/customer/block': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/end_user/block': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/user/block': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/customer/unblock': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/end_user/unblock': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/user/unblock': async () => ({ body: { user_ids: [await newCustomer()] } }),
      '/budget/new': async () => ({ body: { budget_id: fresh('budget'), max_budget: 1 } }),
      '/budget/update': async () => ({ body: { budget_id: await newBudget(), max_budget: 9 } }),
      '/budget/delete': async () => ({ body: { id: await newBudget() } }),
      '/model/new': async () => ({ body: { model_name: fresh('model'), litellm_params: { model: 'mock/demo', api_key: 'sk-provider-secret-in-model' } } }),
      '/model/update': async () => ({ body: { model_id: await newModel(), litellm_params: { rpm: 10 } } }),
      '/model/delete': async () => ({ body: { id: await newModel() } }),
      '/model_group/make_public': async () => ({ body: { model_groups: ['demo'] } }),
      // Each recipe changes the stored value (an unchanged setting writes no row).
      '/config/update': async () => ({ body: { router_settings: { num_retries: ++settingsChanges } } }),
      '/config/field/update': async () => ({ body: { field_name: 'cooldown_time', field_value: ++settingsChanges, config_type: 'router_settings' } }),
      '/config/field/delete': async () => {
        expect((await call('POST', '/config/field/update', { field_name: 'max_fallbacks', field_value: ++settingsChanges, config_type: 'router_settings' })).status).toBe(200);
        return { body: { field_name: 'max_fallbacks', config_type: 'router_settings' } };
      },
    };
    const missingRecipes = mutating.map((route) => route.path).filter((path) => !recipes[path]);
    expect(missingRecipes).toEqual([]);

    for (const route of mutating) {
      const { path, body } = await recipes[route.path]();
      const changed = await call('POST', path ?? route.path, body);
      expect({ route: route.path, status: changed.status }).toEqual({ route: route.path, status: 200 });
      const rows = await rowsOf(changed.requestId);
      expect({ route: route.path, rows: rows.map((row) => row.table_name) }).toEqual({ route: route.path, rows: [route.audited] });
      expect(rows[0].action).not.toBe('denied');

      // An internal user's key may not do this (the object is not its own; a key for someone else): one denied row.
      const attempt = route.path === '/key/generate' ? { path: undefined, body: { user_id: 'someone-else' } } : await recipes[route.path]();
      const refused = await call('POST', attempt.path ?? route.path, attempt.body, userKey);
      expect({ route: route.path, refused: [401, 403].includes(refused.status) ? 'refused' : refused.status }).toEqual({ route: route.path, refused: 'refused' });
      const denied = await eventuallyRowsOf(refused.requestId);
      expect({ route: route.path, denied: denied.map((row) => `${row.action} ${row.table_name}`) }).toEqual({ route: route.path, denied: [`denied ${route.audited}`] });
      expect(denied[0].changed_by).toBe('audit-internal');
      expect(denied[0].changed_by_api_key).toBe(createHash('sha256').update(userKey).digest('hex'));
    }
  });

  it('should record a denial by an unknown key under the hash of what was presented', async () => {
    const refused = await call('POST', '/team/new', { team_alias: 'nope' }, 'sk-not-a-real-key-77');
    expect(refused.status).toBe(401);
    const [row] = await eventuallyRowsOf(refused.requestId);
    expect(row).toMatchObject({
      action: 'denied',
      table_name: 'LiteLLM_TeamTable',
      changed_by: null,
      changed_by_api_key: createHash('sha256').update('sk-not-a-real-key-77').digest('hex'),
    });
    expect(row.updated_values).toMatchObject({ status: 401, request_body: { team_alias: 'nope' } });
  });

  it('should write no row for a change that failed, and roll the change back when its row cannot be written', async () => {
    const failed = await call('POST', '/team/update', { team_id: 'no-such-team', max_budget: 1 });
    expect(failed.status).toBe(400);
    expect(await rowsOf(failed.requestId)).toEqual([]);

    await db.query(`ALTER TABLE "tollgate_audit_log" ADD CONSTRAINT "test_refuse_team_rows" CHECK ("table_name" <> 'LiteLLM_TeamTable') NOT VALID`);
    try {
      const refused = await call('POST', '/team/new', { team_id: 'team-without-row' });
      expect(refused.status).toBe(500);
      expect(JSON.stringify(refused.body)).not.toMatch(/INSERT|constraint|tollgate_audit_log/i);
    } finally {
      await db.query(`ALTER TABLE "tollgate_audit_log" DROP CONSTRAINT "test_refuse_team_rows"`);
    }
    expect((await get('/team/info?team_id=team-without-row')).status).toBe(404);
    expect(await db.query(`SELECT 1 FROM "tollgate_teams" WHERE "team_id" = 'team-without-row'`)).toEqual([]);
  });

  it('should mask secrets: a chosen plaintext key never reaches a row, an export or a search', async () => {
    const plaintext = 'sk-audit-plaintext-secret-9d2a71';
    const generated = await call('POST', '/key/generate', { key: plaintext, metadata: { note: 'x', api_key: 'sk-upstream-in-metadata-44' } });
    expect(generated.status).toBe(200);
    const [row] = await rowsOf(generated.requestId);
    expect(row.object_id).toBe(createHash('sha256').update(plaintext).digest('hex'));
    const exported = await (await fetch(`${gateway.url}/audit/export?format=ndjson`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text();
    for (const secret of [plaintext, 'sk-upstream-in-metadata-44', MASTER_KEY, 'sk-provider-secret-in-model']) {
      expect(exported).not.toContain(secret);
      expect(JSON.stringify(row)).not.toContain(secret);
    }
    expect((row.updated_values?.metadata as Json).api_key).toBe('sk-...a-44');
  });

  it('should take changed_by from litellm-changed-by for an admin only', async () => {
    const byAdmin = await call('POST', '/budget/new', { max_budget: 1 }, MASTER_KEY, { 'litellm-changed-by': 'alice@example.com' });
    expect((await rowsOf(byAdmin.requestId))[0].changed_by).toBe('alice@example.com');
    const own = await call('POST', '/key/generate', {}, userKey, { 'litellm-changed-by': 'someone-else' });
    expect(own.status).toBe(200);
    expect((await rowsOf(own.requestId))[0].changed_by).toBe('audit-internal');
  });

  it('should search, page, fetch and export, for admins only, with clear errors', async () => {
    const page = await get<AuditPage>('/audit?page=1&page_size=5&action=created');
    expect(page.status).toBe(200);
    expect(page.body.audit_logs).toHaveLength(5);
    expect(page.body.page_size).toBe(5);
    expect(page.body.total_pages).toBe(Math.ceil(page.body.total / 5));
    expect(page.body.audit_logs.every((row) => row.action === 'created')).toBe(true);
    const seqs = page.body.audit_logs.map((row) => row.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const second = await get<AuditPage>('/audit?page=2&page_size=5&action=created');
    expect(second.body.audit_logs[0].seq).toBeLessThan(seqs[4]);
    const today = new Date().toISOString().slice(0, 10);
    const byDate = await get<AuditPage>(`/audit?start_date=${today}&end_date=${today}&changed_by=default_user_id&sort_order=asc`);
    expect(byDate.body.total).toBeGreaterThan(0);
    expect(byDate.body.audit_logs.every((row) => row.changed_by === 'default_user_id')).toBe(true);

    expect((await get('/audit?page_size=101')).body).toMatchObject({ error: { code: '400', param: 'page_size' } });
    expect((await get('/audit?start_date=yesterday')).body).toMatchObject({ error: { code: '400', param: 'start_date' } });
    expect((await get('/audit/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/audit/not-a-uuid')).status).toBe(404);
    expect([401, 403]).toContain((await get('/audit', userKey)).status);
    expect([401, 403]).toContain((await get('/audit/verify', userKey)).status);

    const csv = await fetch(`${gateway.url}/audit/export?format=csv&table_name=LiteLLM_BudgetTable`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,seq,updated_at,changed_by,changed_by_api_key,action,table_name,object_id,before_value,updated_values,request_id,client_ip,route,prev_hash,row_hash');
    expect(lines.slice(1).every((line) => line.includes('LiteLLM_BudgetTable'))).toBe(true);
    const ndjson = await (await fetch(`${gateway.url}/audit/export`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).text();
    const exported = ndjson
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRow);
    expect(exported.length).toBe((await get<AuditPage>('/audit?page_size=1')).body.total);
    expect(exported.map((row) => row.seq)).toEqual([...exported.map((row) => row.seq)].sort((a, b) => a - b));
    expect((await get('/audit/export?format=xml')).body).toMatchObject({ error: { code: '400', param: 'format' } });
  });

  it('should keep one unbroken chain under concurrent changes', async () => {
    const calls = await Promise.all(Array.from({ length: 24 }, (_, index) => call('POST', '/budget/new', { budget_id: `concurrent-${index}`, max_budget: index + 1 })));
    expect(calls.map((result) => result.status)).toEqual(Array(24).fill(200));
    const rows = (await Promise.all(calls.map((result) => rowsOf(result.requestId)))).flat();
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((row) => row.seq)).size).toBe(24);
    expect(await verify()).toMatchObject({ valid: true, first_bad_row: null });
  });

  it('should detect an UPDATE, a DELETE, an INSERT and a cut of the newest rows done directly in the database', async () => {
    const clean = await verify();
    expect(clean).toMatchObject({ valid: true, keyed: true, first_bad_row: null });
    expect(clean.checked_rows).toBeGreaterThan(20);
    const head = clean.head!;
    const [victim] = await db.query(`SELECT "id", "seq", "updated_values", "changed_by" FROM "tollgate_audit_log" WHERE "seq" = $1`, [Math.floor(head.seq / 2)]);

    await db.query(`UPDATE "tollgate_audit_log" SET "updated_values" = '{"max_budget": 1000}' WHERE "id" = $1`, [victim.id]);
    expect((await verify()).first_bad_row).toMatchObject({ id: victim.id, seq: Number(victim.seq), reason: expect.stringContaining('changed') });
    await db.query(`UPDATE "tollgate_audit_log" SET "updated_values" = $2::json WHERE "id" = $1`, [victim.id, JSON.stringify(victim.updated_values)]);
    expect((await verify()).valid).toBe(true);

    // A forged row that copies a real one's links still fails: its hash needs the key.
    await db.query(`UPDATE "tollgate_audit_log" SET "changed_by" = 'mallory' WHERE "id" = $1`, [victim.id]);
    expect((await verify()).first_bad_row?.id).toBe(victim.id);
    await db.query(`UPDATE "tollgate_audit_log" SET "changed_by" = $2 WHERE "id" = $1`, [victim.id, victim.changed_by]);
    expect((await verify()).valid).toBe(true);

    const [[deleted]] = await db.query(`DELETE FROM "tollgate_audit_log" WHERE "seq" = $1 RETURNING *`, [Number(victim.seq) + 1]);
    expect((await verify()).first_bad_row).toMatchObject({ seq: Number(victim.seq) + 2, reason: expect.stringContaining('sequence gap') });
    await db.query(`INSERT INTO "tollgate_audit_log" SELECT * FROM jsonb_populate_record(NULL::"tollgate_audit_log", $1::jsonb)`, [JSON.stringify(deleted)]);
    expect((await verify()).valid).toBe(true);

    await db.query(
      `INSERT INTO "tollgate_audit_log" ("id", "seq", "updated_at", "changed_by", "action", "table_name", "prev_hash", "row_hash")
       VALUES ('11111111-1111-4111-8111-111111111111', $1, now(), 'mallory', 'created', 'LiteLLM_TeamTable', $2, $3)`,
      [head.seq + 1, head.hash, 'f'.repeat(64)],
    );
    expect((await verify()).first_bad_row).toMatchObject({ id: '11111111-1111-4111-8111-111111111111', reason: expect.stringContaining('row_hash') });
    await db.query(`DELETE FROM "tollgate_audit_log" WHERE "id" = '11111111-1111-4111-8111-111111111111'`);

    const [[newest]] = await db.query(`DELETE FROM "tollgate_audit_log" WHERE "seq" = $1 RETURNING *`, [head.seq]);
    const cut = await verify();
    expect(cut.valid).toBe(false);
    expect(cut.first_bad_row?.reason).toContain('newest rows were deleted');
    // An external monitor holding an older published head catches the same cut, without this instance's memory.
    expect((await verify(`?head_seq=${head.seq}&head_hash=${head.hash}`)).valid).toBe(false);
    await db.query(`INSERT INTO "tollgate_audit_log" SELECT * FROM jsonb_populate_record(NULL::"tollgate_audit_log", $1::jsonb)`, [JSON.stringify(newest)]);
    expect((await verify(`?head_seq=${head.seq}&head_hash=${head.hash}`)).valid).toBe(true);
  });

  it('should prune past the retention period in batches, attest the new anchor in a row, and still verify', async () => {
    const before = (await get<AuditPage>('/audit?page_size=1')).body.total;
    const fresh = await call('POST', '/budget/new', { max_budget: 1 });
    const retention = gateway.app.get(AuditRetentionService);
    // Nothing is 90 days old yet.
    expect(await retention.runOnce(new Date())).toBe(0);
    // 91 days from now everything is, but the clock passed in only moves the cut-off; new rows keep today's time.
    const pruned = await retention.runOnce(new Date(Date.now() + 91 * 86_400_000));
    expect(pruned).toBe(before + 1);
    const after = await get<AuditPage>('/audit');
    const attestations = after.body.audit_logs.filter((row) => row.action === 'pruned');
    expect(attestations.length).toBe(after.body.total);
    expect(attestations.reduce((sum, row) => sum + (row.updated_values?.deleted_rows as number), 0)).toBe(before + 1);
    expect(attestations[0]).toMatchObject({ table_name: 'Tollgate_AuditLog', changed_by: 'tollgate-system', updated_values: { retention_period: '90d' } });
    expect(await rowsOf(fresh.requestId)).toEqual([]);
    const report = await verify();
    expect(report).toMatchObject({ valid: true, first_bad_row: null });
    expect(report.anchor.seq).toBeGreaterThan(0);

    // Moving the anchor by hand (to hide pruned history) is caught: the newest attestation names another anchor.
    await db.query(`UPDATE "tollgate_audit_anchor" SET "seq" = "seq" - 1`);
    expect((await verify()).valid).toBe(false);
    await db.query(`UPDATE "tollgate_audit_anchor" SET "seq" = "seq" + 1`);
    expect((await verify()).valid).toBe(true);

    // Changes after pruning chain on from the anchor.
    const later = await call('POST', '/budget/new', { max_budget: 2 });
    expect(await rowsOf(later.requestId)).toHaveLength(1);
    expect((await verify()).valid).toBe(true);
  });
});

describe('Audit logs switched off (e2e)', () => {
  it('should write no row and serve mutations as before', async () => {
    const gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`);
    try {
      const { post } = apiClient(() => gateway.url, MASTER_KEY);
      expect((await post('/team/new', { max_budget: 2 })).status).toBe(200);
      expect((await post('/key/generate', {})).status).toBe(200);
      expect(await gateway.app.get(DataSource).query(`SELECT count(*)::int AS "n" FROM "tollgate_audit_log"`)).toEqual([{ n: 0 }]);
    } finally {
      await gateway.close();
      discardStorage(gateway.storage);
    }
  });
});
