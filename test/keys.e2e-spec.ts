import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { KeysService } from '../src/keys/keys.service';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { recordSettledCall, spendRow } from './support/spend-row.fixture';

const MASTER_KEY = 'sk-keys-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: other
    litellm_params: { model: mock/other }
litellm_settings:
  default_key_generate_params:
    tpm_limit: 100000
  upperbound_key_generate_params:
    max_budget: 1000
    duration: 365d
`;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Keys: LiteLLM key management API (e2e)', () => {
  let gateway: TestGateway;
  let keys: KeysService;
  let db: DataSource;

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    keys = gateway.app.get(KeysService);
    db = gateway.app.get(DataSource);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const { post, get } = apiClient(() => gateway.url, MASTER_KEY);

  async function generate(params: Json = {}, auth?: string): Promise<Json & { key: string; token: string }> {
    const { status, body } = await post<Json & { key: string; token: string }>('/key/generate', params, auth);
    expect(status).toBe(200);
    return body;
  }

  it('should generate a key, answer it once in plaintext and store only its hash', async () => {
    const body = await generate({ key_alias: 'generated-1', models: ['demo'], metadata: { team: 'core' }, user_id: 'u-gen', model_rpm_limit: { demo: 5 }, tags: ['t1'] });
    expect(body.key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(body.token).toBe(sha256(body.key));
    expect(body.token).not.toBe(body.key);
    expect(body).toMatchObject({
      token_id: body.token,
      key_name: `sk-...${body.key.slice(-4)}`,
      key_alias: 'generated-1',
      models: ['demo'],
      user_id: 'u-gen',
      expires: expect.any(String),
      spend: 0,
      max_budget: 1000,
      tpm_limit: 100000,
      model_rpm_limit: { demo: 5 },
      tags: ['t1'],
      metadata: { team: 'core', model_rpm_limit: { demo: 5 }, tags: ['t1'] },
      blocked: false,
    });
    expect(Date.parse(body.created_at as string)).not.toBeNaN();
    expect(Date.parse(body.updated_at as string)).not.toBeNaN();
    // The upper bound on duration also applies to keys that ask for none.
    expect(Date.parse(body.expires as string) - Date.now()).toBeGreaterThan(364 * 86_400_000);

    const rows = (await db.query('SELECT * FROM tollgate_virtual_keys WHERE token = $1', [body.token])) as Json[];
    expect(rows).toHaveLength(1);
    const everything = JSON.stringify(await db.query('SELECT * FROM tollgate_virtual_keys'));
    expect(everything).not.toContain(body.key);

    const record = await keys.authenticate(body.key);
    expect(record).toMatchObject({ token: body.token, keyAlias: 'generated-1', modelRpmLimit: { demo: 5 }, tags: ['t1'], userId: 'u-gen' });
  });

  it('should accept a caller-chosen key and explicit nulls, and refuse one without sk-', async () => {
    const chosen = await generate({ key: 'sk-my-chosen-key-123', duration: null, max_budget: null, user_id: null, team_id: null, metadata: null });
    expect(chosen.key).toBe('sk-my-chosen-key-123');
    expect((await keys.authenticate('sk-my-chosen-key-123'))?.token).toBe(sha256('sk-my-chosen-key-123'));
    const bad = await post<ErrorBody>('/key/generate', { key: 'my-key-without-prefix' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: my-k****efix");
  });

  it('should describe a key by value or hash, and 404 for an unknown one', async () => {
    const { key, token } = await generate({ key_alias: 'info-me', max_budget: 3 });
    for (const query of [key, token]) {
      const info = await get<{ key: string; info: Json }>(`/key/info?key=${query}`);
      expect(info.status).toBe(200);
      expect(info.body.key).toBe(token);
      expect(info.body.info).toMatchObject({ key_alias: 'info-me', max_budget: 3, spend: 0 });
      expect(info.body.info).not.toHaveProperty('token');
      expect(JSON.stringify(info.body)).not.toContain(key);
    }
    const missing = await get<ErrorBody>(`/key/info?key=sk-${'x'.repeat(22)}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { message: 'Key not found in database', type: 'not_found_error', param: 'key', code: '404' } });

    const many = await post<{ key: string[]; info: Json[] }>('/v2/key/info', { keys: [key] });
    expect(many.status).toBe(200);
    expect(many.body.key).toEqual([token]);
    expect(many.body.info[0]).toMatchObject({ token, key_alias: 'info-me' });
  });

  it('should list keys by page with filters, as hashes or full objects', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await generate({ user_id: 'lister', key_alias: `list-${i}` })).token);
    const first = await get<{ keys: string[]; total_count: number; current_page: number; total_pages: number }>('/key/list?user_id=lister&size=2&page=1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total_count: 5, current_page: 1, total_pages: 3 });
    expect(first.body.keys).toEqual([made[4], made[3]]);
    const last = await get<{ keys: string[] }>('/key/list?user_id=lister&size=2&page=3');
    expect(last.body.keys).toEqual([made[0]]);
    const full = await get<{ keys: Json[] }>('/key/list?key_alias=list-2&return_full_object=true');
    expect(full.body.keys).toEqual([expect.objectContaining({ token: made[2], key_alias: 'list-2', user_id: 'lister' })]);
    const tooBig = await get<ErrorBody>('/key/list?size=101');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toBe('size must not be greater than 100');
  });

  it('should update only the given fields and apply a budget raise to the next lookup', async () => {
    const { key, token } = await generate({ max_budget: 1, metadata: { keep: 'me' }, key_alias: 'to-update' });
    await keys.authenticate(key);
    const updated = await post<Json>('/key/update', { key, max_budget: 5, metadata: {} });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ key: token, token, max_budget: 5, metadata: {}, key_alias: 'to-update' });
    expect((await keys.authenticate(key))?.maxBudget).toBe(5);
    const byAlias = await post<Json>('/key/update', { key_alias: 'to-update', rpm_limit: 7, duration: '1h' });
    expect(byAlias.body).toMatchObject({ rpm_limit: 7, max_budget: 5 });
    expect((await keys.authenticate(key))?.rpmLimit).toBe(7);
    expect((await keys.authenticate(key))?.expires?.getTime()).toBeLessThan(Date.now() + 3_601_000);
    const unknown = await post<ErrorBody>('/key/update', { key: 'sk-not-a-key', max_budget: 1 });
    expect(unknown.status).toBe(404);
  });

  it('should keep key aliases unique', async () => {
    await generate({ key_alias: 'unique-alias' });
    const duplicate = await post<ErrorBody>('/key/generate', { key_alias: 'unique-alias' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toMatchObject({
      message: "Key with alias 'unique-alias' already exists. Unique key aliases across all keys are required.",
      param: 'key_alias',
      code: '400',
    });
    const other = await generate({ key_alias: 'other-alias' });
    const rename = await post<ErrorBody>('/key/update', { key: other.key, key_alias: 'unique-alias' });
    expect(rename.status).toBe(400);
    const same = await post('/key/update', { key: other.key, key_alias: 'other-alias' });
    expect(same.status).toBe(200);
  });

  it('should delete keys by value or alias so they stop resolving at once', async () => {
    const first = await generate();
    await keys.authenticate(first.key);
    const deleted = await post<{ deleted_keys: string[] }>('/key/delete', { keys: [first.key] });
    expect(deleted).toEqual({ status: 200, body: { deleted_keys: [first.token] } });
    expect(await keys.authenticate(first.key)).toBeNull();
    expect((await post<ErrorBody>('/key/delete', { keys: [first.key] })).status).toBe(404);

    const second = await generate({ key_alias: 'delete-by-alias' });
    expect((await post('/key/delete', { key_aliases: ['delete-by-alias'] })).body).toEqual({ deleted_keys: ['delete-by-alias'] });
    expect(await keys.authenticate(second.key)).toBeNull();
    const empty = await post<ErrorBody>('/key/delete', {});
    expect(empty.status).toBe(400);
  });

  it('should regenerate without grace: new secret, same key and spend, old secret refused at once', async () => {
    const original = await generate({ key_alias: 'rotate-now', max_budget: 9 });
    const [{ key_id: originalId }] = (await db.query('SELECT key_id FROM tollgate_virtual_keys WHERE token = $1', [original.token])) as { key_id: string }[];
    await recordSettledCall(gateway.app, spendRow({ api_key: original.token, key_id: originalId, spend: 0.5 }));
    const rotated = await post<Json & { key: string; token: string }>(`/key/${original.key}/regenerate`, { max_budget: 10 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).not.toBe(original.key);
    expect(rotated.body).toMatchObject({ token: sha256(rotated.body.key), token_id: sha256(rotated.body.key), key_alias: 'rotate-now', max_budget: 10, spend: 0.5 });
    expect(await keys.authenticate(original.key)).toBeNull();
    expect(await keys.authenticate(rotated.body.key)).toMatchObject({ keyAlias: 'rotate-now', maxBudget: 10 });
    expect((await get<{ info: { spend: number } }>(`/key/info?key=${rotated.body.key}`)).body.info.spend).toBe(0.5);
    expect((await post<ErrorBody>('/key/regenerate', { key: original.key })).status).toBe(404);
    const bodiless = await fetch(`${gateway.url}/key/${rotated.body.key}/regenerate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(bodiless.status).toBe(200);
    const afterBodiless = (await bodiless.json()) as { key: string; token: string };
    expect(await keys.authenticate(rotated.body.key)).toBeNull();
    const byHash = await post<{ key: string }>('/key/regenerate', { key: afterBodiless.token });
    expect(byHash.status).toBe(200);
    expect(await keys.authenticate(byHash.body.key)).toMatchObject({ keyAlias: 'rotate-now' });
    expect((await get<{ info: { spend: number } }>(`/key/info?key=${byHash.body.key}`)).body.info.spend).toBe(0.5);
  });

  it('should regenerate with a grace period: the old secret resolves to the new record until revoke_at', async () => {
    const original = await generate({ key_alias: 'rotate-grace' });
    const rotated = await post<{ key: string; token: string }>('/key/regenerate', { key: original.key, grace_period: '24h' });
    expect(rotated.status).toBe(200);
    expect((await keys.authenticate(original.key))?.token).toBe(rotated.body.token);
    const [row] = (await db.query('SELECT active_token, revoke_at FROM tollgate_deprecated_virtual_keys WHERE token = $1', [original.token])) as {
      active_token: string;
      revoke_at: Date;
    }[];
    expect(row.active_token).toBe(rotated.body.token);
    expect(new Date(row.revoke_at).getTime() - Date.now()).toBeGreaterThan(23 * 3_600_000);

    const short = await generate();
    const next = await post<{ key: string; token: string }>('/key/regenerate', { key: short.key, grace_period: 1 });
    expect((await keys.authenticate(short.key))?.token).toBe(next.body.token);
    await sleep(1100);
    expect(await keys.authenticate(short.key)).toBeNull();
    expect(await keys.authenticate(next.body.key)).not.toBeNull();
  });

  it('should block and unblock a key', async () => {
    const { key, token } = await generate();
    const blocked = await post<Json>('/key/block', { key });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ token, blocked: true });
    expect((await keys.authenticate(key))?.blocked).toBe(true);
    expect((await post<Json>('/key/unblock', { key: token })).body).toMatchObject({ blocked: false });
    expect((await keys.authenticate(key))?.blocked).toBe(false);
    expect((await post<ErrorBody>('/key/block', { key: 'not-a-key' })).body.error.message).toBe('Invalid key format.');
  });

  it('should answer 400 in the OpenAI shape for a field no version of LiteLLM knows', async () => {
    const response = await post<ErrorBody>('/key/generate', { max_budget: 1, foo: 'bar' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { message: 'property foo should not exist', type: 'invalid_request_error', param: 'foo', code: '400' } });
    const wrongType = await post<ErrorBody>('/key/generate', { max_budget: 'lots' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('max_budget must be a number');
    const badDuration = await post<ErrorBody>('/key/generate', { duration: '30 days' });
    expect(badDuration.body.error.message).toBe("Invalid duration '30 days'. Use a number followed by s, m, h, d, w or mo, e.g. 30d.");
    const unsupported = await post<ErrorBody>('/key/generate', { auto_rotate: true });
    expect(unsupported.body.error.message).toBe('auto_rotate is not supported by this gateway yet.');
  });

  it('should refuse values over upperbound_key_generate_params with LiteLLM text', async () => {
    const budget = await post<ErrorBody>('/key/generate', { max_budget: 5000 });
    expect(budget.status).toBe(400);
    expect(budget.body.error.message).toBe('max_budget is over max limit set in config - user_value=5000.0; max_value=1000.0');
    const duration = await post<ErrorBody>('/key/generate', { duration: '400d' });
    expect(duration.body.error.message).toBe('duration is over max limit set in config - user_value=400d; max_value=365d');
  });

  it("should show recorded spend at once and persist it with the ledger's next batch", async () => {
    const { key, token } = await generate();
    const [{ key_id: keyId }] = (await db.query('SELECT key_id FROM tollgate_virtual_keys WHERE token = $1', [token])) as { key_id: string }[];
    for (const cost of [0.125, 0.125]) await recordSettledCall(gateway.app, spendRow({ api_key: token, key_id: keyId, spend: cost }));
    expect(await keys.authenticate(key)).not.toBeNull();
    expect((await get<{ info: { spend: number } }>(`/key/info?key=${token}`)).body.info.spend).toBe(0.25);
    let stored = 0;
    for (let attempt = 0; attempt < 20 && stored !== 0.25; attempt++) {
      await sleep(100);
      stored = ((await db.query('SELECT spend FROM tollgate_virtual_keys WHERE token = $1', [token])) as { spend: number }[])[0].spend;
    }
    expect(stored).toBe(0.25);
  });

  describe('called with a virtual key', () => {
    it('should refuse key management to a key that belongs to no user', async () => {
      const anonymous = await generate();
      const denied = await post<ErrorBody>('/key/generate', {}, anonymous.key);
      expect(denied.status).toBe(401);
      expect(denied.body.error).toMatchObject({
        message: 'Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/key/generate',
        type: 'auth_error',
      });
      const ownInfo = await get<{ key: string }>('/key/info', anonymous.key);
      expect(ownInfo.status).toBe(200);
      expect(ownInfo.body.key).toBe(anonymous.token);
    });

    it('should let a user key manage its own keys within its own limits', async () => {
      // Internal users exist in the user table; their keys carry the user's role.
      for (const user_id of ['alice', 'bob']) expect((await post('/user/new', { user_id, auto_create_key: false })).status).toBe(200);
      const alice = await generate({ user_id: 'alice', max_budget: 1, models: ['demo'], rpm_limit: 10 });
      const bob = await generate({ user_id: 'bob' });

      const tooMuch = await post<ErrorBody>('/key/generate', { max_budget: 2, models: ['demo'], rpm_limit: 5 }, alice.key);
      expect(tooMuch.status).toBe(403);
      expect(tooMuch.body.error.message).toBe("Cannot grant max_budget=2: your key's max_budget is 1. A key can only grant what it holds.");
      const otherModel = await post<ErrorBody>('/key/generate', { max_budget: 1, models: ['other'], rpm_limit: 5 }, alice.key);
      expect(otherModel.status).toBe(403);

      const child = await generate({ max_budget: 0.5, models: ['demo'], rpm_limit: 5 }, alice.key);
      expect(child.user_id).toBe('alice');
      // The configured duration cap would outlive alice's own key by a few milliseconds: it ends with hers.
      expect(child.expires).toBe(alice.expires);
      expect((await post('/key/update', { key: child.key, rpm_limit: 6 }, alice.key)).status).toBe(200);
      expect((await post<ErrorBody>('/key/update', { key: child.key, rpm_limit: 60 }, alice.key)).status).toBe(403);
      expect((await post<ErrorBody>('/key/update', { key: bob.key, rpm_limit: 1 }, alice.key)).status).toBe(403);

      const foreign = await get<ErrorBody>(`/key/info?key=${bob.token}`, alice.key);
      expect(foreign.status).toBe(403);
      expect(foreign.body.error.message).toBe("user not allowed to access this key's info");
      expect((await get(`/key/info?key=${child.token}`, alice.key)).status).toBe(200);

      const listed = await get<{ keys: string[] }>('/key/list', alice.key);
      expect(listed.body.keys.sort()).toEqual([alice.token, child.token].sort());
      expect((await get<ErrorBody>('/key/list?user_id=bob', alice.key)).status).toBe(403);

      expect((await post<ErrorBody>('/key/delete', { keys: [bob.key] }, alice.key)).status).toBe(403);
      expect(await keys.authenticate(bob.key)).not.toBeNull();
      expect((await post('/key/delete', { keys: [child.key] }, alice.key)).status).toBe(200);
    });
  });

  it('should document the routes under the Keys tag and declare their access class', async () => {
    const spec = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    expect(spec.paths['/key/generate'].post.tags).toEqual(['Keys']);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/key/info', '/key/list', '/key/{key}/regenerate', '/v2/key/info', '/key/unblock']));
    const { routes } = (await (await fetch(`${gateway.url}/routes`)).json()) as { routes: { path: string; routeClass: string; groups: string[] }[] };
    expect(routes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/key/generate', routeClass: 'management', groups: ['management_routes', 'internal_user_routes'] }),
        expect.objectContaining({ path: '/key/info', routeClass: 'management', groups: expect.arrayContaining(['info_routes']) }),
      ]),
    );
  });
});
