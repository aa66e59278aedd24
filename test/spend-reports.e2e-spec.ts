import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { DataSource } from 'typeorm';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-spend-reports-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
`;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

type SpendLog = Json & { request_id: string; api_key: string; spend: number; request_tags: string[]; metadata: Json; startTime: string; user: string | null };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const TODAY = new Date().toISOString().slice(0, 10);

describe('Spend reports and export (e2e)', () => {
  let gateway: TestGateway;
  let db: DataSource;
  const { get, post } = apiClient(() => gateway.url, MASTER_KEY);
  const keys: { alice: string; plain: string; spendReader: string } = { alice: '', plain: '', spendReader: '' };
  const calls: { alice: string[]; plain: string[]; master: string[] } = { alice: [], plain: [], master: [] };

  /** Makes a chat call and waits until the ledger has written its row. */
  async function chat(key: string, tags: string[], user?: string): Promise<string> {
    const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const body = {
      model: 'demo',
      messages: [{ role: 'user' as const, content: 'hello spend' }],
      ...(user ? { user } : {}),
      metadata: { tags, spend_logs_metadata: { hello: 'world' } },
    };
    const response = await client.chat.completions.create(body as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = await get<SpendLog[]>(`/spend/logs?request_id=${encodeURIComponent(response.id)}`);
      if (found.status === 200 && found.body.length === 1) return response.id;
      if (Date.now() > deadline) throw new Error(`spend row of ${response.id} not written within 10 s (last status ${found.status})`);
      await sleep(100);
    }
  }

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    db = gateway.app.get(DataSource);
    expect((await post('/user/new', { user_id: 'alice', user_role: 'internal_user', auto_create_key: false })).status).toBe(200);
    keys.alice = (await post<{ key: string }>('/key/generate', { user_id: 'alice', key_alias: 'alice-key' })).body.key;
    keys.plain = (await post<{ key: string }>('/key/generate', {})).body.key;
    keys.spendReader = (await post<{ key: string }>('/key/generate', { permissions: { get_spend_routes: true } })).body.key;
    calls.alice.push(await chat(keys.alice, ['prod', 'app-a'], 'cust-1'), await chat(keys.alice, ['prod'], 'cust-2'));
    calls.plain.push(await chat(keys.plain, ['dev']));
    calls.master.push(await chat(MASTER_KEY, ['prod'], 'cust-1'));
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  describe('GET /spend/logs', () => {
    it("should return the call's row with LiteLLM's fields and the request's spend_logs_metadata", async () => {
      const { status, body } = await get<SpendLog[]>(`/spend/logs?request_id=${calls.alice[0]}`);
      expect(status).toBe(200);
      expect(body).toHaveLength(1);
      expect(body[0]).toMatchObject({
        request_id: calls.alice[0],
        call_type: 'acompletion',
        api_key: sha256(keys.alice),
        model_group: 'demo',
        user: 'alice',
        end_user: 'cust-1',
        request_tags: expect.arrayContaining(['prod', 'app-a']),
        cache_hit: 'False',
        status: 'success',
        metadata: expect.objectContaining({ user_api_key: sha256(keys.alice), user_api_key_alias: 'alice-key', spend_logs_metadata: { hello: 'world' } }),
      });
      expect(body[0].spend).toBeGreaterThan(0);
      expect(new Date(body[0].startTime).toISOString()).toBe(body[0].startTime);
    });

    it('should list the rows of a key (plaintext or hash) and of a user, newest first', async () => {
      const byPlaintext = await get<SpendLog[]>(`/spend/logs?api_key=${keys.alice}`);
      expect(byPlaintext.body.map((row) => row.request_id)).toEqual([...calls.alice].reverse());
      const byHash = await get<SpendLog[]>(`/spend/logs?api_key=${sha256(keys.alice)}`);
      expect(byHash.body).toEqual(byPlaintext.body);
      const byUser = await get<SpendLog[]>('/spend/logs?user_id=alice&limit=1');
      expect(byUser.body.map((row) => row.request_id)).toEqual([calls.alice[1]]);
    });

    it('should total the days of a date range per user, model and key', async () => {
      const { status, body } = await get<Json[]>(`/spend/logs?start_date=${TODAY}&end_date=${TODAY}`);
      expect(status).toBe(200);
      expect(body).toHaveLength(1);
      const all = await get<SpendLog[]>('/spend/logs');
      const total = all.body.reduce((sum, row) => sum + row.spend, 0);
      expect(body[0].startTime).toBe(TODAY);
      expect(body[0].spend).toBeCloseTo(total, 12);
      expect(body[0][sha256(keys.alice)]).toBeCloseTo(
        all.body.filter((row) => row.user === 'alice').reduce((sum, row) => sum + row.spend, 0),
        12,
      );
      expect(Object.keys(body[0].models as Json)).toEqual(['demo']);
    });

    it('should answer a malformed date with a 400 in the OpenAI error shape', async () => {
      const { status, body } = await get<ErrorBody>('/spend/logs?start_date=2024-02-30&end_date=2024-03-01');
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', param: 'start_date' });
      expect(body.error.message).toContain('YYYY-MM-DD');
    });

    it('should show a key without admin rights only its own calls, an internal user their keys, a spend reader all', async () => {
      const own = await get<SpendLog[]>('/spend/logs', keys.plain);
      expect(own.status).toBe(200);
      expect(own.body.map((row) => row.request_id)).toEqual(calls.plain);
      expect((await get<SpendLog[]>(`/spend/logs?request_id=${calls.alice[0]}`, keys.plain)).body).toEqual([]);
      const alice = await get<SpendLog[]>('/spend/logs', keys.alice);
      expect(alice.body.map((row) => row.request_id).sort()).toEqual([...calls.alice].sort());
      const reader = await get<SpendLog[]>('/spend/logs', keys.spendReader);
      expect(reader.body).toHaveLength(4);
    });
  });

  describe('GET /spend/tags', () => {
    it('should report spend per tag, all time and for a date range, highest first', async () => {
      const allTime = await get<{ individual_request_tag: string; log_count: number; total_spend: number }[]>('/spend/tags');
      expect(allTime.status).toBe(200);
      const prod = allTime.body.find((tag) => tag.individual_request_tag === 'prod');
      expect(prod?.log_count).toBe(3);
      const spends = allTime.body.map((tag) => tag.total_spend);
      expect([...spends].sort((a, b) => b - a)).toEqual(spends);
      const ranged = await get<typeof allTime.body>(`/spend/tags?start_date=${TODAY}&end_date=${TODAY}`);
      expect(ranged.body.find((tag) => tag.individual_request_tag === 'prod')).toEqual(prod);
    });

    it("should count only a non-admin key's own tags", async () => {
      const own = await get<{ individual_request_tag: string }[]>('/spend/tags', keys.plain);
      expect(own.body.map((tag) => tag.individual_request_tag)).toEqual(['dev']);
    });
  });

  describe('POST /spend/calculate', () => {
    it("should price a prompt at the proxy's custom price and a completion from its usage", async () => {
      const prompt = await post<{ cost: number }>('/spend/calculate', { model: 'demo', messages: [{ role: 'user', content: 'hello' }] });
      expect(prompt.status).toBe(200);
      expect(prompt.body.cost).toBeGreaterThan(0);
      expect((prompt.body.cost / 0.001) % 1).toBeCloseTo(0, 6);
      const completion = await post<{ cost: number }>('/spend/calculate', { completion_response: { model: 'demo', usage: { prompt_tokens: 9, completion_tokens: 12 } } });
      expect(completion.body.cost).toBeCloseTo(9 * 0.001 + 12 * 0.002, 12);
    });

    it("should refuse a body with neither model nor completion_response (LiteLLM's text)", async () => {
      const { status, body } = await post<ErrorBody>('/spend/calculate', {});
      expect(status).toBe(400);
      expect(body.error.message).toBe("Bad Request - Either 'model' or 'completion_response' must be provided");
    });
  });

  describe('GET /global/spend/report', () => {
    it('should group by team by default, "Unassigned Team" for calls without one', async () => {
      const { status, body } = await get<{ group_by_day: string; teams: { team_name: string; total_spend: number; metadata: Json[] }[] }[]>(
        `/global/spend/report?start_date=${TODAY}&end_date=${TODAY}`,
      );
      expect(status).toBe(200);
      expect(body).toHaveLength(1);
      expect(body[0].group_by_day).toBe(`${TODAY}T00:00:00.000Z`);
      expect(body[0].teams.map((team) => team.team_name)).toEqual(['Unassigned Team']);
      expect(body[0].teams[0].metadata).toContainEqual(expect.objectContaining({ model: 'demo', api_key: sha256(keys.alice) }));
    });

    it('should group by customer and by key', async () => {
      const customers = await get<{ customers: { customer: string | null }[] }[]>(`/global/spend/report?start_date=${TODAY}&end_date=${TODAY}&group_by=customer`);
      expect(customers.body[0].customers.map((entry) => entry.customer)).toEqual(['cust-1', 'cust-2', null]);
      const byKey = await get<{ api_key: string; total_cost: number; model_details: Json[] }[]>(`/global/spend/report?start_date=${TODAY}&end_date=${TODAY}&api_key=${keys.alice}`);
      expect(byKey.body).toEqual([expect.objectContaining({ api_key: sha256(keys.alice), model_details: [expect.objectContaining({ model: 'demo' })] })]);
    });

    it('should require the dates and be admin only', async () => {
      const missing = await get<ErrorBody>('/global/spend/report');
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toBe('Please provide start_date and end_date');
      expect((await get(`/global/spend/report?start_date=${TODAY}&end_date=${TODAY}`, keys.alice)).status).toBe(401);
    });
  });

  describe('GET /global/spend/*', () => {
    it('should list top keys, models, teams, tags and end users', async () => {
      const topKeys = await get<{ api_key: string; key_alias: string | null; total_spend: number }[]>('/global/spend/keys?limit=10');
      expect(topKeys.status).toBe(200);
      expect(topKeys.body).toContainEqual(expect.objectContaining({ api_key: sha256(keys.alice), key_alias: 'alice-key' }));
      expect((await get<Json[]>('/global/spend/keys?limit=1')).body).toHaveLength(1);
      const models = await get<{ model: string; total_spend: number }[]>('/global/spend/models');
      expect(models.body.map((entry) => entry.model)).toEqual(['demo']);
      const teams = await get<{ teams: string[]; daily_spend: Json[] }>('/global/spend/teams');
      expect(teams.body.teams).toEqual(['Unassigned']);
      const tags = await get<{ spend_per_tag: { name: string; log_count: number }[] }>(`/global/spend/tags?start_date=${TODAY}&end_date=${TODAY}&tags=prod,dev`);
      expect(tags.body.spend_per_tag.map((tag) => [tag.name, tag.log_count]).sort()).toEqual([
        ['dev', 1],
        ['prod', 3],
      ]);
      const endUsers = await post<{ end_user: string | null; total_count: number }[]>('/global/spend/end_users', { api_key: keys.alice });
      expect(endUsers.body.map((entry) => [entry.end_user, entry.total_count]).sort()).toEqual([
        ['cust-1', 1],
        ['cust-2', 1],
      ]);
      expect((await get<Json[]>(`/global/spend/end_users?startTime=${TODAY}`)).body.length).toBe(3);
    });

    it('should refuse non-admin keys', async () => {
      for (const path of ['/global/spend/keys', '/global/spend/models', '/global/spend/teams']) {
        const { status, body } = await get<ErrorBody>(path, keys.plain);
        expect(status).toBe(401);
        expect(body.error.type).toBe('auth_error');
      }
    });
  });

  describe('GET /spend/keys and /spend/users', () => {
    it('should list keys and users with their spend; a non-admin only its own', async () => {
      const all = await get<{ token: string; spend: number }[]>('/spend/keys');
      expect(all.body.map((key) => key.token)).toEqual(expect.arrayContaining([sha256(keys.alice), sha256(keys.plain)]));
      expect(JSON.stringify(all.body)).not.toContain(keys.alice);
      const own = await get<{ token: string }[]>('/spend/keys', keys.plain);
      expect(own.body.map((key) => key.token)).toEqual([sha256(keys.plain)]);
      const alice = await get<{ user_id: string }[]>('/spend/users?user_id=alice');
      expect(alice.body.map((user) => user.user_id)).toEqual(['alice']);
    });
  });

  describe('GET /spend/logs/export', () => {
    const BULK = 2500;

    beforeAll(async () => {
      // Volume straight into the ledger's table: the export reads it in keyset batches of 1000.
      await db.query(
        `INSERT INTO tollgate_spend_logs (request_id, call_type, api_key, spend, total_tokens, start_time, end_time, model, request_tags, status, metadata)
         SELECT 'bulk-' || lpad(i::text, 5, '0'), 'acompletion', $1, 0.001, 3, timestamptz '2024-06-01T00:00:00Z' + i * interval '1 second',
                timestamptz '2024-06-01T00:00:00Z' + i * interval '1 second', 'demo', ARRAY['bulk'], 'success', jsonb_build_object('note', 'a, "b"' || chr(10) || 'c')
         FROM generate_series(1, $2::int) AS i`,
        [sha256('sk-bulk'), BULK],
      );
    });

    it('should stream NDJSON with download headers', async () => {
      const response = await fetch(`${gateway.url}/spend/logs/export?format=ndjson&start_date=2024-06-01&end_date=2024-06-30`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="spend-logs-2024-06-01-to-2024-06-30.ndjson"');
      const lines = (await response.text()).trim().split('\n');
      expect(lines).toHaveLength(BULK);
      expect(JSON.parse(lines[0])).toMatchObject({ request_id: 'bulk-00001', metadata: { note: 'a, "b"\nc' } });
      expect(JSON.parse(lines[BULK - 1])).toMatchObject({ request_id: `bulk-${String(BULK).padStart(5, '0')}` });
    });

    it('should stream CSV with a header row and quoted fields', async () => {
      const response = await fetch(`${gateway.url}/spend/logs/export?format=csv&api_key=${keys.alice}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const text = await response.text();
      const lines = text.split('\r\n');
      expect(lines[0].startsWith('request_id,call_type,api_key,spend,')).toBe(true);
      expect(lines.filter((line) => line.startsWith('chatcmpl') || calls.alice.some((id) => line.startsWith(id)))).toHaveLength(2);
    });

    it('should refuse a bad format and non-admins', async () => {
      const bad = await get<ErrorBody>('/spend/logs/export?format=xlsx');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', param: 'format' });
      expect((await get('/spend/logs/export?format=csv', keys.alice)).status).toBe(401);
    });
  });
});
