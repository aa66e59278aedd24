/**
 * The resolved, validated shape of a LiteLLM-compatible `config.yaml` plus the environment.
 * Field names keep LiteLLM's snake_case so a config file maps onto these types one to one.
 * Values are already resolved: `os.environ/NAME` references are replaced by their values.
 */

export interface LitellmParams {
  /** `provider/model`, e.g. `openai/gpt-4o`, `azure/my-deployment`, `mock/demo`. */
  model: string;
  api_base?: string;
  api_key?: string;
  api_version?: string;
  organization?: string;
  /** Per-deployment limits used by routing. */
  rpm?: number;
  tpm?: number;
  /** Seconds. */
  timeout?: number;
  stream_timeout?: number;
  max_retries?: number;
  input_cost_per_token?: number;
  output_cost_per_token?: number;
  input_cost_per_second?: number;
  region_name?: string;
  tags?: string[];
  mock_response?: string;
  /** Any further provider parameter is passed through as given. */
  [extra: string]: unknown;
}

export interface ModelInfo {
  id?: string;
  mode?: 'chat' | 'completion' | 'embedding' | 'image_generation' | 'audio_transcription' | 'audio_speech' | 'rerank';
  base_model?: string;
  [extra: string]: unknown;
}

export interface ModelDeploymentConfig {
  model_name: string;
  litellm_params: LitellmParams;
  model_info?: ModelInfo;
}

export interface RouterSettings {
  routing_strategy?: string;
  num_retries?: number;
  timeout?: number;
  stream_timeout?: number;
  allowed_fails?: number;
  cooldown_time?: number;
  model_group_alias?: Record<string, string>;
  [extra: string]: unknown;
}

export interface LitellmSettings {
  callbacks?: string[];
  success_callback?: string[];
  failure_callback?: string[];
  store_audit_logs?: boolean;
  /** How long audit rows are kept (`90d`); unset keeps them forever. */
  audit_log_retention_period?: string;
  /** How often the audit retention job runs (`1d` by default). */
  audit_log_retention_interval?: string;
  max_budget?: number;
  budget_duration?: string;
  num_retries?: number;
  request_timeout?: number;
  drop_params?: boolean;
  /** The model groups the public model hub lists (`/public/model_hub`); none when unset. */
  public_model_groups?: string[];
  /** Links the hub shows beside its models (title → http(s) URL). */
  public_model_groups_links?: Record<string, string>;
  [extra: string]: unknown;
}

