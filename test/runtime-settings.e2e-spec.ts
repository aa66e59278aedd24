import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RuntimeSettingsService } from '../src/settings/runtime-settings.service';
import { startBuiltGateway, type BuiltGateway } from './support/built-gateway';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-settings-master-0000000000001234';
/** With DATABASE_URL (a PostgreSQL server) two instances share one database and hear of changes on the bus. */
const serverUrl = process.env.DATABASE_URL;

function config(base: string, router = 'num_retries: 0\n  allowed_fails: 100\n  cooldown_time: 1'): string {
  const upstream = (model: string, extra = ''): string => `{ model: openai/${model}, api_base: ${base}, api_key: sk-upstream-secret${extra} }`;
  return `
general_settings:
  master_key: ${MASTER_KEY}
litellm_settings:
  store_audit_logs: true
model_list:
  - { model_name: primary, litellm_params: ${upstream('500')}, model_info: { id: primary-1 } }
  - { model_name: backup, litellm_params: ${upstream('gpt-4o-mini')}, model_info: { id: backup-1 } }
  - { model_name: duo, litellm_params: ${upstream('gpt-4o-mini', ', rpm: 100000, input_cost_per_token: 0.001, output_cost_per_token: 0.001')}, model_info: { id: pricey } }
  - { model_name: duo, litellm_params: ${upstream('gpt-4o-mini', ', rpm: 1, input_cost_per_token: 0.000001, output_cost_per_token: 0.000001')}, model_info: { id: cheap } }
router_settings:
  ${router}
`;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(base: string, method: 'GET' | 'POST', path: string, body?: unknown, key = MASTER_KEY): Promise<Reply> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const chat = (base: string, model: string): Promise<Reply> => call(base, 'POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'route me' }] });

function currentValues(reply: Reply): Record<string, unknown> {
  return reply.body.current_values as Record<string, unknown>;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Runtime settings (e2e): /config/update and friends over config.yaml, applied on every instance, SIGHUP', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let url: string;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
    gateway = await startGateway(config(mock.baseUrl));
    url = gateway.url;
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should apply num_retries and fallbacks from /config/update to the next call, and show them in /router/settings', async () => {
    const before = await chat(url, 'primary');
    expect(before.status).toBe(500);
    expect(before.headers.get('x-litellm-attempted-retries')).toBe('0');
    expect(before.headers.get('x-litellm-attempted-fallbacks')).toBe('0');

    const update = await call(url, 'POST', '/config/update', { router_settings: { num_retries: 1, fallbacks: [{ primary: ['backup'] }] } });
    expect(update.status).toBe(200);
    expect(update.body).toMatchObject({ message: 'Config updated successfully', updated_sections: ['router_settings'], requires_restart: false });

    await mock.reset();
    const after = await chat(url, 'primary');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-litellm-attempted-retries')).toBe('1');
    expect(after.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
    expect(after.headers.get('x-litellm-model-id')).toBe('backup-1');
    // Two attempts on the failing group (the retry), then the fallback group.
    expect((await mock.requests()).map((request) => request.body?.model)).toEqual(['500', '500', 'gpt-4o-mini']);

    const settings = await call(url, 'GET', '/router/settings');
    expect(settings.status).toBe(200);
    expect(currentValues(settings)).toMatchObject({ num_retries: 1, fallbacks: [{ primary: ['backup'] }], cooldown_time: 1, routing_strategy: 'simple-shuffle' });
    const fields = settings.body.fields as { field_name: string; field_value: unknown; field_default_value: unknown; options?: string[] }[];
    expect(fields.map((field) => field.field_name)).toEqual([
      'routing_strategy',
      'num_retries',
      'retry_policy',
      'model_group_retry_policy',
      'allowed_fails',
      'allowed_fails_policy',
      'cooldown_time',
      'timeout',
      'stream_timeout',
      'fallbacks',
      'context_window_fallbacks',
      'content_policy_fallbacks',
      'default_fallbacks',
      'max_fallbacks',
      'default_max_parallel_requests',
      'enable_pre_call_checks',
      'enable_tag_filtering',
    ]);
    expect(fields[0].options).toContain('cost-based-routing');
    expect(Object.keys(settings.body.routing_strategy_descriptions as object)).toContain('latency-based-routing');
  });

  it('should switch the routing strategy for the next calls', async () => {
    const picks = async (): Promise<string[]> => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await chat(url, 'duo')).headers.get('x-litellm-model-id') ?? '');
      return ids;
    };
    // simple-shuffle weights by rpm: the 100000-rpm deployment takes (nearly) everything.
    expect((await picks()).filter((id) => id === 'pricey').length).toBeGreaterThanOrEqual(10);
    expect((await call(url, 'POST', '/config/update', { router_settings: { routing_strategy: 'cost-based-routing' } })).status).toBe(200);
    expect(new Set(await picks())).toEqual(new Set(['cheap']));
    expect((await call(url, 'POST', '/config/update', { router_settings: { routing_strategy: null } })).status).toBe(200);
    expect(currentValues(await call(url, 'GET', '/router/settings')).routing_strategy).toBe('simple-shuffle');
  });

  it('should round-trip one field through /config/field/update, /config/field/info and /config/field/delete', async () => {
    const info = (): Promise<Reply> => call(url, 'GET', '/config/field/info?field_name=cooldown_time&config_type=router_settings');
    expect((await info()).body).toMatchObject({ field_name: 'cooldown_time', field_value: 1, stored_in_db: false, config_type: 'router_settings', applied_at_runtime: true });
    const updated = await call(url, 'POST', '/config/field/update', { field_name: 'cooldown_time', field_value: 42, config_type: 'router_settings' });
    expect(updated.status).toBe(200);
    expect((await info()).body).toMatchObject({ field_value: 42, stored_in_db: true });
    expect(currentValues(await call(url, 'GET', '/router/settings')).cooldown_time).toBe(42);
    const list = await call(url, 'GET', '/config/list?config_type=router_settings');
    expect(list.status).toBe(200);
    expect(list.body).toEqual(expect.arrayContaining([expect.objectContaining({ field_name: 'cooldown_time', field_value: 42, stored_in_db: true, field_type: 'Float' })]));

    const deleted = await call(url, 'POST', '/config/field/delete', { field_name: 'cooldown_time', config_type: 'router_settings' });
    expect(deleted.status).toBe(200);
    // The file's value serves again.
    expect((await info()).body).toMatchObject({ field_value: 1, stored_in_db: false });
  });

  it('should refuse a bad value with a 400 naming the field, and store nothing', async () => {
    const before = await call(url, 'GET', '/router/settings');
    for (const [body, param] of [
      [{ router_settings: { num_retries: -1 } }, 'router_settings.num_retries'],
      [{ router_settings: { routing_strategy: 'fastest', cooldown_time: 3 } }, 'router_settings.routing_strategy'],
      [{ litellm_settings: { request_timeout: 'soon' } }, 'litellm_settings.request_timeout'],
      [{ router_settings: { fallbacks: { primary: 'backup' } } }, 'router_settings.fallbacks'],
    ] as const) {
      const refused = await call(url, 'POST', '/config/update', body);
      expect(refused.status).toBe(400);
      const error = refused.body.error as { message: string; type: string; param: string; code: string };
      expect(error).toMatchObject({ type: 'invalid_request_error', param, code: '400' });
      expect(error.message).toContain(param);
    }
    const field = await call(url, 'POST', '/config/field/update', { field_name: 'max_fallbacks', field_value: 'many', config_type: 'router_settings' });
    expect(field.status).toBe(400);
    expect((field.body.error as { param: string }).param).toBe('router_settings.max_fallbacks');
    expect((await call(url, 'GET', '/router/settings')).body).toEqual(before.body);

    // What a running process cannot take says so, rather than pretending.
    const master = await call(url, 'POST', '/config/update', { general_settings: { master_key: 'sk-new-master' } });
    expect(master.status).toBe(400);
    expect((master.body.error as { message: string }).message).toMatch(/general_settings\.master_key cannot be changed at runtime: a restart/);
    const database = await call(url, 'POST', '/config/field/update', { field_name: 'database_url', field_value: 'postgresql://x@y/z', config_type: 'general_settings' });
    expect(database.status).toBe(400);
    expect((database.body.error as { message: string }).message).toMatch(/restart/);
    const redis = await call(url, 'POST', '/config/update', { router_settings: { redis_host: 'cache' } });
    expect(redis.status).toBe(400);
    expect((redis.body.error as { message: string }).message).toMatch(/router_settings\.redis_host is not applied at runtime/);
  });

  it('should never show a secret in clear: master key, provider keys, and secrets inside stored settings', async () => {
    const master = await call(url, 'GET', '/config/field/info?field_name=master_key&config_type=general_settings');
    expect(master.status).toBe(200);
    expect(master.body.field_value).toBe('*****1234');
    const general = await call(url, 'GET', '/config/list?config_type=general_settings');
    expect(JSON.stringify(general.body)).not.toContain(MASTER_KEY);
    for (const path of [
      '/config/list?config_type=router_settings',
      '/config/list?config_type=litellm_settings',
      '/get/config/callbacks',
      '/active/callbacks',
      '/router/settings',
    ]) {
      const reply = await call(url, 'GET', path);
      expect(reply.status).toBe(200);
      expect(JSON.stringify(reply.body)).not.toMatch(/sk-settings-master-0000000000001234|sk-upstream-secret/);
    }
  });

  it('should let a proxy admin viewer read and refuse writes to a viewer and an internal user (OpenAI error shape)', async () => {
    const viewer = await call(url, 'POST', '/user/new', { user_role: 'proxy_admin_viewer' });
    const internal = await call(url, 'POST', '/user/new', { user_role: 'internal_user' });
    const viewerKey = viewer.body.key as string;
    const internalKey = internal.body.key as string;
    expect((await call(url, 'GET', '/router/settings', undefined, viewerKey)).status).toBe(200);
    expect((await call(url, 'GET', '/config/field/info?field_name=num_retries&config_type=router_settings', undefined, viewerKey)).status).toBe(200);
    expect((await call(url, 'GET', '/router/settings', undefined, internalKey)).status).toBe(401);
    const before = await call(url, 'GET', '/router/settings');
    for (const key of [viewerKey, internalKey]) {
      for (const [path, body] of [
        ['/config/update', { router_settings: { num_retries: 5 } }],
        ['/config/field/update', { field_name: 'num_retries', field_value: 5, config_type: 'router_settings' }],
        ['/config/field/delete', { field_name: 'num_retries', config_type: 'router_settings' }],
      ] as const) {
        const refused = await call(url, 'POST', path, body, key);
        // The gateway answers every admin-only route this way (LiteLLM's status for it).
        expect([401, 403]).toContain(refused.status);
        expect(refused.body.error).toMatchObject({ type: 'auth_error', code: String(refused.status) });
      }
    }
    expect((await call(url, 'GET', '/router/settings')).body).toEqual(before.body);
  });

  it('should write an audit row for every change, before and after, with secrets masked', async () => {
    const secretArgs = { lowest_latency_buffer: 0.2, api_key: 'sk-should-never-be-seen-9876' };
    expect((await call(url, 'POST', '/config/update', { router_settings: { routing_strategy_args: secretArgs } })).status).toBe(200);
    expect((await call(url, 'POST', '/config/field/delete', { field_name: 'routing_strategy_args', config_type: 'router_settings' })).status).toBe(200);
    const audit = await call(url, 'GET', '/audit?table_name=LiteLLM_Config');
    expect(audit.status).toBe(200);
    const rows = audit.body.audit_logs as { object_id: string; action: string; before_value: unknown; updated_values: unknown }[];
    expect(rows.filter((row) => row.object_id === 'router_settings').length).toBeGreaterThanOrEqual(6);
    expect(JSON.stringify(rows)).not.toContain('sk-should-never-be-seen');
    // The row says a secret was set, never what it is.
    expect(JSON.stringify(rows)).toContain('"routing_strategy_args":{"lowest_latency_buffer":0.2,"api_key":');
    const fallbackChange = rows.find((row) => JSON.stringify(row.updated_values ?? {}).includes('"primary":["backup"]'));
    expect(fallbackChange).toBeDefined();
  });

  it('should reload config.yaml on SIGHUP (in-process: the handler the signal calls), stored settings still winning, a bad file refused', async () => {
    const settings = gateway.app.get(RuntimeSettingsService);
    const configPath = join(gateway.storage.dataDir, 'config.yaml');
    // The file now says num_retries 3 and allowed_fails 7; the database still says num_retries 1.
    writeFileSync(configPath, config(mock.baseUrl, 'num_retries: 3\n  allowed_fails: 7\n  cooldown_time: 2'));
    expect(settings.reloadFile()).toBe(true);
    expect(currentValues(await call(url, 'GET', '/router/settings'))).toMatchObject({ num_retries: 1, allowed_fails: 7, cooldown_time: 2 });

    for (const broken of [
      config(mock.baseUrl, 'routing_strategy: fastest\n  allowed_fails: 9'),
      'router_settings: [unclosed',
      config(mock.baseUrl, 'num_retries: os.environ/NOT_SET_ANYWHERE'),
    ]) {
      writeFileSync(configPath, broken);
      expect(settings.reloadFile()).toBe(false);
      expect(currentValues(await call(url, 'GET', '/router/settings'))).toMatchObject({ allowed_fails: 7, cooldown_time: 2, routing_strategy: 'simple-shuffle' });
    }
    expect((await chat(url, 'backup')).status).toBe(200);
    // Removing the stored field lets the file's value through.
    expect((await call(url, 'POST', '/config/field/delete', { field_name: 'num_retries', config_type: 'router_settings' })).status).toBe(200);
    expect(currentValues(await call(url, 'GET', '/router/settings')).num_retries).toBe(3);
    expect((await call(url, 'POST', '/config/field/update', { field_name: 'num_retries', field_value: 1, config_type: 'router_settings' })).status).toBe(200);
  });

  it('should serve the stored settings on another instance of the same database', async () => {
    expect((await call(url, 'POST', '/config/update', { router_settings: { max_fallbacks: 4 }, litellm_settings: { request_timeout: 120 } })).status).toBe(200);
    let other: TestGateway | undefined;
    if (serverUrl) {
      // Two instances side by side: the second hears of the next change on the invalidation bus.
      other = await startGateway(config(mock.baseUrl), { storage: { dataDir: mkdtempSync(join(tmpdir(), 'tollgate-settings-')), databaseUrl: gateway.storage.databaseUrl } });
      try {
        expect(currentValues(await call(other.url, 'GET', '/router/settings'))).toMatchObject({ max_fallbacks: 4, timeout: 120, num_retries: 1 });
        expect((await call(url, 'POST', '/config/update', { router_settings: { max_fallbacks: 2 } })).status).toBe(200);
        const seen = await eventually(
          () => call(other!.url, 'GET', '/router/settings'),
          (reply) => currentValues(reply).max_fallbacks === 2,
          5_000,
        );
        expect(currentValues(seen).max_fallbacks).toBe(2);
        const routed = await chat(other.url, 'primary');
        expect(routed.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
      } finally {
        await other.close();
        rmSync(other.storage.dataDir, { recursive: true, force: true });
      }
      return;
    }
    // One embedded database: the next instance on it (a restart) reads the stored settings over its file.
    await gateway.close();
    gateway = await startGateway(config(mock.baseUrl), { storage: gateway.storage });
    url = gateway.url;
    expect(currentValues(await call(url, 'GET', '/router/settings'))).toMatchObject({ max_fallbacks: 4, timeout: 120, num_retries: 1 });
    const routed = await chat(url, 'primary');
    expect(routed.status).toBe(200);
    expect(routed.headers.get('x-litellm-attempted-fallbacks')).toBe('1');
    expect(routed.headers.get('x-litellm-timeout')).toBe('120');
  });
});

