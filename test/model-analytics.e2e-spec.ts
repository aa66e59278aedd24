import OpenAI from 'openai';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';
import { spendRow } from './support/spend-row.fixture';

const MASTER_KEY = 'sk-model-analytics-master';
const UPSTREAM_KEY = 'sk-upstream-analytics';
const DAY_MS = 86_400_000;
const TODAY = new Date().toISOString().slice(0, 10);
const dayBefore = (days: number): string => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);

interface AnalyticsEntry {
  model_group: string;
  requests: number;
  failures: number;
  avg_latency_ms: number | null;
  avg_latency_per_output_token_ms: number | null;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
}

interface AnalyticsDay {
  date: string;
  requests: number;
  failures: number;
  avg_latency_ms: number | null;
  avg_latency_per_output_token_ms: number | null;
  spend: number;
}

describe('Model analytics from the spend ledger (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const { get, post } = apiClient(() => gateway.url, MASTER_KEY);
  /** What the calls cost according to the gateway's own response headers, per model group. */
  const charged: Record<string, number> = { alpha: 0, beta: 0 };
  const made: Record<string, { ok: number; failed: number }> = { alpha: { ok: 0, failed: 0 }, beta: { ok: 0, failed: 0 } };

  async function call(model: 'alpha' | 'beta'): Promise<void> {
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    try {
      const { response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'how fast?' }] }).withResponse();
      charged[model] += Number(response.headers.get('x-litellm-response-cost'));
      made[model].ok++;
    } catch (error) {
      expect(error).toBeInstanceOf(OpenAI.APIError);
      made[model].failed++;
    }
  }

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--latency', '15', '--completion-tokens', '10']);
    gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
router_settings:
  num_retries: 0
  allowed_fails: 1000
model_list:
  - model_name: alpha
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: ${UPSTREAM_KEY}, input_cost_per_token: 0.000001, output_cost_per_token: 0.00002 }
  - model_name: beta
    litellm_params: { model: openai/gpt-4o, api_base: ${mock.baseUrl}, api_key: ${UPSTREAM_KEY}, input_cost_per_token: 0.000003, output_cost_per_token: 0.00005 }
