import type { LitellmSettingsDto } from './config.schema';
import type { DocsSettings, OtelSettings, PrometheusMetricsGroup, PrometheusSettings } from './config.types';

type Env = Record<string, string | undefined>;

/** Series per metric before new label sets are dropped (and counted): a runaway label cannot exhaust memory. */
export const DEFAULT_MAX_SERIES_PER_METRIC = 10_000;

const present = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** LiteLLM reads its boolean env flags as Python does `os.getenv(X) == "True"`; `true` and `1` are accepted too. */
function envFlag(value: string | undefined): boolean {
  const text = present(value)?.toLowerCase();
  return text === 'true' || text === '1' || text === 'yes';
}

/**
 * LiteLLM's Prometheus integration: on when `prometheus` is among `callbacks`, `success_callback` or
 * `failure_callback`. End users are labelled only when asked for (`enable_end_user_cost_tracking_prometheus_only`,
 * LiteLLM's later opt-in, or Tollgate's `prometheus_emit_end_user`) and never when end-user tracking is disabled:
 * a label per end user is both a privacy leak and an unbounded series count.
 */
export function readPrometheusSettings(litellm: LitellmSettingsDto, problems: string[]): PrometheusSettings {
  const named = [litellm.callbacks, litellm.success_callback, litellm.failure_callback].some((list) => Array.isArray(list) && list.includes('prometheus'));
  const optIn = litellm.enable_end_user_cost_tracking_prometheus_only === true || litellm.prometheus_emit_end_user === true;
  const optOut = litellm.disable_end_user_cost_tracking === true || litellm.disable_end_user_cost_tracking_prometheus_only === true;
  let maxSeriesPerMetric = DEFAULT_MAX_SERIES_PER_METRIC;
  const cap = litellm.prometheus_max_series_per_metric;
  if (cap !== undefined && cap !== null) {
    if (typeof cap === 'number' && Number.isInteger(cap) && cap > 0) maxSeriesPerMetric = cap;
    else problems.push('litellm_settings.prometheus_max_series_per_metric: must be a positive integer');
  }
  return { enabled: named, emitEndUser: optIn && !optOut, maxSeriesPerMetric, metricsConfig: readMetricsConfig(litellm.prometheus_metrics_config, problems) };
}

/** `prometheus_metrics_config: [{group, metrics: [...], include_labels: [...]}]`, LiteLLM's filter. */
function readMetricsConfig(value: unknown, problems: string[]): PrometheusMetricsGroup[] | null {
  if (value === undefined || value === null) return null;
  const path = 'litellm_settings.prometheus_metrics_config';
  if (!Array.isArray(value)) {
    problems.push(`${path}: must be a list of {group, metrics, include_labels}`);
    return null;
  }
  const groups: PrometheusMetricsGroup[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `${path}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at}: must be a mapping with group, metrics and include_labels`);
      return;
    }
    const { group, metrics, include_labels: labels } = entry as Record<string, unknown>;
    if (!isStringList(metrics) || metrics.length === 0) {
      problems.push(`${at}.metrics: must be a non-empty list of metric names`);
      return;
    }
    if (labels !== undefined && labels !== null && !isStringList(labels)) {
      problems.push(`${at}.include_labels: must be a list of label names`);
      return;
    }
    groups.push({ group: typeof group === 'string' ? group : `group-${index}`, metrics, includeLabels: isStringList(labels) ? labels : null });
  });
  return groups;
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * OpenTelemetry traces: on when `otel` is among the callbacks. The endpoint is OpenTelemetry's
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is), LiteLLM's `OTEL_ENDPOINT` (as is), or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; headers from `OTEL_EXPORTER_OTLP_TRACES_HEADERS`,
 * `OTEL_EXPORTER_OTLP_HEADERS` or LiteLLM's `OTEL_HEADERS` (`name=value,name=value`). Only OTLP over HTTP is
 * spoken: LiteLLM's `OTEL_EXPORTER=otlp_grpc` is refused with a clear message. Message content goes into spans only
 * with `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`, and never with `turn_off_message_logging`.
 */