export interface GeneralSettings {
  master_key?: string;
  database_url?: string;
  database_connection_pool_limit?: number;
  database_connection_timeout?: number;
  /** Megabytes; floats accepted (LiteLLM's docs use 0.000000001). */
  max_request_size_mb?: number;
  /** Deepest nesting of arrays and objects a JSON body may have (Tollgate's; default 64). */
  max_json_depth?: number;
  max_response_size_mb?: number;
  public_routes?: string[];
  admin_only_routes?: string[];
  allowed_routes?: string[];
  allowed_ips?: string[];
  use_x_forwarded_for?: boolean;
  /** Proxies whose X-Forwarded-For is believed (Tollgate's; default loopback and private ranges). */
  trusted_proxies?: string[];
  enforced_params?: string[];
  block_robots?: boolean;
  /** Serve the model hub page (`/ui/model_hub_table`) without a key. */
  enable_public_model_hub?: boolean;
  max_parallel_requests?: number;
  global_max_parallel_requests?: number;
  litellm_key_header_name?: string;
  /** Admin UI sessions end after this long unused (`30m`, or seconds); default 30 minutes. */
  ui_session_idle_timeout?: string | number;
  /** Admin UI sessions end this long after login (`12h`, or seconds); default 12 hours. */
  ui_session_max_age?: string | number;
  /** Routes forwarded as they are to a fixed target, with server-side headers. */
  pass_through_endpoints?: PassThroughEndpoint[];
  key_management_system?: KeyManagementSystem;
  key_management_settings?: KeyManagementSettings;
  enable_jwt_auth?: boolean;
  /** Let requests carry `api_base` / `api_key` (LiteLLM's flag; keys can be allowed one by one too). */
  allow_client_side_credentials?: boolean;
  /** Where deployments may connect (Tollgate's); checked at every dial. Default: anywhere but cloud metadata. */
  egress_policy?: EgressPolicySettings;
  litellm_jwtauth?: {
    admin_jwt_scope?: string;
    team_id_jwt_field?: string;
    user_id_jwt_field?: string;
    end_user_id_jwt_field?: string;
    public_key_ttl?: number;
    admin_allowed_routes?: string[];
    team_allowed_routes?: string[];
    /** Accept JWTs without an `exp` claim (default false: such a token is refused, as LiteLLM does). */
    allow_tokens_without_exp?: boolean;
  };
  /** Keep no per-call rows (counters are still kept, exactly once per call). */
  disable_spend_logs?: boolean;
  /** Spend rows older than this are pruned (`30d`); unset keeps them forever. */
  maximum_spend_logs_retention_period?: string;
  /** Key of the audit log's HMAC chain (never stored in the database); `TOLLGATE_AUDIT_HMAC_KEY` also works. */
  audit_log_hmac_key?: string;
  /** How often the pruning job runs (default `1d`). */
  maximum_spend_logs_retention_interval?: string;
  /** How long stored Responses API responses stay readable and continuable (default `30d`, as OpenAI keeps them). */
  responses_retention_period?: string;
  /** Third-party guardrail packages Tollgate may load by name (Tollgate's own guardrails are always allowed). */
  guardrail_packages?: string[];
  [extra: string]: unknown;
}

/** `general_settings.egress_policy` (Tollgate's). */
export interface EgressPolicySettings {
  /** When non-empty, the only hosts (`api.openai.com`, `*.openai.azure.com`), IPs and CIDRs deployments may reach. */
  allow?: string[];
  /** Hosts, IPs and CIDRs deployments may never reach; wins over `allow`. */
  deny?: string[];
  /** Let deployments reach cloud metadata endpoints (169.254.169.254, fd00:ec2::254, metadata.google.internal …). */
  allow_metadata?: boolean;
}

/** `general_settings.key_management_system` (LiteLLM's names). */
export type KeyManagementSystem = 'aws_kms' | 'aws_secret_manager' | 'google_kms' | 'google_secret_manager' | 'azure_key_vault' | 'hashicorp_vault' | 'local';

/** `general_settings.key_management_settings` (LiteLLM's names); read by src/secrets. */
export interface KeyManagementSettings {
  /** Only these env names are read from the manager; every other `os.environ/NAME` comes from the environment. */
  hosted_keys?: string[];
  /** Write each generated virtual key into the manager. */
  store_virtual_keys?: boolean;
  /** Name prefix of stored virtual keys (default `litellm/`). */
  prefix_for_stored_virtual_keys?: string;
  access_mode?: 'read_only' | 'write_only' | 'read_and_write';
  /** One JSON secret holding many `NAME: value` pairs. */
  primary_secret_name?: string;
  [extra: string]: unknown;
}

export interface PassThroughEndpoint {
  /** Where clients call it, e.g. `/v1/rerank`. */
  path: string;
  /** Where Tollgate sends it (operator config; never taken from a request). */
  target: string;
  /** Added server-side (provider secrets); `litellm_user_api_key` names the header carrying the caller's key. */
  headers?: Record<string, string>;
  /** Forward the caller's own headers too (never its key). */
  forward_headers?: boolean;
  /** Require a Tollgate key (virtual key, master key or JWT). */
  auth?: boolean;
  /** Also serve `path/…`, appended to the target. */
  include_subpath?: boolean;
}

export interface GuardrailConfigEntry {
  guardrail_name: string;
  litellm_params: { guardrail: string; mode?: string | string[]; [extra: string]: unknown };
  [extra: string]: unknown;
}