`);
    await mock.configure({ requireApiKey: UPSTREAM_KEY });
    for (let i = 0; i < 3; i++) await call('alpha');
    for (let i = 0; i < 2; i++) await call('beta');
    // The upstream now refuses the deployments' key: the next calls fail (401 upstream), on both groups.
    await mock.configure({ requireApiKey: 'sk-someone-else' });
    for (let i = 0; i < 2; i++) await call('alpha');
    await call('beta');
    await mock.configure({ requireApiKey: UPSTREAM_KEY });
    // An old call, outside the default window, written through the ledger like any other.
    gateway.app.get(SpendLedgerService).record(
      spendRow({
        model_group: 'alpha',
        model: 'gpt-4o-mini',
        spend: 0.5,
        start_time: `${dayBefore(40)}T12:00:00.000Z`,
        end_time: `${dayBefore(40)}T12:00:02.000Z`,
        completion_tokens: 20,
      }),
    );
    await gateway.app.get(SpendLedgerService).flush();
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should have made successful and failing calls on both groups, each charged by its header', () => {
    expect(made).toEqual({ alpha: { ok: 3, failed: 2 }, beta: { ok: 2, failed: 1 } });
    expect(charged.alpha).toBeGreaterThan(0);
    expect(charged.beta).toBeGreaterThan(0);
  });

  it('should count requests, failures, spend and tokens per model group over the last 30 days by default', async () => {
    const { status, body } = await get<{ data: AnalyticsEntry[] }>('/model/analytics');
    expect(status).toBe(200);
    const byGroup = new Map(body.data.map((entry) => [entry.model_group, entry]));
    const alpha = byGroup.get('alpha');
    const beta = byGroup.get('beta');
    expect(alpha).toMatchObject({ requests: 5, failures: 2, completion_tokens: 30 });
    expect(beta).toMatchObject({ requests: 3, failures: 1, completion_tokens: 20 });
    expect(alpha?.spend).toBeCloseTo(charged.alpha, 10);
    expect(beta?.spend).toBeCloseTo(charged.beta, 10);
    for (const entry of [alpha, beta]) {
      expect(entry?.prompt_tokens).toBeGreaterThan(0);
      // The mock waits 15 ms before answering: the gateway's measured latency includes it.
      expect(entry?.avg_latency_ms).toBeGreaterThanOrEqual(15);
      expect(entry?.avg_latency_per_output_token_ms).toBeCloseTo((entry?.avg_latency_ms ?? 0) / 10, 6);
    }
    // Busiest first.
    expect(body.data.map((entry) => entry.model_group).slice(0, 2)).toEqual(['alpha', 'beta']);
  });

  it('should agree with the spend logs the figures come from', async () => {
    const db = gateway.app.get(DataSource);
    const [logs] = (await db.query(
      `SELECT count(*)::int AS requests, count(*) FILTER (WHERE status = 'failure')::int AS failures, sum(spend)::float8 AS spend
       FROM tollgate_spend_logs WHERE model_group = 'alpha' AND start_time >= now() - interval '1 day'`,
    )) as { requests: number; failures: number; spend: number }[];
    const { body } = await get<{ data: AnalyticsEntry[] }>(`/model/analytics?start_date=${TODAY}&end_date=${TODAY}`);
    const alpha = body.data.find((entry) => entry.model_group === 'alpha');
    expect(alpha).toMatchObject({ requests: logs.requests, failures: logs.failures });
    expect(alpha?.spend).toBeCloseTo(logs.spend, 10);
  });

  it('should filter by date range: the old call only in a range that covers its day', async () => {
    const old = dayBefore(40);
    const { body: thatDay } = await get<{ data: AnalyticsEntry[] }>(`/model/analytics?start_date=${old}&end_date=${old}`);
    expect(thatDay.data).toEqual([
      { model_group: 'alpha', requests: 1, failures: 0, avg_latency_ms: 2000, avg_latency_per_output_token_ms: 100, spend: 0.5, prompt_tokens: 10, completion_tokens: 20 },
    ]);
    const { body: both } = await get<{ data: AnalyticsEntry[] }>(`/model/analytics?start_date=${dayBefore(60)}&end_date=${TODAY}`);
    expect(both.data.find((entry) => entry.model_group === 'alpha')).toMatchObject({ requests: 6, failures: 2 });
    const { body: none } = await get<{ data: AnalyticsEntry[] }>('/model/analytics?start_date=2020-01-01&end_date=2020-01-31');
    expect(none.data).toEqual([]);
  });

  it('should give every day of the range for one model group, and all groups together without one', async () => {
    const from = dayBefore(2);
    const { status, body } = await get<{ data: AnalyticsDay[] }>(`/model/analytics/daily?model_group=beta&start_date=${from}&end_date=${TODAY}`);
    expect(status).toBe(200);
    expect(body.data.map((day) => day.date)).toEqual([from, dayBefore(1), TODAY]);
    expect(body.data[0]).toEqual({ date: from, requests: 0, failures: 0, avg_latency_ms: null, avg_latency_per_output_token_ms: null, spend: 0 });
    expect(body.data[2]).toMatchObject({ date: TODAY, requests: 3, failures: 1 });
    expect(body.data[2].spend).toBeCloseTo(charged.beta, 10);
    expect(body.data[2].avg_latency_ms).toBeGreaterThanOrEqual(15);

    const { body: all } = await get<{ data: AnalyticsDay[] }>('/model/analytics/daily');
    expect(all.data).toHaveLength(30);
    expect(all.data[29]).toMatchObject({ date: TODAY, requests: 8, failures: 3 });
    expect(all.data[29].spend).toBeCloseTo(charged.alpha + charged.beta, 10);
  });

  it("should answer LiteLLM's /model/metrics: seconds per output token per day and deployment", async () => {
    const { status, body } = await get<{ data: Record<string, number | string>[]; all_api_bases: string[] }>(`/model/metrics?_selected_model_group=alpha`);
    expect(status).toBe(200);
    expect(body.all_api_bases).toEqual([mock.baseUrl]);
    expect(body.data).toHaveLength(1);
    expect(body.data[0].date).toBe(TODAY);
    const { body: analytics } = await get<{ data: AnalyticsEntry[] }>('/model/analytics');
    const alpha = analytics.data.find((entry) => entry.model_group === 'alpha');
    expect(body.data[0][mock.baseUrl]).toBeCloseTo((alpha?.avg_latency_per_output_token_ms ?? 0) / 1000, 9);
  });

  it('should refuse bad and oversized ranges', async () => {
    expect((await get('/model/analytics?start_date=2024-02-30&end_date=2024-03-01')).status).toBe(400);
    expect((await get(`/model/analytics?start_date=${TODAY}`)).status).toBe(400);
    expect((await get('/model/analytics/daily?start_date=2024-03-02&end_date=2024-03-01')).status).toBe(400);
    expect((await get('/model/analytics/daily?start_date=2000-01-01&end_date=2020-01-01')).status).toBe(400);
  });

  // Refused as every admin-only route is (the guard's LiteLLM-compatible 401 `auth_error`, code GW_AUTH_FORBIDDEN).
  it('should serve an admin viewer and refuse an internal user and a plain key', async () => {
    const viewer = await post<{ key: string }>('/user/new', { user_id: 'analytics-viewer', user_role: 'proxy_admin_viewer' });
    const user = await post<{ key: string }>('/user/new', { user_id: 'analytics-user', user_role: 'internal_user' });
    const plain = await post<{ key: string }>('/key/generate', {});
    expect([viewer.status, user.status, plain.status]).toEqual([200, 200, 200]);
    for (const path of ['/model/analytics', '/model/analytics/daily', '/model/metrics']) {
      expect((await apiClient(() => gateway.url, viewer.body.key).get(path)).status).toBe(200);
      for (const key of [user.body.key, plain.body.key]) {
        const refused = await apiClient(() => gateway.url, key).get<{ error: { type: string; code: string } }>(path);
        expect(refused.status).toBe(401);
        expect(refused.body.error).toMatchObject({ type: 'auth_error' });
        expect(JSON.stringify(refused.body)).not.toContain('"data"');
      }
    }
  });
});
