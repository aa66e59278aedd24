import { DEFAULT_DOCS, DEFAULT_MAX_SERIES_PER_METRIC, readDocsSettings, readJsonLogs, readOtelSettings, readPrometheusSettings } from './observability-settings';

describe('readPrometheusSettings', () => {
  it('should be on when any callback list names prometheus, with end users unlabelled by default', () => {
    for (const list of ['callbacks', 'success_callback', 'failure_callback']) {
      expect(readPrometheusSettings({ [list]: ['prometheus'] }, [])).toEqual({
        enabled: true,
        emitEndUser: false,
        maxSeriesPerMetric: DEFAULT_MAX_SERIES_PER_METRIC,
        metricsConfig: null,
      });
    }
    expect(readPrometheusSettings({ callbacks: ['otel'] }, []).enabled).toBe(false);
  });

  it('should label end users only when asked and end-user tracking is not disabled', () => {
    expect(readPrometheusSettings({ callbacks: ['prometheus'], enable_end_user_cost_tracking_prometheus_only: true }, []).emitEndUser).toBe(true);
    expect(readPrometheusSettings({ callbacks: ['prometheus'], prometheus_emit_end_user: true }, []).emitEndUser).toBe(true);
    expect(readPrometheusSettings({ callbacks: ['prometheus'], prometheus_emit_end_user: true, disable_end_user_cost_tracking: true }, []).emitEndUser).toBe(false);
  });

  it('should read prometheus_metrics_config and the series cap, naming each bad value', () => {
    const problems: string[] = [];
    const settings = readPrometheusSettings(
      {
        prometheus_max_series_per_metric: 5,
        prometheus_metrics_config: [
          { group: 'g', metrics: ['litellm_spend_metric'], include_labels: ['team'] },
          { group: 'h', metrics: ['litellm_requests_metric'] },
        ],
      },
      problems,
    );
    expect(problems).toEqual([]);
    expect(settings.maxSeriesPerMetric).toBe(5);
    expect(settings.metricsConfig).toEqual([
      { group: 'g', metrics: ['litellm_spend_metric'], includeLabels: ['team'] },
      { group: 'h', metrics: ['litellm_requests_metric'], includeLabels: null },
    ]);
    readPrometheusSettings({ prometheus_max_series_per_metric: 0, prometheus_metrics_config: [{ group: 'g', metrics: [] }, 'x'] }, problems);
    expect(problems).toEqual([
      'litellm_settings.prometheus_max_series_per_metric: must be a positive integer',
      'litellm_settings.prometheus_metrics_config[0].metrics: must be a non-empty list of metric names',
      'litellm_settings.prometheus_metrics_config[1]: must be a mapping with group, metrics and include_labels',
    ]);
  });
});

describe('readDocsSettings', () => {
  it("should default to Tollgate's branding at /docs", () => {
    expect(readDocsSettings({}, [])).toEqual(DEFAULT_DOCS);
  });

  it("should read LiteLLM's variables, its True flags included", () => {
    expect(readDocsSettings({ DOCS_TITLE: 'Acme', DOCS_DESCRIPTION: 'Models', DOCS_FILTERED: 'True', DOCS_URL: 'api-docs/' }, [])).toEqual({
      title: 'Acme',
      description: 'Models',
      filtered: true,
      url: '/api-docs',
      enabled: true,
    });
    expect(readDocsSettings({ NO_DOCS: 'True', DOCS_FILTERED: 'False' }, [])).toMatchObject({ enabled: false, filtered: false });
  });

  it('should refuse a DOCS_URL that would take over the root or the documents, and a ROOT_REDIRECT_URL off the web', () => {
    const problems: string[] = [];
    readDocsSettings({ DOCS_URL: '/' }, problems);
    readDocsSettings({ DOCS_URL: '/openapi.json' }, problems);
    readDocsSettings({ ROOT_REDIRECT_URL: 'javascript:alert(1)' }, problems);
    readDocsSettings({ ROOT_REDIRECT_URL: '//evil.example' }, problems);
    expect(problems).toHaveLength(4);
    expect(readDocsSettings({ ROOT_REDIRECT_URL: '/ui' }, []).rootRedirectUrl).toBe('/ui');
    expect(readDocsSettings({ ROOT_REDIRECT_URL: 'https://portal.example.com' }, []).rootRedirectUrl).toBe('https://portal.example.com');
  });
});

describe('readJsonLogs', () => {
  it('should be on with litellm_settings.json_logs or a true JSON_LOGS, and off otherwise', () => {
    expect(readJsonLogs({ json_logs: true }, {})).toBe(true);
    for (const flag of ['True', 'true', '1', 'yes']) expect(readJsonLogs({}, { JSON_LOGS: flag })).toBe(true);
    expect(readJsonLogs({}, {})).toBe(false);
    expect(readJsonLogs({ json_logs: false }, { JSON_LOGS: 'False' })).toBe(false);
  });
});

describe('readOtelSettings', () => {
  it('should be off unless a callback list names otel', () => {
    expect(readOtelSettings({ callbacks: ['prometheus'] }, { OTEL_ENDPOINT: 'http://c:4318/v1/traces' }, [])).toBeUndefined();
  });

  it('should take the traces endpoint from OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_ENDPOINT, then OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces', () => {
    const on = { success_callback: ['otel'] };
    expect(readOtelSettings(on, {}, [])?.endpoint).toBe('http://localhost:4318/v1/traces');
    expect(readOtelSettings(on, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/' }, [])?.endpoint).toBe('https://collector:4318/v1/traces');
    expect(readOtelSettings(on, { OTEL_ENDPOINT: 'http://litellm-style:4318/v1/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }, [])?.endpoint).toBe(
      'http://litellm-style:4318/v1/traces',
    );
    expect(readOtelSettings(on, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://exact/path', OTEL_ENDPOINT: 'http://y' }, [])?.endpoint).toBe('http://exact/path');
  });

  it('should read headers and service name, capture content only when asked and never with turn_off_message_logging', () => {
    const settings = readOtelSettings(
      { callbacks: ['otel'] },
      { OTEL_HEADERS: 'api-key=a%3Db, x-team = core', OTEL_SERVICE_NAME: 'gw', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
      [],
    );
    expect(settings).toEqual({ endpoint: 'http://localhost:4318/v1/traces', headers: { 'api-key': 'a=b', 'x-team': 'core' }, serviceName: 'gw', captureMessageContent: true });
    expect(
      readOtelSettings({ callbacks: ['otel'], turn_off_message_logging: true }, { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }, [])?.captureMessageContent,
    ).toBe(false);
  });

  it('should refuse gRPC and malformed values, naming them', () => {
    const problems: string[] = [];
    readOtelSettings({ callbacks: ['otel'] }, { OTEL_EXPORTER: 'otlp_grpc', OTEL_ENDPOINT: 'collector:4317', OTEL_HEADERS: 'novalue' }, problems);
    expect(problems).toEqual([
      "OTEL_EXPORTER: 'otlp_grpc' is not supported; Tollgate exports traces over OTLP/HTTP (otlp_http, port 4318)",
      'OTEL_EXPORTER_OTLP_ENDPOINT: the traces endpoint must be an http(s) URL',
      'OTEL_EXPORTER_OTLP_HEADERS: must be name=value pairs separated by commas',
    ]);
  });
});
