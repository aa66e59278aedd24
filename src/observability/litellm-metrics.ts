import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { renderError } from '../common/http/error-envelope';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { PrometheusMetricsGroup, PrometheusSettings, TollgateConfig } from '../config/config.types';
import { DEFAULT_MAX_SERIES_PER_METRIC } from '../config/observability-settings';
import type { Deployment } from '../routing/deployment';
import { UpstreamError } from '../routing/routing.errors';
import { LiveSpendService } from '../spend/live-spend.service';
import type { CallObserver, SettledCall, SettledCallBudget } from './call-observer';

/** LiteLLM's `LATENCY_BUCKETS` (seconds), which its tests assert on the latency histograms. */
export const LATENCY_BUCKETS = [
  0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 15, 20, 25, 30, 60, 120, 180, 240, 300,
];
/** Python prometheus_client's default buckets, which LiteLLM's histograms without their own use. */
export const PYTHON_DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** LiteLLM renders a missing label value as Python's `None`; dashboards filter on that string. */
const NONE = 'None';
export const SERIES_DROPPED = 'tollgate_metric_series_dropped_total';

const ENTITY = ['end_user', 'hashed_api_key', 'api_key_alias', 'model', 'team', 'team_alias', 'user', 'user_email'] as const;
const PROXY = ['end_user', 'hashed_api_key', 'api_key_alias', 'requested_model', 'team', 'team_alias', 'user', 'user_email', 'route'] as const;
const DEPLOYMENT = ['litellm_model_name', 'model_id', 'api_base', 'api_provider'] as const;
const DEPLOYMENT_CALLER = [...DEPLOYMENT, 'requested_model', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias'] as const;
const EXCEPTION = ['exception_status', 'exception_class'] as const;
const UPSTREAM_LIMIT = ['model_group', 'api_provider', 'api_base', 'litellm_model_name', 'hashed_api_key', 'api_key_alias'] as const;

type Kind = 'counter' | 'gauge' | 'histogram';

interface MetricSpec {
  /** LiteLLM's name, as `prometheus_metrics_config` names it (counters are scraped with `_total` appended). */
  readonly name: string;
  readonly kind: Kind;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

/**
 * LiteLLM's metric set (reference §5), names, types, labels and buckets as LiteLLM exposes them. Where LiteLLM
 * builds differ on a name both are served: the token counters with and without `_metric`, the upstream
 * remaining-requests/tokens gauges with and without it.
 */
export const LITELLM_METRICS: readonly MetricSpec[] = [
  { name: 'litellm_proxy_total_requests_metric', kind: 'counter', help: 'Total requests to the proxy, by status code', labels: [...PROXY, 'status_code'] },
  { name: 'litellm_proxy_failed_requests_metric', kind: 'counter', help: 'Requests the proxy answered with an error', labels: [...PROXY, ...EXCEPTION] },
  { name: 'litellm_requests_metric', kind: 'counter', help: 'LLM calls (deprecated: use litellm_proxy_total_requests_metric)', labels: ENTITY },
  {
    name: 'litellm_llm_api_failed_requests_metric',
    kind: 'counter',
    help: 'Failed LLM API calls (deprecated: use litellm_proxy_failed_requests_metric)',
    labels: ENTITY.filter((l) => l !== 'user_email'),
  },
  { name: 'litellm_spend_metric', kind: 'counter', help: 'Spend on LLM calls (USD)', labels: ENTITY },
  { name: 'litellm_total_tokens', kind: 'counter', help: 'Input + output tokens of LLM calls', labels: [...ENTITY, 'requested_model'] },
  { name: 'litellm_input_tokens', kind: 'counter', help: 'Input (prompt) tokens of LLM calls', labels: [...ENTITY, 'requested_model'] },
  { name: 'litellm_output_tokens', kind: 'counter', help: 'Output (completion) tokens of LLM calls', labels: [...ENTITY, 'requested_model'] },
  { name: 'litellm_total_tokens_metric', kind: 'counter', help: 'Input + output tokens of LLM calls', labels: [...ENTITY, 'requested_model'] },
  { name: 'litellm_input_tokens_metric', kind: 'counter', help: 'Input (prompt) tokens of LLM calls', labels: [...ENTITY, 'requested_model'] },
  { name: 'litellm_output_tokens_metric', kind: 'counter', help: 'Output (completion) tokens of LLM calls', labels: [...ENTITY, 'requested_model'] },
  {
    name: 'litellm_request_total_latency_metric',
    kind: 'histogram',
    help: 'Total latency (seconds) of a request to the proxy',
    labels: ['end_user', 'hashed_api_key', 'api_key_alias', 'requested_model', 'team', 'team_alias', 'user', 'model'],
    buckets: LATENCY_BUCKETS,
  },
  {
    name: 'litellm_llm_api_latency_metric',
    kind: 'histogram',
    help: 'Latency (seconds) of the LLM API calls of a request',
    labels: ['model', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias', 'requested_model', 'end_user', 'user'],
    buckets: LATENCY_BUCKETS,
  },
  {
    name: 'litellm_llm_api_time_to_first_token_metric',
    kind: 'histogram',
    help: 'Time to the first token (seconds) of a streamed LLM API call',
    labels: ['model', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias', 'requested_model', 'end_user', 'user'],
    buckets: LATENCY_BUCKETS,
  },
  { name: 'litellm_overhead_latency_metric', kind: 'histogram', help: 'Latency (seconds) the proxy added to a request', labels: UPSTREAM_LIMIT, buckets: LATENCY_BUCKETS },
  { name: 'litellm_remaining_team_budget_metric', kind: 'gauge', help: 'Budget left for a team (USD)', labels: ['team', 'team_alias'] },
  { name: 'litellm_team_max_budget_metric', kind: 'gauge', help: 'Maximum budget of a team (USD)', labels: ['team', 'team_alias'] },
  { name: 'litellm_team_budget_remaining_hours_metric', kind: 'gauge', help: 'Hours until a team budget resets', labels: ['team', 'team_alias'] },
  { name: 'litellm_remaining_api_key_budget_metric', kind: 'gauge', help: 'Budget left for a key (USD)', labels: ['hashed_api_key', 'api_key_alias'] },
  { name: 'litellm_api_key_max_budget_metric', kind: 'gauge', help: 'Maximum budget of a key (USD)', labels: ['hashed_api_key', 'api_key_alias'] },
  { name: 'litellm_api_key_budget_remaining_hours_metric', kind: 'gauge', help: 'Hours until a key budget resets', labels: ['hashed_api_key', 'api_key_alias'] },
  { name: 'litellm_remaining_user_budget_metric', kind: 'gauge', help: 'Budget left for an internal user (USD)', labels: ['user'] },
  { name: 'litellm_user_max_budget_metric', kind: 'gauge', help: 'Maximum budget of an internal user (USD)', labels: ['user'] },
  { name: 'litellm_user_budget_remaining_hours_metric', kind: 'gauge', help: 'Hours until an internal user budget resets', labels: ['user'] },
  {
    name: 'litellm_remaining_api_key_requests_for_model',
    kind: 'gauge',
    help: 'Requests a key has left this minute for a model (model_rpm_limit)',
    labels: ['hashed_api_key', 'api_key_alias', 'model'],
  },
  {
    name: 'litellm_remaining_api_key_tokens_for_model',
    kind: 'gauge',
    help: 'Tokens a key has left this minute for a model (model_tpm_limit)',
    labels: ['hashed_api_key', 'api_key_alias', 'model'],
  },
  { name: 'litellm_remaining_requests', kind: 'gauge', help: 'Requests left at the provider (x-ratelimit-remaining-requests)', labels: UPSTREAM_LIMIT },
  { name: 'litellm_remaining_tokens', kind: 'gauge', help: 'Tokens left at the provider (x-ratelimit-remaining-tokens)', labels: UPSTREAM_LIMIT },
  { name: 'litellm_remaining_requests_metric', kind: 'gauge', help: 'Requests left at the provider (x-ratelimit-remaining-requests)', labels: UPSTREAM_LIMIT },
  { name: 'litellm_remaining_tokens_metric', kind: 'gauge', help: 'Tokens left at the provider (x-ratelimit-remaining-tokens)', labels: UPSTREAM_LIMIT },
  { name: 'litellm_deployment_state', kind: 'gauge', help: 'Deployment state: 0 healthy, 1 partial outage, 2 complete outage', labels: DEPLOYMENT },
  { name: 'litellm_deployment_success_responses', kind: 'counter', help: 'Successful LLM API calls of a deployment', labels: DEPLOYMENT_CALLER },
  { name: 'litellm_deployment_failure_responses', kind: 'counter', help: 'Failed LLM API calls of a deployment', labels: [...DEPLOYMENT_CALLER, ...EXCEPTION] },
  { name: 'litellm_deployment_total_requests', kind: 'counter', help: 'LLM API calls of a deployment, success + failure', labels: DEPLOYMENT_CALLER },
  {
    name: 'litellm_deployment_failure_by_tag_responses',
    kind: 'counter',
    help: 'Failed LLM API calls of a deployment, by request tag',
    labels: ['requested_model', 'tag', ...DEPLOYMENT, ...EXCEPTION],
  },
  { name: 'litellm_deployment_cooled_down', kind: 'counter', help: 'Times a deployment was cooled down by the router', labels: [...DEPLOYMENT, 'exception_status'] },
  {
    name: 'litellm_deployment_latency_per_output_token',
    kind: 'histogram',
    help: 'Latency (seconds) per output token of a deployment',
    labels: [...DEPLOYMENT, 'hashed_api_key', 'api_key_alias', 'team', 'team_alias'],
    buckets: PYTHON_DEFAULT_BUCKETS,
  },
  {
    name: 'litellm_deployment_successful_fallbacks',
    kind: 'counter',
    help: 'Fallbacks that served a request',
    labels: ['requested_model', 'fallback_model', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias', ...EXCEPTION],
  },
  {
    name: 'litellm_deployment_failed_fallbacks',
    kind: 'counter',
    help: 'Fallbacks that failed too',
    labels: ['requested_model', 'fallback_model', 'hashed_api_key', 'api_key_alias', 'team', 'team_alias', ...EXCEPTION],
  },
];

/** The name a metric is scraped under: Python's client appends `_total` to counters, and LiteLLM's users match on that. */
export function exposedName(spec: Pick<MetricSpec, 'name' | 'kind'>): string {
  return spec.kind === 'counter' ? `${spec.name}_total` : spec.name;
}

type LabelValues = Record<string, string>;

/**
 * One metric with a bound on its label sets: past `cap` distinct sets a new one is dropped (and counted in
 * tollgate_metric_series_dropped_total) rather than letting a runaway label (end users, aliases) grow memory and
 * every scrape without limit. Known sets keep updating. O(labels) per update: a string key and a Set lookup.
 */
class BoundedMetric {
  /** The label sets recorded so far, by their key: a known set is reused, not rebuilt, on every update. */
  private readonly series = new Map<string, LabelValues>();

  constructor(
    readonly spec: MetricSpec,
    private readonly metric: Counter | Gauge | Histogram,
    private readonly labelNames: readonly string[],
    private readonly cap: number,
    private readonly dropped: Counter<'metric'>,
  ) {}

  /** The labels of this metric from every label the call has; undefined when a new set is over the cap. */
  private pick(values: LabelValues): LabelValues | undefined {
    let key = '';
    for (const name of this.labelNames) key += `${values[name] ?? NONE}\u0000`;
    const known = this.series.get(key);
    if (known) return known;
    if (this.series.size >= this.cap) {
      this.dropped.inc({ metric: exposedName(this.spec) });
      return undefined;
    }
    const picked: LabelValues = {};
    for (const name of this.labelNames) picked[name] = values[name] ?? NONE;
    this.series.set(key, picked);
    return picked;
  }

  inc(values: LabelValues, by = 1): void {
    const labels = this.pick(values);
    if (labels) (this.metric as Counter).inc(labels, by);
  }

  set(values: LabelValues, value: number): void {
    const labels = this.pick(values);
    if (labels) (this.metric as Gauge).set(labels, value);
  }

  observe(values: LabelValues, value: number): void {
    const labels = this.pick(values);
    if (labels) (this.metric as Histogram).observe(labels, value);
  }

  /** Admits the label set without recording, for gauges filled at scrape time; false when over the cap. */
  admit(values: LabelValues): boolean {
    return this.pick(values) !== undefined;
  }
}

/** Which metrics `prometheus_metrics_config` keeps, and with which labels (undefined: not served). */
function selectedLabels(spec: MetricSpec, groups: readonly PrometheusMetricsGroup[] | null): readonly string[] | undefined {
  if (groups === null) return spec.labels;
  const naming = groups.filter((group) => group.metrics.some((name) => name === spec.name || name === exposedName(spec)));
  if (naming.length === 0) return undefined;
  if (naming.some((group) => group.includeLabels === null)) return spec.labels;
  const wanted = new Set(naming.flatMap((group) => group.includeLabels ?? []));
  return spec.labels.filter((label) => wanted.has(label));
}

interface TrackedBudget extends SettledCallBudget {
  readonly labels: LabelValues;
}

/**
 * LiteLLM's Prometheus metrics, fed by the call pipeline once per settled call (CallObserver) and served on
 * /metrics next to Tollgate's own. Each app has its own registry: the set is on only where the config names
 * `prometheus`, and an app without it exposes no litellm_* series at all. Remaining budgets are read from the
 * live spend at scrape time, so they equal what /key/info and /team/info say, and no call waits for them.
 */
@Injectable()
export class LitellmMetrics implements CallObserver {
  readonly registry = new Registry();
  readonly settings: PrometheusSettings;
  private readonly metrics = new Map<string, BoundedMetric>();
  private readonly budgets = new Map<string, TrackedBudget>();

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly liveSpend: LiveSpendService,
  ) {
    this.settings = config.prometheus ?? { enabled: false, emitEndUser: false, maxSeriesPerMetric: DEFAULT_MAX_SERIES_PER_METRIC, metricsConfig: null };
    const dropped = new Counter({
      name: SERIES_DROPPED,
      help: 'Label sets not recorded because their metric already had prometheus_max_series_per_metric of them',
      labelNames: ['metric'],
      registers: [this.registry],
    });
    if (!this.settings.enabled) return;
    for (const spec of LITELLM_METRICS) {
      const labelNames = selectedLabels(spec, this.settings.metricsConfig);
      if (!labelNames) continue;
      const options = { name: exposedName(spec), help: spec.help, labelNames: [...labelNames], registers: [this.registry] };
      const metric =
        spec.kind === 'counter'
          ? new Counter(options)
          : spec.kind === 'histogram'
            ? new Histogram({ ...options, buckets: [...(spec.buckets ?? PYTHON_DEFAULT_BUCKETS)] })
            : new Gauge(this.isBudgetGauge(spec.name) ? { ...options, collect: () => this.collectBudgets() } : options);
      this.metrics.set(spec.name, new BoundedMetric(spec, metric, labelNames, this.settings.maxSeriesPerMetric, dropped));
    }
  }

  /** Prometheus text of this app's registry (Tollgate's own series are in the default registry). */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get active(): boolean {
    return this.settings.enabled;
  }

  settled(call: SettledCall): void {
    if (!this.settings.enabled) return;
    try {
      this.record(call);
    } catch {
      // Metrics never fail a call; a bad label value is dropped with its update.
    }
  }

  private record(call: SettledCall): void {
    const { parties, deployment } = call;
    const failure = call.failure ?? null;
    const exception = failure === null ? undefined : exceptionLabels(failure, lastFailedDeployment(call) ?? deployment);
    const caller: LabelValues = {
      end_user: this.settings.emitEndUser && parties.endUserId ? parties.endUserId : NONE,
      hashed_api_key: parties.apiKeyHash ?? NONE,
      api_key_alias: parties.keyAlias ?? NONE,
      team: parties.teamId ?? NONE,
      team_alias: parties.teamAlias ?? NONE,
      user: parties.userId ?? NONE,
      user_email: parties.userEmail ?? NONE,
      requested_model: call.requestedModel || NONE,
      route: call.route ?? NONE,
    };
    // One object of one shape with every label of the call: spreading five objects into one per call cost more
    // than all the metric updates it fed.
    const labels: LabelValues = {
      ...caller,
      litellm_model_name: deployment?.upstreamModel ?? NONE,
      model_id: deployment?.id ?? NONE,
      api_base: deployment ? (deployment.apiBase ?? NONE) : NONE,
      api_provider: deployment ? (deployment.customLlmProvider ?? deployment.provider) : NONE,
      model_group: deployment?.modelName ?? NONE,
      model: deployment?.upstreamModel ?? NONE,
      status_code: String(call.status),
      exception_status: exception?.exception_status ?? NONE,
      exception_class: exception?.exception_class ?? NONE,
    };

    this.inc('litellm_proxy_total_requests_metric', labels);
    if (failure !== null) {
      this.inc('litellm_proxy_failed_requests_metric', labels);
      if (call.attempts.length > 0) this.inc('litellm_llm_api_failed_requests_metric', labels);
    } else {
      this.inc('litellm_requests_metric', labels);
    }
    if (call.cost > 0) this.inc('litellm_spend_metric', labels, call.cost);
    if (call.usage) {
      const input = call.usage.prompt_tokens ?? 0;
      const output = call.usage.completion_tokens ?? 0;
      const total = call.usage.total_tokens ?? input + output;
      for (const [name, value] of [
        ['litellm_input_tokens', input],
        ['litellm_output_tokens', output],
        ['litellm_total_tokens', total],
      ] as const) {
        if (value > 0) {
          this.inc(name, labels, value);
          this.inc(`${name}_metric`, labels, value);
        }
      }
    }
    this.metric('litellm_request_total_latency_metric')?.observe(labels, call.totalMs / 1000);
    if (call.upstreamMs !== null) {
      this.metric('litellm_llm_api_latency_metric')?.observe(labels, call.upstreamMs / 1000);
      this.metric('litellm_overhead_latency_metric')?.observe(labels, Math.max(0, call.totalMs - call.upstreamMs) / 1000);
    }
    if (call.streaming && call.timeToFirstTokenMs !== null) this.metric('litellm_llm_api_time_to_first_token_metric')?.observe(labels, call.timeToFirstTokenMs / 1000);

    this.recordAttempts(call, caller, labels);
    this.recordFallbacks(call, caller, exception);
    this.recordLimits(call, labels);
    for (const budget of call.budgets) this.trackBudget(budget, caller);
  }

  /** Per-deployment counts and state, one per upstream attempt (a retried call counts each try). */
  private recordAttempts(call: SettledCall, caller: LabelValues, callLabels: LabelValues): void {
    for (const attempt of call.attempts) {
      // The deployment metrics read the caller and deployment labels only: the call's own object serves the
      // attempt that went to the call's deployment (nearly every call has just that one).
      const labels: LabelValues = attempt.deployment === call.deployment ? callLabels : { ...caller, ...deploymentLabels(attempt.deployment) };
      this.inc('litellm_deployment_total_requests', labels);
      if (attempt.failure === undefined) {
        this.inc('litellm_deployment_success_responses', labels);
        this.metric('litellm_deployment_state')?.set(labels, 0);
        continue;
      }
      const exception = exceptionLabels(attempt.failure, attempt.deployment);
      this.inc('litellm_deployment_failure_responses', { ...labels, ...exception });
      for (const tag of call.tags) this.inc('litellm_deployment_failure_by_tag_responses', { ...labels, ...exception, tag });
      // LiteLLM: a failed call marks a partial outage, a cooldown a complete one, the next success healthy again.
      this.metric('litellm_deployment_state')?.set(labels, attempt.cooledDown ? 2 : 1);
      if (attempt.cooledDown) this.inc('litellm_deployment_cooled_down', { ...labels, ...exception });
    }
    const served = call.failure === null || call.failure === undefined ? call.attempts.at(-1) : undefined;
    const output = call.usage?.completion_tokens ?? 0;
    if (served && call.upstreamMs !== null && output > 0) {
      const labels = served.deployment === call.deployment ? callLabels : { ...caller, ...deploymentLabels(served.deployment) };
      this.metric('litellm_deployment_latency_per_output_token')?.observe(labels, call.upstreamMs / 1000 / output);
    }
  }

  /** LiteLLM labels fallbacks with the exception that caused them: the first failure of the call. */
  private recordFallbacks(call: SettledCall, caller: LabelValues, callException: LabelValues | undefined): void {
    if (call.fallbacks.length === 0) return;
    const first = call.attempts.find((attempt) => attempt.failure !== undefined);
    const exception = first ? exceptionLabels(first.failure, first.deployment) : (callException ?? {});
    for (const fallback of call.fallbacks) {
      const labels = { ...caller, ...exception, fallback_model: fallback.model };
      this.inc(fallback.succeeded ? 'litellm_deployment_successful_fallbacks' : 'litellm_deployment_failed_fallbacks', labels);
    }
  }

  /** The provider's `x-ratelimit-remaining-*` (relayed as `llm_provider-…`) and the key's per-model windows. */
  private recordLimits(call: SettledCall, labels: LabelValues): void {
    const headers = call.responseHeaders;
    const requests = numberOf(headers['llm_provider-x-ratelimit-remaining-requests']);
    const tokens = numberOf(headers['llm_provider-x-ratelimit-remaining-tokens']);
    if (requests !== undefined) {
      this.metric('litellm_remaining_requests')?.set(labels, requests);
      this.metric('litellm_remaining_requests_metric')?.set(labels, requests);
    }
    if (tokens !== undefined) {
      this.metric('litellm_remaining_tokens')?.set(labels, tokens);
      this.metric('litellm_remaining_tokens_metric')?.set(labels, tokens);
    }
    const model = call.deployment?.modelName ?? call.requestedModel;
    const keyRequests = numberOf(headers[`x-litellm-key-remaining-requests-${model}`]);
    const keyTokens = numberOf(headers[`x-litellm-key-remaining-tokens-${model}`]);
    // `model` here is the model group the key's model_rpm_limit / model_tpm_limit name.
    if (keyRequests !== undefined) this.metric('litellm_remaining_api_key_requests_for_model')?.set({ ...labels, model }, keyRequests);
    if (keyTokens !== undefined) this.metric('litellm_remaining_api_key_tokens_for_model')?.set({ ...labels, model }, keyTokens);
  }

  /** Remembers a budget to report; its values are read from the live spend at scrape time. */
  private trackBudget(budget: SettledCallBudget, caller: LabelValues): void {
    const known = this.budgets.get(budget.account);
    if (known && known.max === budget.max && known.windowMs === budget.windowMs) return;
    const metric = this.metric(
      budget.kind === 'key' ? 'litellm_remaining_api_key_budget_metric' : budget.kind === 'team' ? 'litellm_remaining_team_budget_metric' : 'litellm_remaining_user_budget_metric',
    );
    const labels: LabelValues =
      budget.kind === 'key'
        ? { hashed_api_key: caller.hashed_api_key, api_key_alias: caller.api_key_alias }
        : budget.kind === 'team'
          ? { team: caller.team, team_alias: caller.team_alias }
          : { user: caller.user };
    if (!known && metric && !metric.admit(labels)) return;
    this.budgets.set(budget.account, { ...budget, labels });
  }

  private isBudgetGauge(name: string): boolean {
    return /^litellm_(remaining_(api_key|team|user)_budget|(api_key|team|user)_max_budget|(api_key|team|user)_budget_remaining_hours)_metric$/.test(name);
  }

  /** One batched read of every tracked budget per scrape; all nine budget gauges are set from it. */
  private collecting: Promise<void> | undefined;
  private collectBudgets(): Promise<void> {
    this.collecting ??= this.readBudgets().finally(() => {
      this.collecting = undefined;
    });
    return this.collecting;
  }

  private async readBudgets(): Promise<void> {
    const tracked = [...this.budgets.values()];
    if (tracked.length === 0) return;
    const readings = await this.liveSpend.of(tracked.map(({ account, windowMs }) => ({ account, windowMs })));
    const now = Date.now();
    tracked.forEach((budget, index) => {
      const reading = readings[index];
      const [remaining, max, hours] =
        budget.kind === 'key'
          ? ['litellm_remaining_api_key_budget_metric', 'litellm_api_key_max_budget_metric', 'litellm_api_key_budget_remaining_hours_metric']
          : budget.kind === 'team'
            ? ['litellm_remaining_team_budget_metric', 'litellm_team_max_budget_metric', 'litellm_team_budget_remaining_hours_metric']
            : ['litellm_remaining_user_budget_metric', 'litellm_user_max_budget_metric', 'litellm_user_budget_remaining_hours_metric'];
      // LiteLLM reports an unlimited budget as +Inf remaining and sets no maximum.
      this.gauge(remaining)?.set(budget.labels, budget.max === null ? Number.POSITIVE_INFINITY : budget.max - reading.spend);
      if (budget.max !== null) this.gauge(max)?.set(budget.labels, budget.max);
      if (reading.resetAt !== null) this.gauge(hours)?.set(budget.labels, Math.max(0, (reading.resetAt - now) / 3_600_000));
    });
  }

  /** The raw gauge, for scrape-time values whose label sets were admitted when they were tracked. */
  private gauge(name: string): Gauge | undefined {
    const metric = this.registry.getSingleMetric(name);
    return metric instanceof Gauge ? metric : undefined;
  }

  private metric(name: string): BoundedMetric | undefined {
    return this.metrics.get(name);
  }

  private inc(name: string, labels: LabelValues, by = 1): void {
    this.metrics.get(name)?.inc(labels, by);
  }
}

function deploymentLabels(deployment: Deployment | null): LabelValues {
  if (!deployment) return {};
  return {
    litellm_model_name: deployment.upstreamModel,
    model_id: deployment.id,
    api_base: deployment.apiBase ?? NONE,
    api_provider: deployment.customLlmProvider ?? deployment.provider,
    model_group: deployment.modelName,
  };
}

function lastFailedDeployment(call: SettledCall): Deployment | undefined {
  for (let i = call.attempts.length - 1; i >= 0; i--) if (call.attempts[i].failure !== undefined) return call.attempts[i].deployment;
  return undefined;
}

/**
 * `exception_status` and LiteLLM's `exception_class`: `<Provider>.<OpenAI SDK class>` for a provider's failure
 * (`Openai.RateLimitError`, the provider capitalised as Python's str.capitalize() does), the error's own class
 * for the proxy's refusals (`BudgetExceededError`).
 */
export function exceptionLabels(failure: unknown, deployment: Deployment | null | undefined): LabelValues {
  const status = String(renderError(failure).status);
  if (failure instanceof UpstreamError) {
    const provider = deployment ? (deployment.customLlmProvider ?? deployment.provider) : failure.providerLabel;
    return { exception_status: status, exception_class: `${capitalize(provider)}.${failure.exceptionName}` };
  }
  return { exception_status: status, exception_class: failure instanceof Error ? failure.name : 'Exception' };
}

function capitalize(text: string): string {
  return text.length === 0 ? text : text[0].toUpperCase() + text.slice(1).toLowerCase();
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