export interface TollgateConfigFile {
  model_list: ModelDeploymentConfig[];
  router_settings: RouterSettings;
  litellm_settings: LitellmSettings;
  general_settings: GeneralSettings;
  environment_variables: Record<string, string>;
  guardrails: GuardrailConfigEntry[];
}

/** Everything the app needs at boot: the file plus the environment-derived settings. */
export interface TollgateConfig extends TollgateConfigFile {
  /** Absolute path of the file read, or undefined when started without one. */
  configPath?: string;
  /** Effective master key: `general_settings.master_key`, else `LITELLM_MASTER_KEY` / `TOLLGATE_MASTER_KEY`. */
  masterKey?: string;
  /** Effective database URL: `DATABASE_URL`, else `general_settings.database_url`; undefined → the embedded PostgreSQL server. */
  databaseUrl?: string;
  /** Directory for the embedded PostgreSQL cluster and local journals (`TOLLGATE_DATA_DIR`, default `./.tollgate`). */
  dataDir: string;
  /** The spend ledger's in-memory bound (`TOLLGATE_SPEND_BUFFER_ROWS`); beyond it rows wait only in the journal. */
  spendLedger: { maxQueuedRows: number };
  /** JWT verification settings from the environment (`JWT_PUBLIC_KEY_URL`, `JWT_AUDIENCE`, `JWT_ISSUER`). */
  jwt: { publicKeyUrl?: string; audience?: string; issuer?: string };
  /**
   * AWS credentials and region from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
   * `AWS_REGION_NAME` / `AWS_REGION` / `AWS_DEFAULT_REGION`), the defaults of Bedrock and SageMaker deployments that
   * name none of their own.
   */
  awsDefaults: { aws_access_key_id?: string; aws_secret_access_key?: string; aws_session_token?: string; aws_region_name?: string };
  /** Values of the environment variables guardrail plugins may default to (src/config/guardrail-env.ts). */
  guardrailEnv?: Readonly<Record<string, string>>;
  /**
   * The provider variables of the environment that are set (`GROQ_API_KEY`, `VERTEXAI_PROJECT`, …; the list is
   * `PROVIDER_ENV_NAMES`), by name: the defaults of deployments that name no key, base URL or project of their own.
   */
  providerEnv?: Readonly<Record<string, string>>;
  /** Key that encrypts credentials of models stored with `/model/new` (`LITELLM_SALT_KEY` / `TOLLGATE_SALT_KEY`). */
  saltKey?: string;
  /**
   * State shared by every instance: where Redis is (router_settings.redis_*, litellm_settings.cache_params,
   * REDIS_* env), and what happens when it cannot be reached. No Redis: one instance, counting in memory.
   */
  sharedState: SharedStateSettings;
  /** The response cache (`litellm_settings.cache: true` + `cache_params`); undefined when it is off. */
  responseCache?: ResponseCacheSettings;
  /** LiteLLM's Prometheus metric set (`callbacks: ["prometheus"]`); absent means off (configs built in tests). */
  prometheus?: PrometheusSettings;
  /** Swagger branding from the environment (`DOCS_TITLE` …); absent means Tollgate's defaults. */
  docs?: DocsSettings;
  /** Logging callbacks (`generic_api`, `langfuse`); absent means no payload leaves. */
  loggingCallbacks?: LoggingCallbackSettings;
  /** OpenTelemetry traces (`callbacks: ["otel"]`); absent means none are made. */
  otel?: OtelSettings;
  /** Mails (`alerting: ["email"]` with an SMTP server); absent means none are sent. */
  email?: EmailSettings;
  /** One JSON object per log line (`litellm_settings.json_logs: true` or `JSON_LOGS=True`); absent means text. */
  jsonLogs?: boolean;
  /** LiteLLM's alerting (`general_settings.alerting`); absent means off (configs built in tests). */
  alerting?: AlertingSettings;
  /** Admin UI login (`UI_USERNAME` / `UI_PASSWORD`) and session timeouts; absent means the defaults (configs built in tests). */
  uiLogin?: UiLoginSettings;
  /** Non-fatal findings (unknown keys …) to log at boot. */
  warnings: string[];
  /** The configured secret manager (src/secrets), when `key_management_system` names one. */
  secretManager?: ConfiguredSecretManager;
  /**
   * This config's file with runtime settings in place of the file's fields, resolved and validated as at boot.
   * @throws ConfigError naming every invalid field
   */
  withOverrides?: (overrides: SettingsOverrides) => TollgateConfig;
  /**
   * Reads the config file again (`SIGHUP`), with runtime settings over it, validated as at boot.
   * @throws ConfigError when the file cannot be read or any value is invalid
   */
  reloadFile?: (overrides: SettingsOverrides) => TollgateConfig;
}

