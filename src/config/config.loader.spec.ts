import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from './config.errors';
import { loadConfig, previewSecretManager, type SecretReference } from './config.loader';

describe(loadConfig.name, () => {
  let dir: string;
  let fileCount = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-config-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConfig = (yaml: string): string => {
    const path = join(dir, `config-${++fileCount}.yaml`);
    writeFileSync(path, yaml);
    return path;
  };

  const sut = (yaml: string, env: NodeJS.ProcessEnv = {}) => loadConfig({ configPath: writeConfig(yaml), env });

  /** Runs `load` expecting a ConfigError and returns it, so tests can assert on message and problems. */
  const configErrorOf = (load: () => unknown): ConfigError => {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return error as ConfigError;
    }
    throw new Error('expected a ConfigError');
  };

  it('should load a full LiteLLM-style config', () => {
    const config = sut(
      `
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-openai-literal
      rpm: 100
      tpm: 50000
      temperature: 0.2
    model_info:
      id: openai-1
  - model_name: gpt-4o
    litellm_params:
      model: azure/my-deployment
      api_base: https://example.openai.azure.com/
      api_key: azure-literal
      api_version: "2024-02-01"
      timeout: 30
      tags: [teamA]
    model_info:
      base_model: azure/gpt-4o
      supports_vision: true
  - model_name: gpt-4o-bare
    litellm_params:
      model: gpt-4o
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 3
  allowed_fails: 3
  cooldown_time: 5
  fallbacks: [{"gpt-4o": ["gpt-4o-bare"]}]
  model_group_alias: {"gpt-4": "gpt-4o"}
litellm_settings:
  callbacks: ["hide_secrets", "prometheus"]
  success_callback: ["langfuse"]
  store_audit_logs: true
  max_budget: 100
  budget_duration: 30d
  drop_params: True
general_settings:
  master_key: sk-1234
  database_url: postgresql://tollgate@db:5432/tollgate
  max_request_size_mb: 0.000000001
  public_routes: ["LiteLLMRoutes.public_routes", "/spend/calculate"]
  allowed_ips: ["127.0.0.1"]
  block_robots: true
guardrails:
  - guardrail_name: no-secrets
    litellm_params:
      guardrail: hide-secrets
      mode: [pre_call, post_call]
      default_on: true
`,
      { TOLLGATE_DATA_DIR: '/var/lib/tollgate', LANGFUSE_PUBLIC_KEY: 'pk-lf', LANGFUSE_SECRET_KEY: 'sk-lf' },
    );

    expect(config.warnings).toEqual([]);
    expect(config.loggingCallbacks?.sinks).toEqual([{ kind: 'langfuse', on: ['success'], host: 'https://cloud.langfuse.com', publicKey: 'pk-lf', secretKey: 'sk-lf' }]);
    expect(config.model_list).toHaveLength(3);
    expect(config.model_list[0]).toEqual({
      model_name: 'gpt-4o',
      litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-openai-literal', rpm: 100, tpm: 50000, temperature: 0.2 },
      model_info: { id: 'openai-1' },
    });
    expect(config.model_list[1].model_info).toEqual({ base_model: 'azure/gpt-4o', supports_vision: true });
    expect(config.model_list[2].litellm_params.model).toBe('gpt-4o');
    expect(config.router_settings).toMatchObject({ routing_strategy: 'usage-based-routing-v2', model_group_alias: { 'gpt-4': 'gpt-4o' } });
    expect(config.litellm_settings).toMatchObject({ callbacks: ['hide_secrets', 'prometheus'], drop_params: true });
    expect(config.general_settings.max_request_size_mb).toBe(1e-9);
    expect(config.guardrails[0]).toEqual({
      guardrail_name: 'no-secrets',
      litellm_params: { guardrail: 'hide-secrets', mode: ['pre_call', 'post_call'], default_on: true },
    });
    expect(config.masterKey).toBe('sk-1234');
    expect(config.databaseUrl).toBe('postgresql://tollgate@db:5432/tollgate');
    expect(config.dataDir).toBe('/var/lib/tollgate');
    expect(config.configPath).toBe(resolve(dir, `config-${fileCount}.yaml`));
    expect(config.environment_variables).toEqual({});
  });

  it('should return an empty config when no path is given', () => {
    const config = loadConfig({ env: {} });

    expect(config).toEqual({
      model_list: [],
      router_settings: {},
      litellm_settings: {},
      general_settings: {},
      environment_variables: {},
      guardrails: [],
      configPath: undefined,
      masterKey: undefined,
      databaseUrl: undefined,
      dataDir: resolve('.tollgate'),
      spendLedger: { maxQueuedRows: 10_000 },
      jwt: { publicKeyUrl: undefined, audience: undefined, issuer: undefined },
      awsDefaults: {},
      guardrailEnv: {},
      providerEnv: {},
      sharedState: { redis: undefined, failureMode: 'fail_closed', leaseMs: 600_000, keyPrefix: 'tollgate:', commandTimeoutMs: 2_000 },
      responseCache: undefined,
      prometheus: { enabled: false, emitEndUser: false, maxSeriesPerMetric: 10_000, metricsConfig: null },
      docs: { title: 'Tollgate', description: expect.any(String), filtered: false, url: '/docs', enabled: true },
      jsonLogs: false,
      uiLogin: { username: 'admin', password: undefined, idleTimeoutMs: 1_800_000, maxAgeMs: 43_200_000 },
      warnings: [],
    });
  });

  it('should read the Admin UI login from UI_USERNAME / UI_PASSWORD and the session timeouts, and refuse a bad timeout', () => {
    const config = loadConfig({
      configPath: writeConfig('general_settings:\n  master_key: sk-m\n  ui_session_idle_timeout: 15m\n  ui_session_max_age: 3600\n'),
      env: { UI_USERNAME: 'ops', UI_PASSWORD: 'pw' },
    });
    expect(config.uiLogin).toEqual({ username: 'ops', password: 'pw', idleTimeoutMs: 900_000, maxAgeMs: 3_600_000 });
    expect(config.warnings).toEqual([]);
    expect(() => loadConfig({ configPath: writeConfig('general_settings:\n  ui_session_max_age: 0\n'), env: {} })).toThrow(
      /general_settings.ui_session_max_age: must be a positive duration such as 30m or 12h, or a number of seconds/,
    );
  });

  describe('Redis and the response cache', () => {
    it('should take Redis from router_settings first, then cache_params, then the REDIS_* environment', () => {
      const router = loadConfig({ configPath: writeConfig('router_settings:\n  redis_host: r1\n  redis_port: "6380"\n  redis_password: pw\n'), env: { REDIS_HOST: 'env' } });
      expect(router.sharedState.redis).toEqual({ host: 'r1', port: 6380, password: 'pw', source: 'router_settings.redis_host' });

      const params = loadConfig({
        configPath: writeConfig('litellm_settings:\n  cache: true\n  cache_params:\n    type: redis\n    url: rediss://:pw@cache:6390\n    ttl: 30\n'),
        env: { REDIS_HOST: 'env' },
      });
      expect(params.sharedState.redis).toMatchObject({ url: 'rediss://:pw@cache:6390', tls: { rejectUnauthorized: true }, source: 'litellm_settings.cache_params' });
      expect(params.responseCache).toMatchObject({ type: 'redis', ttlSeconds: 30, mode: 'default_on', redis: params.sharedState.redis });

      const env = loadConfig({ env: { REDIS_HOST: 'h', REDIS_PORT: '7000', REDIS_PASSWORD: 'p', REDIS_SSL: 'True' } });
      expect(env.sharedState.redis).toEqual({
        host: 'h',
        port: 7000,
        password: 'p',
        username: undefined,
        tls: { rejectUnauthorized: true },
        source: 'REDIS_* environment variables',
      });
      expect(loadConfig({ env: { REDIS_URL: 'redis://x:1' } }).sharedState.redis?.url).toBe('redis://x:1');
    });

    it("should read Sentinel and Cluster nodes in LiteLLM's shapes", () => {
      const cluster = loadConfig({ env: { REDIS_CLUSTER_NODES: '[{"host": "n1", "port": "7001"}, {"host": "n2", "port": 7002}]' } });
      expect(cluster.sharedState.redis?.clusterNodes).toEqual([
        { host: 'n1', port: 7001 },
        { host: 'n2', port: 7002 },
      ]);
      const sentinel = loadConfig({
        configPath: writeConfig('litellm_settings:\n  cache_params:\n    type: redis\n    service_name: primary\n    sentinel_nodes: [["s1", 26379]]\n    sentinel_password: sp\n'),
        env: {},
      });
      expect(sentinel.sharedState.redis).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], sentinelName: 'primary', sentinelPassword: 'sp' });
      expect(() => loadConfig({ env: { REDIS_CLUSTER_NODES: 'n1:7001' } })).toThrow(/REDIS_CLUSTER_NODES: must be a list of nodes/);
    });

    it("should read Tollgate's failure mode, lease and prefix, and refuse a URL that is not redis:// without quoting it", () => {
      const config = loadConfig({
        configPath: writeConfig('general_settings:\n  redis_failure_mode: fail_open\n  redis_lease_seconds: 2.5\n  redis_key_prefix: "tg-a:"\n'),
        env: {},
      });
      expect(config.sharedState).toMatchObject({ failureMode: 'fail_open', leaseMs: 2_500, keyPrefix: 'tg-a:' });
      expect(() => loadConfig({ configPath: writeConfig('general_settings:\n  redis_failure_mode: sometimes\n'), env: {} })).toThrow(
        /redis_failure_mode: must be one of: fail_closed, fail_open/,
      );
      let message = '';
      try {
        loadConfig({ env: { REDIS_URL: 'http://user:secret-pw@x' } });
      } catch (error) {
        message = (error as Error).message + JSON.stringify(error);
      }
      expect(message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
      expect(message).not.toContain('secret-pw');
    });

    it('should cache locally for types Tollgate does not serve, and need a Redis for a redis cache', () => {
      const s3 = loadConfig({
        configPath: writeConfig('litellm_settings:\n  cache: true\n  cache_params:\n    type: s3\n    supported_call_types: [completion, aembedding]\n'),
        env: {},
      });
      expect(s3.responseCache).toMatchObject({ type: 'local', supportedCallTypes: ['acompletion', 'aembedding'] });
      expect(s3.warnings.join('\n')).toMatch(/'s3' is not served by Tollgate/);
      expect(() => loadConfig({ configPath: writeConfig('litellm_settings:\n  cache: true\n'), env: {} })).toThrow(/a redis cache needs a Redis/);
    });
  });

  it('should refuse a TOLLGATE_SPEND_BUFFER_ROWS that is not a positive integer', () => {
    expect(() => loadConfig({ env: { TOLLGATE_SPEND_BUFFER_ROWS: '0' } })).toThrow(/TOLLGATE_SPEND_BUFFER_ROWS: must be a positive integer/);
    expect(loadConfig({ env: { TOLLGATE_SPEND_BUFFER_ROWS: '50' } }).spendLedger.maxQueuedRows).toBe(50);
  });

  it('should fall back to CONFIG_FILE_PATH and treat an empty file as an empty config', () => {
    const path = writeConfig('# nothing configured yet\n');

    const config = loadConfig({ env: { CONFIG_FILE_PATH: path } });

    expect(config.configPath).toBe(path);
    expect(config.model_list).toEqual([]);
  });

  it('should resolve os.environ references anywhere, including in lists and via environment_variables', () => {
    const env = { OPENAI_API_KEY: 'sk-from-env', ALLOWED_IP: '10.1.2.3', RPM: '250' };

    const config = sut(
      `
environment_variables:
  AZURE_API_BASE: https://corp.openai.azure.com
  REDIS_PORT: 6380
  COPIED_KEY: os.environ/OPENAI_API_KEY
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: os.environ/RPM
      extra_headers: {x-key: os.environ/COPIED_KEY}
  - model_name: azure
    litellm_params:
      model: azure/dep
      api_base: os.environ/AZURE_API_BASE
router_settings:
  redis_port: os.environ/REDIS_PORT
general_settings:
  allowed_ips: ["127.0.0.1", os.environ/ALLOWED_IP]
`,
      env,
    );

    expect(config.model_list[0].litellm_params).toEqual({
      model: 'openai/gpt-4o',
      api_key: 'sk-from-env',
      rpm: 250,
      extra_headers: { 'x-key': 'sk-from-env' },
    });
    expect(config.model_list[1].litellm_params.api_base).toBe('https://corp.openai.azure.com');
    expect(config.router_settings.redis_port).toBe(6380);
    expect(config.general_settings.allowed_ips).toEqual(['127.0.0.1', '10.1.2.3']);
    expect(config.environment_variables).toEqual({
      AZURE_API_BASE: 'https://corp.openai.azure.com',
      REDIS_PORT: '6380',
      COPIED_KEY: 'sk-from-env',
    });
    expect(env).toEqual({ OPENAI_API_KEY: 'sk-from-env', ALLOWED_IP: '10.1.2.3', RPM: '250' });
  });

  it('should name the key path of a reference to an unset variable', () => {
    const error = configErrorOf(() =>
      sut(`
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
guardrails:
  - guardrail_name: lakera
    litellm_params:
      guardrail: lakera
      api_key: os.environ/LAKERA_API_KEY
`),
    );

    expect(error.problems).toEqual([
      'model_list[0].litellm_params.api_key: environment variable OPENAI_API_KEY is not set',
      'guardrails[0].litellm_params.api_key: environment variable LAKERA_API_KEY is not set',
    ]);
  });

  it('should report an unset required value once, as unset rather than missing', () => {
    const error = configErrorOf(() =>
      sut(`
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: os.environ/MODEL
`),
    );

    expect(error.problems).toEqual(['model_list[0].litellm_params.model: environment variable MODEL is not set']);
  });

  it('should warn about unknown keys without failing, except inside litellm_params and model_info', () => {
    const config = sut(`
model_list:
  - model_name: m
    litellm_params: {model: mock/m, vertex_project: p, custom_llm_provider: openai}
    model_info: {supports_vision: true, anything: 1}
    weight: 2
router_settings:
  routng_strategy: least-busy
litellm_settings:
  made_up: 1
general_settings:
  foo: bar
include: [other.yaml]
finetune_settings: {}
`);

    expect(config.warnings).toEqual([
      'unknown key include (ignored)',
      'unknown key router_settings.routng_strategy (ignored)',
      'unknown key litellm_settings.made_up (ignored)',
      'unknown key general_settings.foo (ignored)',
      'unknown key model_list[0].weight (ignored)',
    ]);
  });

  it('should list every invalid key in one error', () => {
    const path = writeConfig(`
model_list:
  - model_name: ok
    litellm_params: {model: openai/gpt-4o}
  - model_name: bad
    litellm_params:
      model: openai/gpt-4o
      api_base: not a url
      rpm: -1
      timeout: 0
  - litellm_params: {model: openai/x}
  - just-a-string
router_settings:
  routing_strategy: fastest
litellm_settings:
  store_audit_logs: maybe
general_settings:
  max_request_size_mb: 0
  database_url: mysql://db/x
  public_routes: /health
guardrails:
  - guardrail_name: g
    litellm_params: {guardrail: lakera, mode: pre-call}
`);

    const error = configErrorOf(() => loadConfig({ configPath: path, env: {} }));

    expect(error.problems).toEqual(
      expect.arrayContaining([
        'model_list[1].litellm_params.api_base: must be an http(s) URL',
        'model_list[1].litellm_params.rpm: must be a whole number >= 0',
        'model_list[1].litellm_params.timeout: must be a positive number',
        'model_list[2].model_name: is required',
        'model_list[3]: must be a mapping',
        'router_settings.routing_strategy: must be one of: simple-shuffle, least-busy, usage-based-routing, usage-based-routing-v2, latency-based-routing, cost-based-routing',
        'litellm_settings.store_audit_logs: must be a boolean (true or false)',
        'general_settings.max_request_size_mb: must be a positive number',
        'general_settings.database_url: must be a postgres:// or postgresql:// URL',
        'general_settings.public_routes: must be a list of strings',
        'guardrails[0].litellm_params.mode: must be one of pre_call, during_call, post_call, logging_only, or a list of them',
      ]),
    );
    expect(error.problems).toHaveLength(11);
    expect(error.message).toBe(`Invalid configuration in ${path}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`);
    expect(error.name).toBe('ConfigError');
    expect(error.stack).not.toMatch(/\n\s+at /);
  });

  it('should coerce numbers and booleans given as strings', () => {
    const config = sut(`
model_list:
  - model_name: m
    litellm_params: {model: openai/m, rpm: "100", tpm: " 2000 ", timeout: "1.5", input_cost_per_token: "1e-6"}
router_settings:
  enable_pre_call_checks: "True"
litellm_settings:
  drop_params: "false"
  callbacks: custom_callbacks.proxy_handler_instance
general_settings:
  max_request_size_mb: "0.5"
  block_robots: "true"
  use_x_forwarded_for: "yes"
`);

    expect(config.model_list[0].litellm_params).toEqual({
      model: 'openai/m',
      rpm: 100,
      tpm: 2000,
      timeout: 1.5,
      input_cost_per_token: 1e-6,
    });
    expect(config.router_settings.enable_pre_call_checks).toBe(true);
    expect(config.litellm_settings.drop_params).toBe(false);
    expect(config.litellm_settings.callbacks).toEqual(['custom_callbacks.proxy_handler_instance']);
    expect(config.general_settings).toEqual({ max_request_size_mb: 0.5, block_robots: true, use_x_forwarded_for: true });
  });

  it('should reject a non-numeric string in a numeric field', () => {
    const error = configErrorOf(() => sut('model_list: [{model_name: m, litellm_params: {model: openai/m, rpm: "lots"}}]'));

    expect(error.problems).toEqual(['model_list[0].litellm_params.rpm: must be a whole number >= 0']);
  });

  it('should accept IPv4 and IPv6 addresses and CIDR ranges in allowed_ips', () => {
    const config = sut('general_settings: {allowed_ips: ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "fd00::/128"]}');

    expect(config.general_settings.allowed_ips).toHaveLength(5);
  });

  it('should read general_settings.egress_policy and name its invalid entries', () => {
    const config = sut(
      'general_settings: {egress_policy: {allow: [api.openai.com, "*.openai.azure.com", localhost, 10.0.0.0/8, "::1"], deny: [192.168.0.0/16], allow_metadata: "false"}}',
    );
    expect(config.general_settings.egress_policy).toEqual({
      allow: ['api.openai.com', '*.openai.azure.com', 'localhost', '10.0.0.0/8', '::1'],
      deny: ['192.168.0.0/16'],
      allow_metadata: false,
    });
    expect(config.warnings).toEqual([]);
    const error = configErrorOf(() =>
      sut('general_settings: {egress_policy: {allow: ["http://x.example/v1", "a b", "10.0.0.300", "10.0.0.0/33"], deny: "10.0.0.0/8", allow_metadata: maybe}}'),
    );
    expect(error.problems).toEqual([
      'general_settings.egress_policy.allow: must be a list of host names (*.example.com allowed), IP addresses or CIDR ranges (invalid: "http://x.example/v1", "a b", "10.0.0.300", "10.0.0.0/33")',
      'general_settings.egress_policy.deny: must be a list of host names (*.example.com allowed), IP addresses or CIDR ranges',
      'general_settings.egress_policy.allow_metadata: must be a boolean (true or false)',
    ]);
  });

  it('should reject invalid IPs and CIDR ranges in allowed_ips, naming them', () => {
    const error = configErrorOf(() => sut('general_settings: {allowed_ips: ["10.0.0.1", "10.0.0.300", "10.0.0.0/33", "2001:db8::/129", "::1/"]}'));

    expect(error.problems).toEqual([
      'general_settings.allowed_ips: must be a list of IP addresses or CIDR ranges (invalid: "10.0.0.300", "10.0.0.0/33", "2001:db8::/129", "::1/")',
    ]);
  });

  it('should require master_key to start with sk-', () => {
    const error = configErrorOf(() => sut('general_settings: {master_key: my-admin-password}'));

    expect(error.problems).toEqual(["general_settings.master_key: must start with 'sk-'"]);
    expect(error.message).not.toContain('my-admin-password');
  });

  it('should take the master key from LITELLM_MASTER_KEY, then TOLLGATE_MASTER_KEY, when the file has none', () => {
    expect(sut('model_list: []', { LITELLM_MASTER_KEY: 'sk-litellm', TOLLGATE_MASTER_KEY: 'sk-tollgate' }).masterKey).toBe('sk-litellm');
    expect(sut('model_list: []', { TOLLGATE_MASTER_KEY: 'sk-tollgate' }).masterKey).toBe('sk-tollgate');
    expect(sut('general_settings: {master_key: sk-file}', { LITELLM_MASTER_KEY: 'sk-env' }).masterKey).toBe('sk-file');
    expect(sut('model_list: []').masterKey).toBeUndefined();
  });

  it('should reject a master key from the environment that does not start with sk-', () => {
    const error = configErrorOf(() => sut('model_list: []', { LITELLM_MASTER_KEY: 'hunter2' }));

    expect(error.problems).toEqual(["LITELLM_MASTER_KEY: must start with 'sk-'"]);
    expect(error.message).not.toContain('hunter2');
  });

  it('should prefer DATABASE_URL over general_settings.database_url', () => {
    const yaml = 'general_settings: {database_url: "postgres://file@db/x"}';

    expect(sut(yaml, { DATABASE_URL: 'postgresql://env@db/y' }).databaseUrl).toBe('postgresql://env@db/y');
    expect(sut(yaml).databaseUrl).toBe('postgres://file@db/x');
    expect(sut(yaml, { DATABASE_URL: '' }).databaseUrl).toBe('postgres://file@db/x');
  });

  it('should reject a DATABASE_URL that is not a postgres URL without echoing it', () => {
    const error = configErrorOf(() => sut('model_list: []', { DATABASE_URL: 'mysql://root:s3cret@db/x' }));

    expect(error.problems).toEqual(['DATABASE_URL: must be a postgres:// or postgresql:// URL']);
    expect(error.message).not.toContain('s3cret');
  });

  it('should name the file and the line of a YAML syntax error', () => {
    const path = writeConfig('model_list:\n  - model_name: a\n    litellm_params: {model: "unterminated\n');

    const error = configErrorOf(() => loadConfig({ configPath: path, env: {} }));

    expect(error.message).toContain(path);
    expect(error.message).toMatch(/line \d+/);
    expect(error.message).not.toContain('\n');
  });

  it('should not quote the source line of a YAML error, which may hold a secret', () => {
    const error = configErrorOf(() => sut('general_settings:\n  master_key: sk-very-secret: {x\n'));

    expect(error.message).not.toContain('sk-very-secret');
  });

  it('should name the file when it cannot be read', () => {
    const path = join(dir, 'missing.yaml');

    const error = configErrorOf(() => loadConfig({ configPath: path, env: {} }));

    expect(error.message).toBe(`Cannot read config file ${path}: file not found`);
  });

  it('should reject a file whose top level is not a mapping', () => {
    const error = configErrorOf(() => sut('- model_name: a\n'));

    expect(error.message).toContain('the top level must be a mapping');
  });

  it('should keep the last of duplicate keys, as PyYAML does, and warn', () => {
    const config = sut('general_settings:\n  master_key: sk-first\n  master_key: sk-second\n');

    expect(config.masterKey).toBe('sk-second');
    expect(config.warnings).toEqual([expect.stringMatching(/^duplicate key at line 3 of .*\(the last value wins\)$/)]);
  });

  it('should keep YAML 1.2 semantics for keys like n and y, and support merge keys', () => {
    const config = sut(`
defaults: &defaults {api_key: sk-x, n: 1}
model_list:
  - model_name: m
    litellm_params:
      <<: *defaults
      model: openai/m
`);

    expect(config.model_list[0].litellm_params).toEqual({ model: 'openai/m', api_key: 'sk-x', n: 1 });
  });

  it('should never include a secret value in error messages', () => {
    const error = configErrorOf(() =>
      sut(
        `
model_list:
  - model_name: ""
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-live-SECRET123
      api_base: os.environ/BASE
      timeout: -5
general_settings:
  master_key: os.environ/MASTER
  database_url: os.environ/DB
`,
        { BASE: 'ftp://user:sk-base-SECRET@host', MASTER: 'admin-SECRET', DB: 'mysql://u:db-SECRET@h/x' },
      ),
    );

    expect(error.problems).toHaveLength(5);
    expect(error.message).not.toMatch(/SECRET/);
  });

  it('should load config/example.yaml when its variables are set', () => {
    const config = loadConfig({
      configPath: resolve(__dirname, '../../config/example.yaml'),
      env: {
        OPENAI_API_KEY: 'sk-openai',
        AZURE_API_KEY: 'azure-key',
        AZURE_API_BASE: 'https://example.openai.azure.com/',
        LITELLM_MASTER_KEY: 'sk-master',
        DATABASE_URL: 'postgresql://tollgate:pw@localhost:5432/tollgate',
      },
    });

    expect(config.warnings).toEqual([]);
    expect(config.masterKey).toBe('sk-master');
    expect(config.databaseUrl).toBe('postgresql://tollgate:pw@localhost:5432/tollgate');
    expect(config.model_list.map((m) => m.litellm_params.model)).toContain('azure/gpt-4o-eu');
  });

  it('should load config/demo.yaml', () => {
    const config = loadConfig({ configPath: resolve(__dirname, '../../config/demo.yaml'), env: {} });

    expect(config.warnings).toEqual([]);
    expect(config.masterKey).toBe('sk-1234');
    expect(config.model_list.map((m) => [m.model_name, m.litellm_params.model, m.model_info?.mode])).toEqual([
      ['demo', 'mock/demo', undefined],
      ['gpt-4o', 'mock/gpt-4o', undefined],
      ['text-embedding-3-small', 'mock/text-embedding-3-small', 'embedding'],
    ]);
  });

  describe('secret manager values', () => {
    const yaml = `
model_list:
  - model_name: a
    litellm_params: { model: openai/x, api_key: os.environ/OPENAI_API_KEY, organization: os.environ/ORG }
general_settings:
  key_management_system: aws_secret_manager
  key_management_settings: { hosted_keys: [OPENAI_API_KEY], access_mode: read_and_write, store_virtual_keys: true }
  pass_through_endpoints:
    - { path: /rerank, target: "https://api.example.com/rerank", headers: { Authorization: "bearer os.environ/OPENAI_API_KEY" } }
`;

    it('should answer refs from the manager values first and report where each landed', () => {
      const references: SecretReference[] = [];

      const config = loadConfig({
        configPath: writeConfig(yaml),
        env: { OPENAI_API_KEY: 'sk-from-env', ORG: 'org-env' },
        secretValues: { OPENAI_API_KEY: 'sk-from-manager' },
        onSecretReference: (reference) => references.push(reference),
      });

      expect(config.model_list[0].litellm_params.api_key).toBe('sk-from-manager');
      expect(config.model_list[0].litellm_params.organization).toBe('org-env');
      expect(config.general_settings.pass_through_endpoints?.[0].headers?.Authorization).toBe('bearer sk-from-manager');
      expect(references).toEqual([
        { path: 'model_list[0].litellm_params.api_key', name: 'OPENAI_API_KEY', prefix: '' },
        { path: 'general_settings.pass_through_endpoints[0].headers.Authorization', name: 'OPENAI_API_KEY', prefix: 'bearer ' },
      ]);
    });

    it('should refuse a manager config loaded without manager values', () => {
      const error = configErrorOf(() => sut(yaml, { OPENAI_API_KEY: 'sk-from-env', ORG: 'o' }));

      expect(error.problems).toContain('general_settings.key_management_system: aws_secret_manager needs the secrets-aware loader (loadConfigWithSecrets)');
    });

    it('should validate key_management_settings', () => {
      const error = configErrorOf(() => sut('general_settings:\n  key_management_system: local\n  key_management_settings: { access_mode: sometimes, hosted_keys: KEY }\n'));

      expect(error.problems).toEqual([
        'general_settings.key_management_settings.hosted_keys: must be a list of strings',
        'general_settings.key_management_settings.access_mode: must be one of: read_only, write_only, read_and_write',
      ]);
    });

    it('should preview the manager settings and every referenced name', () => {
      const preview = previewSecretManager({ configPath: writeConfig(yaml), env: {} });

      expect(preview.keyManagementSystem).toBe('aws_secret_manager');
      expect(preview.referencedNames.sort()).toEqual(['OPENAI_API_KEY', 'ORG']);
    });
  });
});