// `npm test` builds first; run alone, the suite says what is missing instead of passing without checking anything.
describe('SIGHUP to bin/tollgate.js (e2e, a real process)', () => {
  let mock: MockUpstreamProcess;
  let gateway: BuiltGateway;

  beforeAll(async () => {
    if (!existsSync(resolve(__dirname, '../dist/src/main.js'))) throw new Error('this suite runs the built gateway: run `npm run build` first');
    mock = await startMockUpstreamProcess();
    gateway = await startBuiltGateway(config(mock.baseUrl), { captureOutput: true });
  });

  afterAll(async () => {
    await gateway?.stop();
    await mock?.close();
  });

  it('should reload a good file, refuse a bad one naming the field (no secret in the log), and keep serving', async () => {
    const configPath = join(gateway.storage.dataDir, 'config.yaml');
    writeFileSync(configPath, config(mock.baseUrl, 'num_retries: 2\n  allowed_fails: 11\n  fallbacks: [{ primary: [backup] }]'));
    process.kill(gateway.pid, 'SIGHUP');
    const reloaded = await eventually(
      () => call(gateway.url, 'GET', '/router/settings'),
      (reply) => currentValues(reply).allowed_fails === 11,
    );
    expect(currentValues(reloaded)).toMatchObject({ num_retries: 2, allowed_fails: 11 });
    const routed = await chat(gateway.url, 'primary');
    expect(routed.status).toBe(200);
    expect(routed.headers.get('x-litellm-attempted-fallbacks')).toBe('1');

    writeFileSync(configPath, config(mock.baseUrl, 'routing_strategy: fastest\n  allowed_fails: 12').replace(MASTER_KEY, 'sk-leaked-if-logged-5555'));
    process.kill(gateway.pid, 'SIGHUP');
    await eventually(
      async () => gateway.output(),
      (output) => output.includes('config file refused'),
    );
    const output = gateway.output();
    expect(output).toContain('router_settings.routing_strategy');
    expect(output).not.toContain('sk-leaked-if-logged');
    expect(currentValues(await call(gateway.url, 'GET', '/router/settings'))).toMatchObject({ allowed_fails: 11, routing_strategy: 'simple-shuffle' });
    expect((await chat(gateway.url, 'backup')).status).toBe(200);
  });
});