/**
 * The live side of `key_management_system`, built by src/secrets while loading: manager-held values in the
 * config are read through its cache, which it refreshes in the background once started.
 */
export interface ConfiguredSecretManager {
  readonly system: KeyManagementSystem;
  /** Starts the background refresh of the values the config holds. */
  start(): Promise<void>;
  /** Writes a newly generated virtual key when `store_virtual_keys` is on (resolves to false when it is off). */
  storeVirtualKey(keyName: string, key: string): Promise<boolean>;
  /** Stops refreshing and releases the client's connections. */
  close(): Promise<void>;
}

/** How to reach a Redis server, a Sentinel-managed primary or a Redis Cluster (ioredis' options, LiteLLM's names in). */
export interface RedisSettings {
  /** `redis://` or `rediss://` (TLS). */
  url?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  db?: number;
  /** TLS to the server; `rejectUnauthorized: false` only with `ssl_cert_reqs: none`. */
  tls?: { rejectUnauthorized: boolean; servername?: string };
  /** Sentinel: the sentinels and the primary's name (`service_name`). */
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  sentinelPassword?: string;
  /** Redis Cluster: its startup nodes (`redis_startup_nodes`, `REDIS_CLUSTER_NODES`). */
  clusterNodes?: { host: string; port: number }[];
  /** Where these settings came from, for the boot log (never a password). */
  source: string;
}

export type RedisFailureMode = 'fail_closed' | 'fail_open';

export interface SharedStateSettings {
  /** Undefined: no Redis, the gateway counts in memory and is meant to run as one instance. */
  redis?: RedisSettings;
  /**
   * `general_settings.redis_failure_mode` (Tollgate's): with Redis unreachable, calls are refused (fail_closed,
   * the default) or admitted without limits and budget checks (fail_open), counted in a metric either way.
   */
  failureMode: RedisFailureMode;
  /** How long a parallel slot or a budget reservation outlives an instance that died holding it (`redis_lease_seconds`). */
  leaseMs: number;
  /** Prefix of every Redis key Tollgate writes (`redis_key_prefix`, default `tollgate:`). */
  keyPrefix: string;
  /** A Redis command that takes longer fails (the server is treated as down): `redis_command_timeout_ms`. */
  commandTimeoutMs: number;
}

/** `litellm_settings.cache: true` with its `cache_params`. */
export interface ResponseCacheSettings {
  /** `local` (this instance's memory) or `redis` (shared by every instance). */
  type: 'local' | 'redis';
  /** Default time to live of an entry, seconds (`ttl`). */
  ttlSeconds: number;
  /** LiteLLM call types whose replies are cached (`acompletion`, `atext_completion`, `aembedding`, `arerank`). */
  supportedCallTypes: readonly string[];
  /** `default_on` caches every eligible call; `default_off` only those that ask with `cache: {use-cache: true}`. */
  mode: 'default_on' | 'default_off';
  /** Prefix of cache keys (`namespace`); a request's own `cache.namespace` replaces it. */
  namespace: string | null;
  /** Most entries the local cache keeps. */
  maxEntries: number;
  /** For `redis`: cache_params' own server, else the shared-state Redis. */
  redis?: RedisSettings;
}

