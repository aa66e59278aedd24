import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';

const unique = (label: string): string => `${label}-${randomBytes(9).toString('hex')}`;

/** Unique secrets seeded everywhere a secret enters Tollgate; none may show up anywhere it does not belong. */
const CANARY = {
  masterKey: unique('sk-canary-master'),
  saltKey: unique('canary-salt'),
  /** The configured deployments' provider key (config, via os.environ/…); the mock requires it. */
  providerKey: unique('canary-provider-config'),
  /** A wrong configured key: the mock answers 401 quoting it back, as some providers do. */
  wrongProviderKey: unique('canary-provider-wrong'),
  /** Provider keys stored with /model/new: one the second mock requires, one it quotes back. */
  storedProviderKey: unique('canary-provider-stored'),
  wrongStoredProviderKey: unique('canary-provider-stored-wrong'),
  /** A virtual key value chosen by the admin (`key` in /key/generate). */
  chosenVirtualKey: unique('sk-canary-chosen'),
};

interface Recorded {
  label: string;
  status: number;
  headers: string;
  body: string;
}

/**
 * The canary sweep: unique canaries as master key, salt key, provider keys (config and stored models) and virtual
 * keys; a broad run of operations at debug log level, including upstream errors that quote the key they were sent;
 * then every captured log line, every response (status, headers, body), every table of the database, /metrics, the
 * audit and spend exports and the spend journal are searched for the canaries. Zero hits, except that a virtual
 * key's plaintext appears exactly once: in the response that created (or regenerated) it.
 */
