import OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { SpendRetentionService } from '../src/spend/spend-retention.service';
import { monthStart, partitionName, SpendPartitions } from '../src/spend/spend-partitions';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';
import { spendRow } from './support/spend-row.fixture';

const MASTER_KEY = 'sk-ledger-master';
/** Only completion tokens are priced, so each call costs exactly 8 × 2.5e-5. */
const OUTPUT_PRICE = 0.000025;
const COMPLETION_TOKENS = 8;
const CALL_COST = COMPLETION_TOKENS * OUTPUT_PRICE;

interface StoredRow {
  request_id: string;
  call_type: string;
  api_key: string;
  key_id: string | null;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  model: string;
  model_group: string;
  user: string | null;
  end_user: string | null;
  team_id: string | null;
  request_tags: string[];
  status: string;
  requester_ip_address: string | null;
  provider_response_id: string | null;
  metadata: Record<string, unknown>;
}

describe('Spend ledger: one row per call, counters equal to the rows (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let db: DataSource;
  let ledger: SpendLedgerService;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS)]);
    gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
  maximum_spend_logs_retention_period: 30d
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE} }
  - model_name: catalog-priced
    litellm_params: { model: openai/gpt-4o, api_base: ${mock.baseUrl}, api_key: sk-upstream }
`);
    db = gateway.app.get(DataSource);
    ledger = gateway.app.get(SpendLedgerService);
    api = apiClient(() => gateway.url, MASTER_KEY);
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  /** LiteLLM's `metadata` is not OpenAI's (string values only): it goes in the body as the seed's examples send it. */
  const ask = (key: string, extra: Record<string, unknown> = {}) =>
    client(key).chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], ...extra } as ChatCompletionCreateParamsNonStreaming);

  /** The row as stored, with `metadata` as /spend/logs shows it (LiteLLM's whole object) and `stored` as the column holds it. */
  async function storedRow(requestId: string): Promise<StoredRow & { stored: Record<string, unknown> }> {
    await ledger.flush();
    const rows = (await db.query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as StoredRow[];
    expect(rows).toHaveLength(1);
    const { status, body: shown } = await api.get<{ metadata: Record<string, unknown> }[]>(`/spend/logs?request_id=${encodeURIComponent(requestId)}`);
    expect(status).toBe(200);
    expect(shown).toHaveLength(1);
    return { ...rows[0], stored: rows[0].metadata, metadata: shown[0].metadata };
  }

  async function scalar(sql: string, params: unknown[] = []): Promise<number> {
    const [row] = (await db.query(sql, params)) as { value: number | string | null }[];
    return Number(row?.value ?? 0);
  }

  it('should log a call with its key, tags and spend_logs_metadata from request, key and team (the seed examples)', async () => {
    await api.post('/team/new', { team_id: 'ledger-team', team_alias: 'Ledger Team', metadata: { tags: ['team-tag'], spend_logs_metadata: { cost_center: 'cc-7' } } });
    const { body: generated } = await api.post<{ key: string; token: string }>('/key/generate', {
      team_id: 'ledger-team',
      key_alias: 'ledger-app',
      metadata: { tags: ['tag1', 'tag2'], spend_logs_metadata: { hello: 'key' } },
    });
    const completion = await ask(generated.key, {
      user: 'customer-9',
      metadata: { tags: ['model-anthropic-claude-v2.1', 'app-ishaan-prod'], spend_logs_metadata: { hello: 'world' } },
    });

    const row = await storedRow(completion.id);
    expect(row).toMatchObject({
      call_type: 'acompletion',
      api_key: generated.token,
      model: 'gpt-4o-mini',
      model_group: 'priced',
      end_user: 'customer-9',
      team_id: 'ledger-team',
      status: 'success',
      completion_tokens: COMPLETION_TOKENS,
      requester_ip_address: '127.0.0.1',
    });
    expect(row.spend).toBeCloseTo(CALL_COST, 12);
    expect(row.provider_response_id).toBeTruthy();
    expect(row.provider_response_id).not.toBe(completion.id);
    expect(row.request_tags).toEqual(['model-anthropic-claude-v2.1', 'app-ishaan-prod', 'tag1', 'tag2', 'team-tag']);
    expect(row.metadata).toMatchObject({
      user_api_key: generated.token,
      user_api_key_alias: 'ledger-app',
      user_api_key_team_id: 'ledger-team',
      user_api_key_team_alias: 'Ledger Team',
      spend_logs_metadata: { hello: 'world', cost_center: 'cc-7' },
      user_api_key_end_user_id: 'customer-9',
      status: 'success',
    });
    // The column keeps only what no other column holds.
    expect(row.stored).toEqual({
      user_api_key_alias: 'ledger-app',
      user_api_key_team_alias: 'Ledger Team',
      spend_logs_metadata: { hello: 'world', cost_center: 'cc-7' },
    });
  });

  it('should price catalog models exactly from the usage the provider reported', async () => {
    const completion = await client(MASTER_KEY).chat.completions.create({ model: 'catalog-priced', messages: [{ role: 'user', content: 'price me' }] });
    const row = await storedRow(completion.id);
    // gpt-4o in LiteLLM's catalog: 2.5e-6 per input token, 1e-5 per output token.
    expect(row.spend).toBeCloseTo(row.prompt_tokens * 2.5e-6 + row.completion_tokens * 1e-5, 15);
    expect(row.prompt_tokens).toBe(completion.usage?.prompt_tokens);
    expect(row.metadata).toMatchObject({ user_api_key_user_id: 'default_user_id' });
  });

  it('should log streamed calls with the usage of the stream, and failed calls with their error', async () => {
    const { body: generated } = await api.post<{ key: string }>('/key/generate', {});
    const stream = await client(generated.key).chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'stream' }], stream: true });
    let id = '';
    for await (const chunk of stream) id = chunk.id;
    const streamed = await storedRow(id);
    expect(streamed).toMatchObject({ status: 'success', completion_tokens: COMPLETION_TOKENS });
    expect(streamed.spend).toBeCloseTo(CALL_COST, 12);
    expect(streamed.metadata).toMatchObject({ stream: true });

    const refused = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${generated.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'not-on-proxy', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(refused.status).toBe(400);
    const failedId = refused.headers.get('x-litellm-call-id');
    await ledger.flush();
    const failed = (await db.query(`SELECT * FROM tollgate_spend_logs WHERE status = 'failure' AND model_group = 'not-on-proxy'`)) as StoredRow[];
    expect(failed).toHaveLength(1);
    expect(failed[0].request_id).toBe(failedId);
    expect(failed[0]).toMatchObject({ spend: 0, metadata: { error_information: { error_code: 'GW_UNKNOWN_MODEL' } } });
    expect(JSON.stringify(failed[0])).not.toContain(generated.key);
  });

  it('should refuse malformed tags and spend_logs_metadata with a 400 and log nothing for them', async () => {
    const before = await scalar('SELECT count(*) AS value FROM tollgate_spend_logs');
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], metadata: { tags: 'not-a-list' } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: "'metadata.tags' must be an array of strings.", type: 'invalid_request_error', param: 'metadata.tags', code: '400' },
    });
    await ledger.flush();
    expect(await scalar('SELECT count(*) AS value FROM tollgate_spend_logs')).toBe(before);
  });

  it('should keep every counter equal to the sum of its rows under concurrent calls', async () => {
    await api.post('/team/new', { team_id: 'sum-team', metadata: { tags: ['sum-team-tag'] } });
    await api.post('/user/new', { user_id: 'sum-user', teams: ['sum-team'] });
    const keys = await Promise.all([0, 1, 2].map(async () => (await api.post<{ key: string; token: string }>('/key/generate', { team_id: 'sum-team', user_id: 'sum-user' })).body));
    await Promise.all(Array.from({ length: 60 }, (_, i) => ask(keys[i % 3].key, { user: `sum-customer-${i % 4}`, metadata: { tags: [`sum-tag-${i % 5}`] } })));
    await ledger.flush();

    const rowsOf = (where: string, params: unknown[]) => scalar(`SELECT coalesce(sum(spend), 0) AS value FROM tollgate_spend_logs WHERE ${where}`, params);
    for (const { token } of keys) {
      const counter = await scalar('SELECT spend AS value FROM tollgate_virtual_keys WHERE token = $1', [token]);
      expect(counter).toBeCloseTo(await rowsOf('key_id = (SELECT key_id FROM tollgate_virtual_keys WHERE token = $1)', [token]), 12);
      expect(counter).toBeCloseTo(20 * CALL_COST, 12);
    }
    expect(await scalar(`SELECT spend AS value FROM tollgate_teams WHERE team_id = 'sum-team'`)).toBeCloseTo(await rowsOf('team_id = $1', ['sum-team']), 12);
    expect(await scalar(`SELECT spend AS value FROM tollgate_users WHERE user_id = 'sum-user'`)).toBeCloseTo(await rowsOf('"user" = $1', ['sum-user']), 12);
    expect(await scalar(`SELECT spend AS value FROM tollgate_team_memberships WHERE team_id = 'sum-team' AND user_id = 'sum-user'`)).toBeCloseTo(60 * CALL_COST, 12);
    for (let i = 0; i < 4; i++) {
      expect(await scalar('SELECT spend AS value FROM tollgate_end_users WHERE user_id = $1', [`sum-customer-${i}`])).toBeCloseTo(
        await rowsOf('end_user = $1', [`sum-customer-${i}`]),
        12,
      );
    }
    for (const tag of ['sum-tag-0', 'sum-tag-4', 'sum-team-tag']) {
      const [counter] = (await db.query('SELECT spend, log_count FROM tollgate_tag_spend WHERE tag = $1', [tag])) as { spend: number; log_count: string }[];
      expect(counter.spend).toBeCloseTo(await rowsOf('$1 = ANY(request_tags)', [tag]), 12);
      expect(Number(counter.log_count)).toBe(await scalar('SELECT count(*) AS value FROM tollgate_spend_logs WHERE $1 = ANY(request_tags)', [tag]));
      // The per-day totals of a tag add up to the same rows.
      expect(await scalar('SELECT sum(log_count) AS value FROM tollgate_spend_tag_days WHERE tag = $1', [tag])).toBe(Number(counter.log_count));
      expect(await scalar('SELECT sum(spend) AS value FROM tollgate_spend_tag_days WHERE tag = $1', [tag])).toBeCloseTo(counter.spend, 12);
    }
    expect(await scalar(`SELECT spend AS value FROM tollgate_budget_counters WHERE entity_id = 'litellm-proxy-budget'`)).toBeCloseTo(
      await scalar('SELECT sum(spend) AS value FROM tollgate_spend_logs'),
      12,
    );
    // The hot path's view (key/info) agrees with the database.
    const info = await api.get<{ info: { spend: number } }>(`/key/info?key=${keys[0].key}`);
    expect(info.body.info.spend).toBeCloseTo(20 * CALL_COST, 12);
  });

  it('should count a tag per UTC day of the call, once however often a batch is written', async () => {
    const day = '2026-01-15';
    const first = spendRow({ start_time: `${day}T23:59:59.000Z`, end_time: `${day}T23:59:59.500Z`, spend: 0.25, request_tags: ['day-tag'] });
    const next = spendRow({ start_time: '2026-01-16T00:00:00.000Z', end_time: '2026-01-16T00:00:01.000Z', spend: 0.5, request_tags: ['day-tag', 'other-tag'] });
    ledger.record(first);
    ledger.record(next);
    await ledger.flush();
    // A replay of rows already written (journal after a crash) changes nothing.
    ledger.record(first);
    await ledger.flush();
    const days = (await db.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, tag, spend, log_count::int AS log_count FROM tollgate_spend_tag_days WHERE tag IN ('day-tag', 'other-tag') ORDER BY 1, 2`,
    )) as unknown[];
    expect(days).toEqual([
      { day, tag: 'day-tag', spend: 0.25, log_count: 1 },
      { day: '2026-01-16', tag: 'day-tag', spend: 0.5, log_count: 1 },
      { day: '2026-01-16', tag: 'other-tag', spend: 0.5, log_count: 1 },
    ]);
    const { body } = await api.get<{ individual_request_tag: string; log_count: number; total_spend: number }[]>(`/spend/tags?start_date=${day}&end_date=${day}`);
    expect(body).toEqual([{ individual_request_tag: 'day-tag', log_count: 1, total_spend: 0.25 }]);
  });

  it('should prune rows older than maximum_spend_logs_retention_period and keep the counters', async () => {
    const old = new Date(Date.now() - 40 * 24 * 60 * 60 * 1000).toISOString();
    const stale = spendRow({ start_time: old, end_time: old, spend: 0.5, request_tags: ['retention-tag'] });
    const recent = spendRow({ spend: 0.25, request_tags: ['retention-tag'] });
    ledger.record(stale);
    ledger.record(recent);
    await ledger.flush();
    expect(await scalar(`SELECT spend AS value FROM tollgate_tag_spend WHERE tag = 'retention-tag'`)).toBe(0.75);

    const deleted = await gateway.app.get(SpendRetentionService).runOnce();
    expect(deleted).toBeGreaterThanOrEqual(1);
    const left = (await db.query('SELECT request_id FROM tollgate_spend_logs WHERE request_id = ANY($1)', [[stale.request_id, recent.request_id]])) as { request_id: string }[];
    expect(left.map((row) => row.request_id)).toEqual([recent.request_id]);
    // Per-day tag totals are not per-call detail: they stay.
    expect(await scalar(`SELECT sum(log_count) AS value FROM tollgate_spend_tag_days WHERE tag = 'retention-tag'`)).toBe(2);
    expect(await scalar(`SELECT spend AS value FROM tollgate_tag_spend WHERE tag = 'retention-tag'`)).toBe(0.75);
  });

  it('should drop a month partition whole once the month is past the retention period, and keep the current month', async () => {
    const partitions = new SpendPartitions(gateway.app.get(DataSource));
    await partitions.ensure(new Date('2025-01-15T00:00:00Z'));
    const old = spendRow({ start_time: '2025-01-10T12:00:00.000Z', end_time: '2025-01-10T12:00:01.000Z', spend: 0.5 });
    const now = spendRow({ spend: 0.25 });
    ledger.record(old);
    ledger.record(now);
    await ledger.flush();
    const partitionOf = async (requestId: string) =>
      ((await db.query('SELECT tableoid::regclass::text AS name FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as { name: string }[])[0]?.name;
    expect(await partitionOf(old.request_id)).toBe('tollgate_spend_logs_y2025m01');
    expect(await partitionOf(now.request_id)).toBe(partitionName(monthStart(new Date())));

    expect(await gateway.app.get(SpendRetentionService).runOnce()).toBeGreaterThanOrEqual(1);
    expect(await scalar(`SELECT count(*) AS value FROM pg_class WHERE relname = 'tollgate_spend_logs_y2025m01'`)).toBe(0);
    expect(await partitionOf(old.request_id)).toBeUndefined();
    expect(await partitionOf(now.request_id)).toBe(partitionName(monthStart(new Date())));
    // The months ahead are there before their first call.
    expect(await scalar(`SELECT count(*) AS value FROM pg_class WHERE relname = $1`, [partitionName(monthStart(new Date(), 2))])).toBe(1);
  });
});
