import { createHash } from 'node:crypto';
import OpenAI, { type APIError } from 'openai';
import { apiClient, type ApiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';
import { find, parseExposition, total, type Exposition } from './support/prometheus-text';
import { DataSource } from 'typeorm';
import { LATENCY_BUCKETS } from '../src/observability/litellm-metrics';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';

const MASTER_KEY = 'sk-prom-master';
const END_USER = 'my-test-user-34';

function config(base: string, litellmSettings: string): string {
  const upstream = (model: string): string => `{ model: openai/${model}, api_base: ${base}, api_key: sk-up }`;
  return `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - { model_name: fake-openai-endpoint, litellm_params: ${upstream('gpt-4o-mini')}, model_info: { id: fake-1 } }
  - { model_name: fake-azure-endpoint, litellm_params: ${upstream('429')}, model_info: { id: limited-1 } }
  - { model_name: primary, litellm_params: ${upstream('500')}, model_info: { id: primary-1 } }
  - { model_name: backup, litellm_params: ${upstream('gpt-4o-mini')}, model_info: { id: backup-1 } }
router_settings:
  num_retries: 0
  allowed_fails: 1
  cooldown_time: 30
  fallbacks: [{ primary: [backup] }]
litellm_settings:
${litellmSettings}
`;
}

const messages = [{ role: 'user' as const, content: 'count my tokens' }];
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function scrape(gateway: TestGateway): Promise<{ text: string; metrics: Exposition }> {
  const response = await fetch(`${gateway.url}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, metrics: parseExposition(text) };
}

/**
 * Waits out the last seconds of a wall-clock minute: the router's failure counts and the key's rpm window are
 * per-minute windows, and the traffic's expected cooldown and remaining requests need it all in one of them.
 */
async function awayFromMinuteEdge(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 100));
}

async function failureOf(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    return error as APIError;
  }
  throw new Error('expected the call to fail');
}

describe('LiteLLM Prometheus metrics (e2e, openai SDK → gateway → mock upstream, scraped from /metrics)', () => {
  let mock: MockUpstreamProcess;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
  });

  afterAll(async () => {
    await mock?.close();
  });

  describe('with callbacks: ["prometheus"]', () => {
    let gateway: TestGateway;
    let api: ApiClient;
    let key: string;
    let keyHash: string;
    let teamId: string;
    let metrics: Exposition;
    let text: string;
    const usage = { prompt: 0, completion: 0 };

    beforeAll(async () => {
      gateway = await startGateway(config(mock.baseUrl, '  callbacks: ["prometheus"]'));
      api = apiClient(() => gateway.url, MASTER_KEY);
      const team = await api.post<{ team_id: string }>('/team/new', { team_alias: 'prom-team', max_budget: 10, budget_duration: '7d' });
      expect(team.status).toBe(200);
      teamId = team.body.team_id;
      const user = await api.post<{ user_id: string }>('/user/new', { user_id: 'prom-user', user_email: 'prom-user@example.com', max_budget: 20 });
      expect(user.status).toBe(200);
      const generated = await api.post<{ key: string }>('/key/generate', {
        key_alias: 'prom-key',
        team_id: teamId,
        user_id: 'prom-user',
        max_budget: 10,
        budget_duration: '7d',
        model_rpm_limit: { 'fake-openai-endpoint': 100 },
        model_tpm_limit: { 'fake-openai-endpoint': 100000 },
      });
      expect(generated.status).toBe(200);
      key = generated.body.key;
      keyHash = sha256(key);
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await awayFromMinuteEdge();

      // Success, with an end user that must not become a label.
      const ok = await client.chat.completions.create({ model: 'fake-openai-endpoint', messages, user: END_USER });
      usage.prompt += ok.usage?.prompt_tokens ?? 0;
      usage.completion += ok.usage?.completion_tokens ?? 0;
      // A stream with its usage chunk.
      const stream = await client.chat.completions.create({ model: 'fake-openai-endpoint', messages, stream: true, stream_options: { include_usage: true } });
      for await (const chunk of stream) {
        usage.prompt += chunk.usage?.prompt_tokens ?? 0;
        usage.completion += chunk.usage?.completion_tokens ?? 0;
      }
      // A provider failure (the upstream answers 429).
      expect((await failureOf(client.chat.completions.create({ model: 'fake-azure-endpoint', messages, tags: ['teamB'] } as never))).status).toBe(429);
      // A fallback that serves the call, then one that fails too (the request's own fallbacks).
      const fallenBack = await client.chat.completions.create({ model: 'primary', messages });
      usage.prompt += fallenBack.usage?.prompt_tokens ?? 0;
      usage.completion += fallenBack.usage?.completion_tokens ?? 0;
      const bothFailed = await failureOf(client.chat.completions.create({ model: 'primary', messages, fallbacks: ['fake-azure-endpoint'] } as never));
      expect(bothFailed.status).toBe(429);
      // A budget refusal, on a key with no budget at all.
      const broke = await api.post<{ key: string }>('/key/generate', { key_alias: 'broke-key', max_budget: 0 });
      const refusal = await failureOf(
        new OpenAI({ apiKey: broke.body.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'fake-openai-endpoint', messages }),
      );
      expect(refusal.status).toBe(400);

      ({ text, metrics } = await scrape(gateway));
    }, 120_000);

    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should serve LiteLLM names with LiteLLM types (counters with _total)', () => {
      for (const name of [
        'litellm_proxy_total_requests_metric_total',
        'litellm_proxy_failed_requests_metric_total',
        'litellm_requests_metric_total',
        'litellm_spend_metric_total',
        'litellm_input_tokens_total',
        'litellm_output_tokens_total',
        'litellm_total_tokens_total',
        'litellm_input_tokens_metric_total',
        'litellm_deployment_success_responses_total',
        'litellm_deployment_failure_responses_total',
        'litellm_deployment_total_requests_total',
        'litellm_deployment_cooled_down_total',
        'litellm_deployment_successful_fallbacks_total',
        'litellm_deployment_failed_fallbacks_total',
      ]) {
        expect([name, metrics.types.get(name)]).toEqual([name, 'counter']);
      }
      for (const name of [
        'litellm_request_total_latency_metric',
        'litellm_llm_api_latency_metric',
        'litellm_llm_api_time_to_first_token_metric',
        'litellm_overhead_latency_metric',
        'litellm_deployment_latency_per_output_token',
      ]) {
        expect([name, metrics.types.get(name)]).toEqual([name, 'histogram']);
      }
      for (const name of [
        'litellm_deployment_state',
        'litellm_remaining_api_key_budget_metric',
        'litellm_remaining_team_budget_metric',
        'litellm_remaining_requests',
        'litellm_remaining_tokens_metric',
      ]) {
        expect([name, metrics.types.get(name)]).toEqual([name, 'gauge']);
      }
    });

    it('should count requests by status, and failures with the exception class LiteLLM names', () => {
      const ours = { hashed_api_key: keyHash, api_key_alias: 'prom-key', team: teamId, team_alias: 'prom-team', user: 'prom-user', user_email: 'prom-user@example.com' };
      expect(
        total(metrics, 'litellm_proxy_total_requests_metric_total', { ...ours, requested_model: 'fake-openai-endpoint', status_code: '200', route: '/v1/chat/completions' }),
      ).toBe(2);
      expect(total(metrics, 'litellm_proxy_total_requests_metric_total', { ...ours, requested_model: 'fake-azure-endpoint', status_code: '429' })).toBe(1);
      expect(
        total(metrics, 'litellm_proxy_failed_requests_metric_total', {
          ...ours,
          requested_model: 'fake-azure-endpoint',
          exception_status: '429',
          exception_class: 'Openai.RateLimitError',
        }),
      ).toBe(1);
      expect(
        total(metrics, 'litellm_proxy_failed_requests_metric_total', { api_key_alias: 'broke-key', exception_status: '400', exception_class: 'BudgetExceededError', team: 'None' }),
      ).toBe(1);
      expect(
        total(metrics, 'litellm_deployment_failure_responses_total', {
          litellm_model_name: '429',
          model_id: 'limited-1',
          api_provider: 'openai',
          api_base: mock.baseUrl,
          exception_class: 'Openai.RateLimitError',
        }),
      ).toBe(2);
      expect(total(metrics, 'litellm_deployment_success_responses_total', { model_id: 'fake-1', litellm_model_name: 'gpt-4o-mini', requested_model: 'fake-openai-endpoint' })).toBe(
        2,
      );
      expect(total(metrics, 'litellm_deployment_total_requests_total', { model_id: 'primary-1' })).toBe(2);
      expect(
        total(metrics, 'litellm_deployment_failure_by_tag_responses_total', {
          tag: 'teamB',
          model_id: 'limited-1',
          requested_model: 'fake-azure-endpoint',
          exception_class: 'Openai.RateLimitError',
        }),
      ).toBe(1);
    });

    it("should count spend and tokens equal to the ledger's rows", async () => {
      await gateway.app.get(SpendLedgerService).flush();
      const [row] = (await gateway.app
        .get(DataSource)
        .query('SELECT SUM(spend) AS spend, SUM(prompt_tokens) AS prompt, SUM(completion_tokens) AS completion, COUNT(*) AS calls FROM tollgate_spend_logs WHERE api_key = $1', [
          keyHash,
        ])) as {
        spend: string;
        prompt: string;
        completion: string;
        calls: string;
      }[];
      expect(Number(row.calls)).toBe(5);
      expect(total(metrics, 'litellm_spend_metric_total', { hashed_api_key: keyHash })).toBeCloseTo(Number(row.spend), 12);
      expect(total(metrics, 'litellm_input_tokens_total', { hashed_api_key: keyHash })).toBe(Number(row.prompt));
      expect(total(metrics, 'litellm_output_tokens_total', { hashed_api_key: keyHash })).toBe(Number(row.completion));
    });

    it("should report the key's per-model request and token windows", () => {
      const labels = { hashed_api_key: keyHash, api_key_alias: 'prom-key', model: 'fake-openai-endpoint' };
      expect(find(metrics, 'litellm_remaining_api_key_requests_for_model', labels)[0].value).toBe(98);
      expect(find(metrics, 'litellm_remaining_api_key_tokens_for_model', labels)[0].value).toBeLessThan(100000);
    });

    it('should count spend equal to the live spend, and tokens equal to the usage the client saw', async () => {
      const info = await api.get<{ info: { spend: number } }>(`/key/info?key=${encodeURIComponent(key)}`);
      expect(info.status).toBe(200);
      expect(info.body.info.spend).toBeGreaterThan(0);
      expect(total(metrics, 'litellm_spend_metric_total', { hashed_api_key: keyHash })).toBeCloseTo(info.body.info.spend, 12);
      expect(total(metrics, 'litellm_input_tokens_total', { hashed_api_key: keyHash })).toBe(usage.prompt);
      expect(total(metrics, 'litellm_output_tokens_total', { hashed_api_key: keyHash })).toBe(usage.completion);
      expect(total(metrics, 'litellm_total_tokens_total', { hashed_api_key: keyHash })).toBe(usage.prompt + usage.completion);
      expect(total(metrics, 'litellm_total_tokens_metric_total', { hashed_api_key: keyHash })).toBe(usage.prompt + usage.completion);
    });

    it('should report key and team budgets as /key/info says them, with hours to reset', async () => {
      const info = await api.get<{ info: { spend: number } }>(`/key/info?key=${encodeURIComponent(key)}`);
      const [remaining] = find(metrics, 'litellm_remaining_api_key_budget_metric', { hashed_api_key: keyHash, api_key_alias: 'prom-key' });
      expect(remaining.value).toBeCloseTo(10 - info.body.info.spend, 12);
      expect(find(metrics, 'litellm_api_key_max_budget_metric', { hashed_api_key: keyHash })[0].value).toBe(10);
      const hours = find(metrics, 'litellm_api_key_budget_remaining_hours_metric', { hashed_api_key: keyHash })[0].value;
      expect(hours).toBeGreaterThan(0);
      expect(hours).toBeLessThanOrEqual(168);
      const teamRemaining = find(metrics, 'litellm_remaining_team_budget_metric', { team: teamId, team_alias: 'prom-team' })[0].value;
      expect(teamRemaining).toBeLessThan(10);
      expect(find(metrics, 'litellm_team_max_budget_metric', { team: teamId })[0].value).toBe(10);
      expect(find(metrics, 'litellm_remaining_user_budget_metric', { user: 'prom-user' })[0].value).toBeCloseTo(20 - info.body.info.spend, 12);
    });

    it('should keep end users out of the labels unless asked for', () => {
      expect(text).not.toContain(END_USER);
      expect(find(metrics, 'litellm_proxy_total_requests_metric_total', { hashed_api_key: keyHash }).every((sample) => sample.labels.end_user === 'None')).toBe(true);
    });

    it("should bucket latencies with LiteLLM's LATENCY_BUCKETS", () => {
      for (const name of ['litellm_request_total_latency_metric', 'litellm_llm_api_latency_metric', 'litellm_overhead_latency_metric']) {
        const buckets = find(metrics, `${name}_bucket`, { hashed_api_key: keyHash });
        const les = [...new Set(buckets.map((sample) => sample.labels.le))].map((le) => (le === '+Inf' ? Infinity : Number(le)));
        expect([name, les.sort((a, b) => a - b)]).toEqual([name, [...LATENCY_BUCKETS, Infinity]]);
      }
      expect(total(metrics, 'litellm_llm_api_time_to_first_token_metric_count', { hashed_api_key: keyHash })).toBe(1);
      expect(total(metrics, 'litellm_request_total_latency_metric_count', { hashed_api_key: keyHash })).toBe(5);
    });

    it('should count fallbacks with the model fallen back to and the exception that caused them', () => {
      const labels = { requested_model: 'primary', hashed_api_key: keyHash, exception_status: '500', exception_class: 'Openai.InternalServerError' };
      expect(total(metrics, 'litellm_deployment_successful_fallbacks_total', { ...labels, fallback_model: 'backup' })).toBe(1);
      expect(total(metrics, 'litellm_deployment_failed_fallbacks_total', { ...labels, fallback_model: 'fake-azure-endpoint' })).toBe(1);
    });

    it('should report deployment state and cooldowns (allowed_fails: 1, so the second failure cools down)', () => {
      const primary = { litellm_model_name: '500', model_id: 'primary-1', api_provider: 'openai', api_base: mock.baseUrl };
      expect(find(metrics, 'litellm_deployment_state', primary)[0].value).toBe(2);
      expect(total(metrics, 'litellm_deployment_cooled_down_total', { ...primary, exception_status: '500' })).toBe(1);
      expect(find(metrics, 'litellm_deployment_state', { model_id: 'fake-1' })[0].value).toBe(0);
    });

    it("should relay the provider's x-ratelimit-remaining-* as gauges", () => {
      const labels = { model_group: 'fake-openai-endpoint', api_provider: 'openai', litellm_model_name: 'gpt-4o-mini', hashed_api_key: keyHash };
      for (const name of ['litellm_remaining_requests', 'litellm_remaining_requests_metric', 'litellm_remaining_tokens', 'litellm_remaining_tokens_metric']) {
        const [sample] = find(metrics, name, labels);
        expect([name, Number.isFinite(sample?.value)]).toEqual([name, true]);
      }
    });
  });

  describe('without prometheus in the callbacks', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(config(mock.baseUrl, '  drop_params: true'));
    });

    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should serve Tollgate's own series and no litellm_* series", async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'fake-openai-endpoint', messages });
      const { text, metrics } = await scrape(gateway);
      expect(metrics.types.get('tollgate_http_requests_total')).toBe('counter');
      expect(text).not.toMatch(/^litellm_/m);
      expect(text).not.toContain('# TYPE litellm_');
    });
  });

  describe('with end users opted in (enable_end_user_cost_tracking_prometheus_only)', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(config(mock.baseUrl, '  callbacks: ["prometheus"]\n  enable_end_user_cost_tracking_prometheus_only: true'));
    });

    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should label the end user, and the master key's calls as LiteLLM does (its hash, default_user_id)", async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'fake-openai-endpoint', messages, user: END_USER });
      const { metrics } = await scrape(gateway);
      const labels = { end_user: END_USER, hashed_api_key: sha256(MASTER_KEY), user: 'default_user_id', api_key_alias: 'None', team: 'None' };
      expect(total(metrics, 'litellm_proxy_total_requests_metric_total', { ...labels, status_code: '200' })).toBe(1);
      expect(total(metrics, 'litellm_requests_metric_total', { ...labels, model: 'gpt-4o-mini' })).toBe(1);
    });
  });

  describe('with prometheus_metrics_config and a series cap', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(
        config(
          mock.baseUrl,
          `  callbacks: ["prometheus"]
  prometheus_max_series_per_metric: 2
  prometheus_metrics_config:
    - group: proxy
      metrics: [litellm_proxy_total_requests_metric, litellm_deployment_success_responses]
      include_labels: [requested_model, status_code, model_id]`,
        ),
      );
    });

    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should serve only the configured metrics with only the included labels, and count the series it dropped', async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await client.chat.completions.create({ model: 'fake-openai-endpoint', messages });
      await client.chat.completions.create({ model: 'backup', messages });
      await failureOf(client.chat.completions.create({ model: 'fake-azure-endpoint', messages }));
      await client.chat.completions.create({ model: 'fake-openai-endpoint', messages });
      const { metrics } = await scrape(gateway);
      const requests = find(metrics, 'litellm_proxy_total_requests_metric_total');
      expect(requests.map((sample) => sample.labels)).toEqual([
        { requested_model: 'fake-openai-endpoint', status_code: '200' },
        { requested_model: 'backup', status_code: '200' },
      ]);
      expect(total(metrics, 'litellm_proxy_total_requests_metric_total', { requested_model: 'fake-openai-endpoint' })).toBe(2);
      const successes = find(metrics, 'litellm_deployment_success_responses_total');
      expect(successes).toHaveLength(2);
      for (const sample of successes) expect(Object.keys(sample.labels).sort()).toEqual(['model_id', 'requested_model']);
      expect(metrics.types.has('litellm_spend_metric_total')).toBe(false);
      expect(metrics.types.has('litellm_request_total_latency_metric')).toBe(false);
      expect(total(metrics, 'tollgate_metric_series_dropped_total', { metric: 'litellm_proxy_total_requests_metric_total' })).toBe(1);
    });
  });
});