/** LiteLLM's Prometheus metrics (`litellm_*`); Tollgate's own `tollgate_*` series are always on. */
export interface PrometheusSettings {
  /** `prometheus` is among `callbacks`, `success_callback` or `failure_callback`. */
  enabled: boolean;
  /** Label end users by id (else `end_user="None"`). */
  emitEndUser: boolean;
  /** `litellm_settings.prometheus_max_series_per_metric` (Tollgate's): label sets kept per metric, beyond which new ones are dropped. */
  maxSeriesPerMetric: number;
  /** `prometheus_metrics_config`: null serves every metric with all its labels. */
  metricsConfig: PrometheusMetricsGroup[] | null;
}

/** One `prometheus_metrics_config` entry: these metrics, with only these labels (all when null). */
export interface PrometheusMetricsGroup {
  group: string;
  metrics: string[];
  includeLabels: string[] | null;
}

/** The Swagger UI and OpenAPI document as LiteLLM's environment brands them. */
export type LoggingSinkTrigger = 'success' | 'failure';

/** One logging destination and the calls it gets. */
export type LoggingSinkSettings =
  | { readonly kind: 'generic_api'; readonly on: readonly LoggingSinkTrigger[]; readonly endpoint: string; readonly headers: Readonly<Record<string, string>> }
  | { readonly kind: 'langfuse'; readonly on: readonly LoggingSinkTrigger[]; readonly host: string; readonly publicKey: string; readonly secretKey: string }
  | {
      readonly kind: 's3';
      readonly on: readonly LoggingSinkTrigger[];
      readonly bucket: string;
      readonly region: string;
      /** An S3-compatible store (MinIO, Ceph, R2 …); path-style addressing. */
      readonly endpoint?: string;
      /** Object key prefix (`s3_path`), without slashes at its ends. */
      readonly path: string;
      /** Absent: the AWS SDK's default chain (instance role, profile …). */
      readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
      readonly useTeamPrefix: boolean;
      readonly useKeyPrefix: boolean;
    }
  | {
      readonly kind: 'gcs_bucket';
      readonly on: readonly LoggingSinkTrigger[];
      readonly bucket: string;
      /** The service account key file (`GCS_PATH_SERVICE_ACCOUNT`); absent: Application Default Credentials. */
      readonly keyFile?: string;
      /** Object name prefix (`GCS_PATH`), without slashes at its ends. */
      readonly path: string;
      /** `STORAGE_EMULATOR_HOST` (an emulator or a private endpoint); Google's API otherwise. */
      readonly apiBase: string;
    };

export interface LoggingCallbackSettings {
  readonly sinks: readonly LoggingSinkSettings[];
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueued: number;
  /** `turn_off_message_logging`: payloads carry no messages and no response. */
  readonly redactMessages: boolean;
  /** `redact_user_api_key_info`: payloads carry no key hash, alias, user, team or organisation. */
  readonly redactKeyInfo: boolean;
  readonly langfuseDefaultTags: readonly string[];
}

/** Where traces go (OTLP over HTTP) and what they may carry. */
export interface OtelSettings {
  /** The OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  /** `OTEL_SERVICE_NAME`, `tollgate` by default. */
  readonly serviceName: string;
  /** Prompts and replies as span events (`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`). */
  readonly captureMessageContent: boolean;
}

/** Where and how Tollgate sends mail (src/config/email-settings.ts reads it from LiteLLM's environment). */
export interface EmailSettings {
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly username?: string;
    readonly password?: string;
    /** Require STARTTLS (`SMTP_TLS`, default true); port 465 speaks TLS from the start instead. */
    readonly startTls: boolean;
  };
  /** `SMTP_SENDER_EMAIL`: the From address. */
  readonly sender: string;
  /** The product name mails carry (`DOCS_TITLE`, else Tollgate). */
  readonly brand: string;
  readonly logoUrl?: string;
  readonly supportContact?: string;
  /** `PROXY_BASE_URL`: what the mails tell clients to call. */
  readonly baseUrl: string;
  /** `EMAIL_INCLUDE_API_KEY` (default true, as LiteLLM): the new key's secret is in the mail. */
  readonly includeApiKey: boolean;
}

