import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { apiClient, type Json } from './support/api-client';
import { sendRaw } from './support/fuzz-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { leaksIn, nestedJson } from './support/hostile-input';

/**
 * The hostile-input probe's findings, one test each, as the probe sent them: a restricted key taking over a wider
 * key of its user, denied attempts that left no audit row, bad input answered 500, and 404s echoing the URL.
 */
const MASTER_KEY = 'sk-hostile-master-41d7';
const config = (extraGeneral = ''): string => `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
${extraGeneral}
litellm_settings:
  store_audit_logs: true
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('Hostile input: the probe’s repros stay closed (e2e)', () => {
  let gateway: TestGateway;
  const { post, get } = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    gateway = await startGateway(config());
    expect((await post('/user/new', { user_id: 'alice', auto_create_key: false })).status).toBe(200);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  describe('a restricted key and a wider key of the same user', () => {
    let restricted: string;
    let wide: { key: string; token: string };

    beforeEach(async () => {
      wide = (await post<{ key: string; token: string }>('/key/generate', { user_id: 'alice' })).body;
      restricted = (await post<{ key: string }>('/key/generate', { user_id: 'alice', models: ['demo'], max_budget: 0.0001, rpm_limit: 1, duration: '1h' })).body.key;
    });

    it.each([
      ['/key/regenerate', (token: string) => ['/key/regenerate', { key: token }]],
      ['/key/{key}/regenerate', (token: string) => [`/key/${token}/regenerate`, {}]],
      ['/key/block', (token: string) => ['/key/block', { key: token }]],
      ['/key/delete', (token: string) => ['/key/delete', { keys: [token] }]],
      ['/key/update', (token: string) => ['/key/update', { key: token, key_alias: 'taken-over' }]],
    ] as [string, (token: string) => [string, Json]][])('should refuse %s on the wider key with a 403 naming what it exceeds', async (_route, request) => {
      const [path, body] = request(wide.token);
      const refused = await post<ErrorBody>(path, body, restricted);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ type: 'auth_error', code: '403', param: 'max_budget' });
      expect(refused.body.error.message).toMatch(
        /^You are not authorized to \w+ a key that grants more than your own\. Cannot grant max_budget=unlimited: your key's max_budget is 0\.0001\./,
      );
      expect(JSON.stringify(refused.body)).not.toContain('sk-');
      // The wider key still works with its own secret, unchanged and unblocked.
      const info = await get<{ info: Json }>('/key/info', wide.key);
      expect(info.status).toBe(200);
      expect(info.body.info).toMatchObject({ blocked: false, key_alias: null, models: [], max_budget: null });
    });

    it('should refuse /key/unblock of a blocked wider key', async () => {
      expect((await post('/key/block', { key: wide.token })).status).toBe(200);
      expect((await post<ErrorBody>('/key/unblock', { key: wide.token }, restricted)).status).toBe(403);
    });

    it('should still let the restricted key rotate itself and act on a narrower key it made', async () => {
      const child = (await post<{ key: string; token: string }>('/key/generate', { models: ['demo'], max_budget: 0.00005, rpm_limit: 1 }, restricted)).body;
      expect((await post('/key/block', { key: child.token }, restricted)).status).toBe(200);
      expect((await post('/key/regenerate', { key: child.token }, restricted)).status).toBe(200);
      const rotated = await post<{ key: string }>('/key/regenerate', { key: sha256(restricted) }, restricted);
      expect(rotated.status).toBe(200);
      expect((await get('/key/info', rotated.body.key)).status).toBe(200);
    });
  });

  describe('denied attempts leave their audit row', () => {
    const deniedRowsFor = async (objectId: string): Promise<Json[]> => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const rows = (await get<{ audit_logs: Json[] }>(`/audit?action=denied&object_id=${encodeURIComponent(objectId)}`)).body.audit_logs;
        if (rows.length) return rows;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return [];
    };

    it('should record a refused /user/delete whose id holds a NUL, the NUL escaped', async () => {
      const restricted = (await post<{ key: string }>('/key/generate', { user_id: 'alice' })).body.key;
      const refused = await sendRaw(gateway.url, 'POST', '/user/delete', restricted, '{"user_ids":["bob\\u0000"]}');
      expect(refused.status).toBe(401);
      const [row] = await deniedRowsFor('bob\\u0000');
      expect(row).toMatchObject({ action: 'denied', table_name: 'LiteLLM_UserTable', object_id: 'bob\\u0000', changed_by: 'alice' });
      expect(row.updated_values).toEqual({ status: 401, request_body: { user_ids: ['bob\\u0000'] } });
      expect((await get<{ valid: boolean }>('/audit/verify')).body.valid).toBe(true);
    });

    it('should refuse a body nested 6,000 deep before anything else with a 400 naming the field', async () => {
      const restricted = (await post<{ key: string }>('/key/generate', { user_id: 'alice' })).body.key;
      const refused = await sendRaw(gateway.url, 'POST', '/user/delete', restricted, `{"user_ids":["deep-1"],"metadata":${nestedJson(6_000, 'array')}}`);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toEqual({
        error: {
          message: "Request body is nested too deeply: at most 64 levels of arrays and objects are accepted (in 'metadata').",
          type: 'invalid_request_error',
          param: 'metadata',
          code: '400',
        },
      });
    });

    it('should record a refused attempt nested 6,000 deep where the depth bound allows it, truncated', async () => {
      const permissive = await startGateway(config('  max_json_depth: 10000'));
      try {
        const client = apiClient(() => permissive.url, MASTER_KEY);
        expect((await client.post('/user/new', { user_id: 'alice', auto_create_key: false })).status).toBe(200);
        const restricted = (await client.post<{ key: string }>('/key/generate', { user_id: 'alice' })).body.key;
        const refused = await sendRaw(permissive.url, 'POST', '/user/delete', restricted, `{"user_ids":["deep-2"],"metadata":${nestedJson(6_000, 'object')}}`);
        expect(refused.status).toBe(401);
        let rows: Json[] = [];
        for (let attempt = 0; attempt < 50 && !rows.length; attempt++) {
          rows = (await client.get<{ audit_logs: Json[] }>('/audit?action=denied&object_id=deep-2')).body.audit_logs;
          if (!rows.length) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(rows).toHaveLength(1);
        const stored = JSON.stringify(rows[0].updated_values);
        expect(stored).toContain('[truncated: nested deeper than 16 levels]');
        expect(stored.length).toBeLessThan(1_000);
      } finally {
        await permissive.close();
        discardStorage(permissive.storage);
      }
    });
  });

  describe('bad input is a 400 naming the field, never a 500', () => {
    it.each([
      ['/key/list?key_alias=%00', 'key_alias'],
      ['/spend/logs?user_id=%00', 'user_id'],
      ['/spend/logs?api_key=%00', 'api_key'],
      ['/team/info?team_id=%00', 'team_id'],
      ['/user/info?user_id=%00', 'user_id'],
      ['/audit?object_id=%00', 'object_id'],
      ['/budget/info?budget_id=%00', 'budget_id'],
      ['/customer/info?end_user_id=%00', 'end_user_id'],
      ['/organization/info?organization_id=%00', 'organization_id'],
      ['/key/list?page=99999999999999999999999', 'page'],
      ['/user/list?page=99999999999999999999999', 'page'],
      ['/spend/logs?page=99999999999999999999999', 'page'],
      ['/audit?page=99999999999999999999999', 'page'],
    ])('GET %s', async (path, param) => {
      const answer = await sendRaw(gateway.url, 'GET', path, MASTER_KEY);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { type: 'invalid_request_error', param, code: '400' } });
    });

    it.each([
      ['/team/block, NUL in team_id', '/team/block', '{"team_id":"x\\u0000"}', 'team_id'],
      ['/budget/delete, NUL in id', '/budget/delete', '{"id":"x\\u0000"}', 'id'],
      ['/model/update, NUL in model_id', '/model/update', '{"model_id":"x\\u0000"}', 'model_id'],
      ['/user/delete, NUL in user_ids', '/user/delete', '{"user_ids":["bob\\u0000"]}', 'user_ids[0]'],
      ['/customer/new, NUL in user_id', '/customer/new', '{"user_id":"c\\u0000"}', 'user_id'],
      ['/key/generate, NUL in a metadata key', '/key/generate', '{"metadata":{"a\\u0000":"x"}}', 'metadata.a\\u0000'],
      ['/key/generate, rpm_limit 1e20', '/key/generate', '{"rpm_limit":1e20}', 'rpm_limit'],
      ['/key/generate, tpm_limit 1e308', '/key/generate', '{"tpm_limit":1e308}', 'tpm_limit'],
      ['/key/generate, max_parallel_requests past INTEGER', '/key/generate', '{"max_parallel_requests":3000000000}', 'max_parallel_requests'],
      ['/team/new, rpm_limit 1e20', '/team/new', '{"rpm_limit":1e20}', 'rpm_limit'],
      ['/team/new, tpm_limit 1e308', '/team/new', '{"tpm_limit":1e308}', 'tpm_limit'],
      ['/organization/new, rpm_limit 1e308', '/organization/new', '{"rpm_limit":1e308}', 'rpm_limit'],
      ['/organization/new, tpm_limit 1e20', '/organization/new', '{"tpm_limit":1e20}', 'tpm_limit'],
      ['/model/new, model_name {"constructor":1}', '/model/new', '{"model_name":{"constructor":1}}', 'model_name'],
      ['/key/generate, nested 5,000 deep', '/key/generate', `{"metadata":${nestedJson(5_000, 'object')}}`, 'metadata'],
      ['/v1/chat/completions, nested 5,000 deep', '/v1/chat/completions', `{"model":"demo","messages":${nestedJson(5_000, 'array')}}`, 'messages'],
      ['/v1/chat/completions, NUL in user', '/v1/chat/completions', '{"model":"demo","user":"eu\\u0000","messages":[{"role":"user","content":"hi"}]}', 'user'],
      [
        '/v1/chat/completions, NUL in a metadata tag',
        '/v1/chat/completions',
        '{"model":"demo","metadata":{"tags":["t\\u0000"]},"messages":[{"role":"user","content":"hi"}]}',
        'metadata.tags[0]',
      ],
    ])('POST %s', async (_label, path, body, param) => {
      const answer = await sendRaw(gateway.url, 'POST', path, MASTER_KEY, body);
      expect({ status: answer.status, body: JSON.parse(answer.text) }).toMatchObject({ status: 400, body: { error: { param, code: '400' } } });
      expect(leaksIn(answer.text, body)).toEqual([]);
    });

    it('should still pass a NUL inside LLM message content to the provider', async () => {
      const answer = await sendRaw(gateway.url, 'POST', '/v1/chat/completions', MASTER_KEY, '{"model":"demo","messages":[{"role":"user","content":"binary\\u0000text"}]}');
      expect(answer.status).toBe(200);
    });

    it('should keep the spend ledger flowing: later calls are still written', async () => {
      const dataSource = gateway.app.get(DataSource);
      const answer = await sendRaw(
        gateway.url,
        'POST',
        '/v1/chat/completions',
        MASTER_KEY,
        '{"model":"demo","metadata":{"tags":["after-nul"]},"messages":[{"role":"user","content":"hi"}]}',
      );
      expect(answer.status).toBe(200);
      let rows: { count: string }[] = [];
      for (let attempt = 0; attempt < 100; attempt++) {
        rows = await dataSource.query(`SELECT count(*) AS count FROM "tollgate_spend_logs" WHERE 'after-nul' = ANY("request_tags")`);
        if (rows[0].count !== '0') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(rows[0].count).toBe('1');
    });
  });

  describe('404 bodies', () => {
    it('should echo the path only, never the query string or a key in the path', async () => {
      const withQuery = await sendRaw(gateway.url, 'GET', '/v1/chat/completions?key=sk-abcdef1234567890', MASTER_KEY);
      expect(withQuery.status).toBe(404);
      expect(JSON.parse(withQuery.text)).toEqual({ error: { message: 'Cannot GET /v1/chat/completions', type: 'not_found_error', param: null, code: '404' } });
      const keyInPath = await sendRaw(gateway.url, 'GET', '/nonexistent/sk-abcdefghijklmnop1234', MASTER_KEY);
      expect(JSON.parse(keyInPath.text).error.message).toBe('Cannot GET /nonexistent/<redacted>');
      expect(keyInPath.text).not.toContain('sk-');
    });
  });
});
