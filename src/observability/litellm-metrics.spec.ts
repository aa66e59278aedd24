import type { PrometheusSettings, TollgateConfig } from '../config/config.types';
import type { Deployment } from '../routing/deployment';
import { UpstreamError } from '../routing/routing.errors';
import { InMemoryLiveSpend } from '../spend/testing/in-memory-live-spend';
import type { SettledCall } from './call-observer';
import { exceptionLabels, LitellmMetrics } from './litellm-metrics';

const deployment: Deployment = {
  id: 'dep-1',
  modelName: 'gpt-group',
  provider: 'openai',
  upstreamModel: 'gpt-4o-mini',
  apiBase: 'https://api.example.test/v1',
  timeoutMs: 1000,
  streamTimeoutMs: 1000,
  mode: 'chat',
  params: { model: 'openai/gpt-4o-mini' },
};

function metricsWith(prometheus: Partial<PrometheusSettings>, live = new InMemoryLiveSpend()): LitellmMetrics {
  const settings: PrometheusSettings = { enabled: true, emitEndUser: false, maxSeriesPerMetric: 10_000, metricsConfig: null, ...prometheus };
  return new LitellmMetrics({ prometheus: settings } as TollgateConfig, live.service);
}

function aCall(overrides: Partial<SettledCall> = {}): SettledCall {
  return {
    callId: 'call-1',
    route: '/v1/chat/completions',
    requestedModel: 'gpt-group',
    deployment,
    parties: { apiKeyHash: 'hash-1', keyAlias: 'alias-1', userId: 'u1', userEmail: null, teamId: 't1', teamAlias: null, endUserId: 'customer-9' },
    status: 200,
    failure: null,
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    cost: 0.25,
    streaming: false,
    totalMs: 120,
    upstreamMs: 100,
    timeToFirstTokenMs: null,
    attempts: [{ deployment, durationMs: 100, cooledDown: false }],
    fallbacks: [],
    responseHeaders: {},
    tags: [],
    budgets: [],
    ...overrides,
  };
}

describe('LitellmMetrics', () => {
  it('should serve nothing of LiteLLM when the prometheus callback is off', async () => {
    const metrics = metricsWith({ enabled: false });
    expect(metrics.active).toBe(false);
    metrics.settled(aCall());
    expect(await metrics.scrape()).not.toContain('litellm_');
  });

  it('should label every missing value None and the end user only when enabled', async () => {
    const off = metricsWith({});
    off.settled(aCall());
    const text = await off.scrape();
    expect(text).toContain('team_alias="None"');
    expect(text).not.toContain('customer-9');
    const on = metricsWith({ emitEndUser: true });
    on.settled(aCall());
    expect(await on.scrape()).toContain('end_user="customer-9"');
  });

  it('should drop label sets past the cap and count them per metric', async () => {
    const metrics = metricsWith({ maxSeriesPerMetric: 2 });
    for (const model of ['a', 'b', 'c', 'a']) metrics.settled(aCall({ requestedModel: model }));
    const json = await metrics.registry.getMetricsAsJSON();
    const requests = json.find((metric) => metric.name === 'litellm_proxy_total_requests_metric_total')!;
    expect(requests.values.map((value) => [value.labels.requested_model, value.value])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    const dropped = json.find((metric) => metric.name === 'tollgate_metric_series_dropped_total')!;
    expect(dropped.values.find((value) => value.labels.metric === 'litellm_proxy_total_requests_metric_total')?.value).toBe(1);
  });

  it('should keep only the metrics and labels prometheus_metrics_config names', async () => {
    const metrics = metricsWith({ metricsConfig: [{ group: 'g', metrics: ['litellm_spend_metric'], includeLabels: ['team', 'model'] }] });
    metrics.settled(aCall());
    const json = await metrics.registry.getMetricsAsJSON();
    expect(json.map((metric) => metric.name).sort()).toEqual(['litellm_spend_metric_total', 'tollgate_metric_series_dropped_total']);
    expect(json[1].values[0]).toMatchObject({ labels: { team: 't1', model: 'gpt-4o-mini' }, value: 0.25 });
  });

  it('should read remaining budgets from the live spend at scrape time', async () => {
    const live = new InMemoryLiveSpend();
    const metrics = metricsWith({}, live);
    metrics.settled(aCall({ budgets: [{ kind: 'key', account: 'key:k1', max: 10, windowMs: null }] }));
    await live.charge('key:k1', 2.5);
    const text = await metrics.scrape();
    expect(text).toContain('litellm_remaining_api_key_budget_metric{hashed_api_key="hash-1",api_key_alias="alias-1"} 7.5');
    expect(text).toContain('litellm_api_key_max_budget_metric{hashed_api_key="hash-1",api_key_alias="alias-1"} 10');
  });

  it("should name a provider's failure as LiteLLM does, and the proxy's own by its class", () => {
    expect(exceptionLabels(new UpstreamError('rate_limited', 429, 'OpenAI', 'slow down'), deployment)).toEqual({
      exception_status: '429',
      exception_class: 'Openai.RateLimitError',
    });
    expect(exceptionLabels(new UpstreamError('upstream', 500, 'Anthropic', 'boom'), { ...deployment, provider: 'anthropic', customLlmProvider: 'anthropic' })).toEqual({
      exception_status: '500',
      exception_class: 'Anthropic.InternalServerError',
    });
  });
});