export function readOtelSettings(litellm: LitellmSettingsDto, env: Env, problems: string[]): OtelSettings | undefined {
  const named = [litellm.callbacks, litellm.success_callback, litellm.failure_callback].some((list) => Array.isArray(list) && list.includes('otel'));
  if (!named) return undefined;
  const exporter = present(env.OTEL_EXPORTER)?.toLowerCase();
  if (exporter !== undefined && exporter !== 'otlp_http' && exporter !== 'otlp' && exporter !== 'http/protobuf' && exporter !== 'http/json') {
    problems.push(`OTEL_EXPORTER: '${exporter}' is not supported; Tollgate exports traces over OTLP/HTTP (otlp_http, port 4318)`);
  }
  const base = present(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const endpoint =
    present(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? present(env.OTEL_ENDPOINT) ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : 'http://localhost:4318/v1/traces');
  if (!/^https?:\/\//i.test(endpoint)) problems.push('OTEL_EXPORTER_OTLP_ENDPOINT: the traces endpoint must be an http(s) URL');
  const headers: Record<string, string> = {};
  const headerText = present(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) ?? present(env.OTEL_EXPORTER_OTLP_HEADERS) ?? present(env.OTEL_HEADERS);
  for (const pair of headerText?.split(',') ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      problems.push('OTEL_EXPORTER_OTLP_HEADERS: must be name=value pairs separated by commas');
      break;
    }
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return {
    endpoint,
    headers,
    serviceName: present(env.OTEL_SERVICE_NAME) ?? 'tollgate',
    captureMessageContent: envFlag(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) && litellm.turn_off_message_logging !== true,
  };
}

/** LiteLLM's structured logs: `litellm_settings.json_logs: true`, or its `JSON_LOGS=True` environment switch. */
export function readJsonLogs(litellm: LitellmSettingsDto, env: Env): boolean {
  return litellm.json_logs === true || envFlag(env.JSON_LOGS);
}

/** The docs as Tollgate brands them when the environment says nothing. */
export const DEFAULT_DOCS: Readonly<DocsSettings> = Object.freeze({
  title: 'Tollgate',
  description: 'Enterprise LLM gateway: OpenAI-compatible API, virtual keys, budgets, spend and audit.',
  filtered: false,
  url: '/docs',
  enabled: true,
});

/**
 * LiteLLM's Swagger branding from the environment: `DOCS_TITLE`, `DOCS_DESCRIPTION`, `DOCS_FILTERED` (only the
 * OpenAI-compatible routes in the document), `DOCS_URL` (where the Swagger UI lives; Tollgate's default `/docs`,
 * since `/` redirects there), `NO_DOCS` (no Swagger UI nor document at all) and `ROOT_REDIRECT_URL` (where `/` sends
 * browsers instead).
 */
export function readDocsSettings(env: Env, problems: string[]): DocsSettings {
  let url = present(env.DOCS_URL) ?? DEFAULT_DOCS.url;
  if (!url.startsWith('/')) url = `/${url}`;
  url = url.replace(/\/+$/, '');
  if (url === '' || url === '/openapi.json' || url === '/openapi.yaml') {
    problems.push(`DOCS_URL: ${present(env.DOCS_URL) ?? ''} cannot serve the Swagger UI (\`/\` redirects to it; the documents have their own paths)`);
    url = DEFAULT_DOCS.url;
  }
  const rootRedirectUrl = present(env.ROOT_REDIRECT_URL);
  if (rootRedirectUrl !== undefined && !/^(\/(?!\/)|https?:\/\/)/.test(rootRedirectUrl)) {
    problems.push(`ROOT_REDIRECT_URL: ${rootRedirectUrl} must be a path (/ui) or an http(s) URL`);
  }
  return {
    ...(rootRedirectUrl !== undefined ? { rootRedirectUrl } : {}),
    title: present(env.DOCS_TITLE) ?? DEFAULT_DOCS.title,
    description: present(env.DOCS_DESCRIPTION) ?? DEFAULT_DOCS.description,
    filtered: envFlag(env.DOCS_FILTERED),
    url,
    enabled: !envFlag(env.NO_DOCS),
  };
}