describe('Canary sweep: secrets never leak into logs, responses, the database, metrics or exports (e2e)', () => {
  let mockConfig: MockUpstreamProcess;
  let mockStored: MockUpstreamProcess;
  let gateway: TestGateway;
  const logs: string[] = [];
  const responses: Recorded[] = [];
  /** Responses that legitimately carry one virtual key's plaintext: key → the label of its creating response. */
  const keyCreations = new Map<string, string>();
  let stdoutSpy: jest.SpyInstance;
  let stderrSpy: jest.SpyInstance;

  async function call(
    label: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    auth: string | null = CANARY.masterKey,
    extraHeaders: Record<string, string> = {},
  ): Promise<Recorded & { json: Record<string, unknown> }> {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { ...(auth === null ? {} : { authorization: `Bearer ${auth}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const recorded: Recorded = {
      label: `${label} (${method} ${path} → ${response.status})`,
      status: response.status,
      headers: JSON.stringify([...response.headers.entries()]),
      body: text,
    };
    responses.push(recorded);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // SSE, CSV, NDJSON and text bodies are searched as text.
    }
    return { ...recorded, json };
  }

  /** A key-creating call: its response is the one place the plaintext may appear. */
  async function createKey(label: string, path: '/key/generate' | '/key/regenerate', body: Record<string, unknown>): Promise<{ key: string; token: string }> {
    const created = await call(label, 'POST', path, body);
    expect([label, created.status]).toEqual([label, 200]);
    const key = created.json.key as string;
    keyCreations.set(key, created.label);
    return { key, token: created.json.token as string };
  }

  beforeAll(async () => {
    [mockConfig, mockStored] = await Promise.all([
      startMockUpstreamProcess(['--require-api-key', CANARY.providerKey]),
      startMockUpstreamProcess(['--require-api-key', CANARY.storedProviderKey]),
    ]);
    const capture = (chunk: unknown): boolean => {
      logs.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      return true;
    };
    stdoutSpy = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
    gateway = await startGateway(
      `
general_settings:
  master_key: os.environ/CANARY_MASTER_KEY
  store_model_in_db: true
litellm_settings:
  store_audit_logs: true
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mockConfig.baseUrl}, api_key: os.environ/CANARY_PROVIDER_KEY }
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${mockConfig.baseUrl}, api_key: os.environ/CANARY_PROVIDER_KEY }
    model_info: { mode: embedding }
  - model_name: wrong-key
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mockConfig.baseUrl}, api_key: os.environ/CANARY_WRONG_PROVIDER_KEY, max_retries: 0 }
  - model_name: azure-wrong-key
    litellm_params: { model: azure/gpt-4o-mini, api_base: ${mockConfig.url}, api_key: os.environ/CANARY_WRONG_PROVIDER_KEY, api_version: "2024-02-01" }
`,
      {
        env: {
          CANARY_MASTER_KEY: CANARY.masterKey,
          CANARY_PROVIDER_KEY: CANARY.providerKey,
          CANARY_WRONG_PROVIDER_KEY: CANARY.wrongProviderKey,
          LITELLM_SALT_KEY: CANARY.saltKey,
        },
        logLevels: ['log', 'error', 'warn', 'debug', 'verbose'],
      },
    );
  });

  afterAll(async () => {
    stdoutSpy?.mockRestore();
    stderrSpy?.mockRestore();
    await gateway?.close();
    await Promise.all([mockConfig?.close(), mockStored?.close()]);
    if (gateway) discardStorage(gateway.storage);
  });

  it('should leave no canary anywhere after a broad run of operations', async () => {
    // Health, docs and metrics, with and without the key.
    await call('liveliness', 'GET', '/health/liveliness', undefined, null);
    await call('readiness', 'GET', '/health/readiness', undefined, null);
    await call('health', 'GET', '/health');

    // Keys: generate (random, chosen value, with metadata), update, info, list, regenerate, block, delete.
    const plain = await createKey('generate', '/key/generate', { key_alias: 'canary-alias', metadata: { owner: 'sweep' }, max_budget: 10 });
    const chosen = await createKey('generate with a chosen key', '/key/generate', { key: CANARY.chosenVirtualKey, models: ['gpt', 'embed', 'wrong-key'] });
    expect(chosen.key).toBe(CANARY.chosenVirtualKey);
    await call('key update', 'POST', '/key/update', { key: plain.key, max_budget: 20, metadata: { owner: 'sweep-2' } });
    await call('key info by plaintext', 'GET', `/key/info?key=${encodeURIComponent(plain.key)}`);
    await call('key info by own key', 'GET', '/key/info', undefined, plain.key);
    await call('v2 key info', 'POST', '/v2/key/info', { keys: [plain.key, chosen.key] });
    await call('key list', 'GET', '/key/list?return_full_object=true');
    const rotated = await createKey('regenerate', '/key/regenerate', { key: plain.key });
    await call('old key after regenerate', 'POST', '/v1/chat/completions', { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }, plain.key);
    await call('key block', 'POST', '/key/block', { key: rotated.key });
    await call('blocked key', 'POST', '/v1/chat/completions', { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] }, rotated.key);
    await call('key unblock', 'POST', '/key/unblock', { key: rotated.key });

    // Teams, users, organizations, customers, budgets, and keys of them.
    const org = await call('organization new', 'POST', '/organization/new', { organization_alias: 'canary-org' });
    const organizationId = org.json.organization_id as string;
    await call('team new', 'POST', '/team/new', { team_id: 'canary-team', team_alias: 'canary-team', organization_id: organizationId, models: ['gpt', 'embed'] });
    await call('user new', 'POST', '/user/new', { user_id: 'canary-user', user_role: 'internal_user', auto_create_key: false });
    await call('team member add', 'POST', '/team/member_add', { team_id: 'canary-team', member: { role: 'user', user_id: 'canary-user' } });
    const teamKey = await createKey('team key', '/key/generate', { team_id: 'canary-team', user_id: 'canary-user' });
    await call('team update', 'POST', '/team/update', { team_id: 'canary-team', max_budget: 50 });
    await call('team info', 'GET', '/team/info?team_id=canary-team');
    await call('team list', 'GET', '/team/list');
    await call('user info', 'GET', '/user/info?user_id=canary-user');
    await call('user list', 'GET', '/user/list');
    await call('user update', 'POST', '/user/update', { user_id: 'canary-user', max_budget: 5 });
    await call('organization info', 'GET', `/organization/info?organization_id=${organizationId}`);
    await call('organization list', 'GET', '/organization/list');
    await call('customer new', 'POST', '/customer/new', { user_id: 'canary-customer', max_budget: 3 });
    await call('customer info', 'GET', '/customer/info?end_user_id=canary-customer');
    await call('budget new', 'POST', '/budget/new', { budget_id: 'canary-budget', max_budget: 7 });

    // Models stored in the database, with provider keys of their own (one the provider refuses and quotes).
    await call('model new', 'POST', '/model/new', {
      model_name: 'stored',
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: mockStored.baseUrl, api_key: CANARY.storedProviderKey },
      model_info: { id: 'stored-1' },
    });
    await call('model new, wrong key', 'POST', '/model/new', {
      model_name: 'stored-wrong',
      litellm_params: { model: 'openai/gpt-4o-mini', api_base: mockStored.baseUrl, api_key: CANARY.wrongStoredProviderKey, max_retries: 0 },
      model_info: { id: 'stored-2' },
    });
    await call('model update', 'POST', '/model/update', { id: 'stored-1', litellm_params: { rpm: 100 } });
    await call('model info', 'GET', '/model/info');
    await call('model info v2', 'GET', '/v2/model/info');
    await call('model group info', 'GET', '/model_group/info');

    // LLM calls: chat, stream, embeddings, completions, with each kind of key, and upstream errors that quote the key.
    const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });
    for (const [who, key] of [
      ['master', CANARY.masterKey],
      ['chosen', chosen.key],
      ['team', teamKey.key],
      ['rotated', rotated.key],
    ] as const) {
      await call(`chat as ${who}`, 'POST', '/v1/chat/completions', chat('gpt', { user: 'canary-customer' }), key);
      await call(`stream as ${who}`, 'POST', '/v1/chat/completions', chat('gpt', { stream: true, stream_options: { include_usage: true } }), key);
      await call(`embeddings as ${who}`, 'POST', '/v1/embeddings', { model: 'embed', input: 'hello' }, key);
    }
    await call('completion', 'POST', '/v1/completions', { model: 'gpt', prompt: 'hi' });
    await call('chat on a stored model', 'POST', '/v1/chat/completions', chat('stored'));
    for (const model of ['wrong-key', 'azure-wrong-key', 'stored-wrong']) {
      const refused = await call(`upstream quotes the key: ${model}`, 'POST', '/v1/chat/completions', chat(model));
      expect([model, refused.status]).toEqual([model, 401]);
      await call(`upstream quotes the key, streaming: ${model}`, 'POST', '/v1/chat/completions', chat(model, { stream: true }));
      await call(`upstream quotes the key, embeddings: ${model}`, 'POST', '/v1/embeddings', { model, input: 'x' });
    }

    // Errors that carry a presented credential: wrong keys, keys in odd places, forbidden routes.
    await call('near-miss master key', 'GET', '/key/list', undefined, `${CANARY.masterKey}x`);
    await call('virtual key on an admin route', 'POST', '/team/new', { team_alias: 'nope' }, chosen.key);
    await call('master key in a custom header', 'GET', '/key/list', undefined, null, { 'x-litellm-api-key': CANARY.masterKey, 'api-key': `${CANARY.masterKey}-wrong` });
    await call('key in the body', 'POST', '/v1/chat/completions', chat('gpt', { api_key: CANARY.providerKey, metadata: { note: 'x' } }), chosen.key);
    await call('unknown model', 'POST', '/v1/chat/completions', chat('no-such-model'), chosen.key);

    // Spend, audit, exports, metrics: after the ledger has written everything.
    await gateway.app.get(SpendLedgerService).flush();
    await call('spend logs', 'GET', '/spend/logs');
    await call('spend logs export csv', 'GET', '/spend/logs/export?format=csv');
    await call('spend logs export', 'GET', '/spend/logs/export');
    await call('spend keys', 'GET', '/spend/keys');
    await call('spend users', 'GET', '/spend/users');
    await call('global spend report', 'GET', '/global/spend/report?start_date=2020-01-01&end_date=2100-01-01');
    await call('global spend keys', 'GET', '/global/spend/keys');
    await call('audit', 'GET', '/audit');
    await call('audit export', 'GET', '/audit/export?format=ndjson');
    await call('audit export csv', 'GET', '/audit/export?format=csv');
    await call('audit verify', 'GET', '/audit/verify');
    await call('metrics', 'GET', '/metrics', undefined, null);
    await call('key delete', 'POST', '/key/delete', { keys: [teamKey.key] });
    await call('model delete', 'POST', '/model/delete', { id: 'stored-2' });
    await gateway.app.get(SpendLedgerService).flush();

    // The haystacks.
    const database = await dumpDatabase(gateway.app.get(DataSource));
    const journal = readTree(join(gateway.storage.dataDir, 'spend-journal'));
    const virtualKeys = [...keyCreations.keys()];
    const canaries: [string, string][] = [...Object.entries(CANARY), ...virtualKeys.map((key, index): [string, string] => [`virtual key #${index + 1}`, key])];
    const hits: string[] = [];
    for (const [name, canary] of canaries) {
      const logHits = logs.filter((line) => line.includes(canary)).length;
      if (logHits > 0) hits.push(`${name} in ${logHits} log write(s)`);
      for (const [table, text] of database) if (text.includes(canary)) hits.push(`${name} in table ${table}`);
      if (journal.includes(canary)) hits.push(`${name} in the spend journal`);
      for (const response of responses) {
        if (keyCreations.get(canary) === response.label) continue;
        if (response.headers.includes(canary)) hits.push(`${name} in the headers of ${response.label}`);
        if (response.body.includes(canary)) hits.push(`${name} in the body of ${response.label}`);
      }
    }
    expect(hits).toEqual([]);

    // Each plaintext was shown exactly once, by the response that created it.
    for (const key of virtualKeys) expect(responses.filter((response) => response.body.includes(key)).map((response) => response.label)).toEqual([keyCreations.get(key)]);
    // The sweep did look where it claims: the logs, tables, exports and metrics are not empty.
    expect(logs.join('').length).toBeGreaterThan(1000);
    expect(database.size).toBeGreaterThan(10);
    expect(responses.length).toBeGreaterThan(70);
    expect(responses.find((response) => response.label.startsWith('metrics'))?.body).toContain('# HELP');
    expect(responses.find((response) => response.label.startsWith('spend logs export csv'))?.status).toBe(200);
    expect(responses.find((response) => response.label.startsWith('audit export ('))?.body.length).toBeGreaterThan(100);
  });
});

/** Every table of the public schema as text, row by row. */
async function dumpDatabase(dataSource: DataSource): Promise<Map<string, string>> {
  const tables = (await dataSource.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) as {
    table_name: string;
  }[];
  const dump = new Map<string, string>();
  for (const { table_name: table } of tables) {
    const rows = (await dataSource.query(`SELECT * FROM "${table.replace(/"/g, '""')}"`)) as unknown[];
    dump.set(table, JSON.stringify(rows));
  }
  return dump;
}

/** Every file under a directory as one text (the spend journal). */
function readTree(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => (statSync(path).isDirectory() ? readTree(path) : readFileSync(path, 'latin1')))
    .join('\n');
}