export interface DocsSettings {
  title: string;
  description: string;
  /** `DOCS_FILTERED`: the document lists only the OpenAI-compatible LLM routes. */
  filtered: boolean;
  /** `DOCS_URL`: where the Swagger UI is served (`/docs`). */
  url: string;
  /** False with `NO_DOCS=True`. */
  enabled: boolean;
  /** `ROOT_REDIRECT_URL`: where `/` sends browsers instead of the docs (a path or an http(s) URL). */
  rootRedirectUrl?: string;
}

/** The alert types Tollgate builds, by LiteLLM's `AlertType` names. */
export type BuiltAlertType =
  'budget_alerts' | 'cooldown_deployment' | 'new_virtual_key_created' | 'new_internal_user_created' | 'llm_too_slow' | 'llm_requests_hanging' | 'outage_alerts' | 'spend_reports';

/**
 * `general_settings.alerting` and its companions, resolved: where each alert type goes and which are on. An
 * alert type with no destination is simply not sent.
 */
/** Admin UI login (`/v2/login`, `/login`) and the sessions it opens. */
export interface UiLoginSettings {
  /** `UI_USERNAME`, LiteLLM's default `admin`. */
  readonly username: string;
  /** `UI_PASSWORD`, else the master key (LiteLLM's default); undefined: nobody logs in as the UI admin. */
  readonly password?: string;
  /** `general_settings.ui_session_idle_timeout` (default 30 minutes): a session unused this long ends. */
  readonly idleTimeoutMs: number;
  /** `general_settings.ui_session_max_age` (default 12 hours): a session ends this long after login, used or not. */
  readonly maxAgeMs: number;
}

export interface AlertingSettings {
  /** True when any channel has a destination and any built alert type is on. */
  readonly enabled: boolean;
  readonly types: readonly BuiltAlertType[];
  /** Slack incoming-webhook URLs per alert type (`alert_to_webhook_url`, else `SLACK_WEBHOOK_URL`); empty: none. */
  readonly slack: Readonly<Record<BuiltAlertType, readonly string[]>>;
  /** The generic webhook (`WEBHOOK_URL`), which receives LiteLLM's WebhookEvent JSON; null: none. */
  readonly webhookUrl: string | null;
  /** `alerting: ["email"]`: budget alerts are mailed to the key's or user's `user_email` (src/email). */
  readonly email: boolean;
  /** Percentages of a max budget that alert once per budget window (Tollgate's `budget_alert_thresholds`). */
  readonly budgetThresholds: readonly number[];
  /** `alerting_threshold` (seconds): a successful call slower than this sends `llm_too_slow`; one unanswered this long, `llm_requests_hanging`. */
  readonly slowRequestSeconds: number;
  /** `spend_reports`: how often the spend summary goes out (LiteLLM's `spend_report_frequency`, ms) and to whom by mail. */
  readonly spendReport: { readonly intervalMs: number; readonly emails: readonly string[] };
  /** `max(router_settings.cooldown_time, 60 s)` (ms): at most one cooldown or slow alert per deployment in it. */
  readonly cooldownAlertIntervalMs: number;
  /**
   * `general_settings.alerting_args` (LiteLLM's): a deployment with `minor` (then `major`) provider errors within
   * `ttlMs` of its first one sends a minor (then major) `outage_alerts`.
   */
  readonly outage: { readonly ttlMs: number; readonly minor: number; readonly major: number };
}

/** Runtime settings (src/settings) stored over the file: section → field → value, as a config file would hold it. */
export interface SettingsOverrides {
  router_settings?: Record<string, unknown>;
  litellm_settings?: Record<string, unknown>;
  general_settings?: Record<string, unknown>;
}
