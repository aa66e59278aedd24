import type { CacheParamsDto, GeneralSettingsDto, LitellmSettingsDto, RouterSettingsDto } from './config.schema';
import type { RedisFailureMode, RedisSettings, ResponseCacheSettings, SharedStateSettings } from './config.types';

type Env = Record<string, string | undefined>;

const DEFAULT_LEASE_SECONDS = 600;
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const DEFAULT_CACHE_TTL_SECONDS = 600;
const DEFAULT_LOCAL_CACHE_ENTRIES = 1_000;
/** LiteLLM's default `supported_call_types`, in Tollgate's call-type names (the sync names map onto them). */
const DEFAULT_CACHED_CALL_TYPES = ['acompletion', 'atext_completion', 'aembedding', 'arerank'];
const CACHE_TYPES_SERVED = new Set(['local', 'redis']);

const present = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/**
 * Where the state every instance shares lives, from what LiteLLM users already configure, first found wins:
 * `router_settings.redis_url|redis_host` (+ `redis_port`, `redis_password`), then a Redis in
 * `litellm_settings.cache_params`, then `REDIS_URL`, `REDIS_HOST` (+ `REDIS_PORT`, `REDIS_PASSWORD`,
 * `REDIS_USERNAME`, `REDIS_SSL`), `REDIS_CLUSTER_NODES` or `REDIS_SENTINEL_NODES` + `REDIS_SERVICE_NAME`.
 * Problems are added to `problems` (they stop the boot); nothing here reaches the network.
 */
export function readSharedState(router: RouterSettingsDto, litellm: LitellmSettingsDto, general: GeneralSettingsDto, env: Env, problems: string[]): SharedStateSettings {
  const cacheParams = litellm.cache_params;
  const redis =
    fromRouterSettings(router, problems) ??
    (cacheParams && (cacheParams.type ?? 'redis') === 'redis' ? fromCacheParams(cacheParams, 'litellm_settings.cache_params', problems) : undefined) ??
    fromEnvironment(env, problems);
  return {
    redis,
    failureMode: (general.redis_failure_mode as RedisFailureMode | undefined) ?? 'fail_closed',
    leaseMs: Math.round((general.redis_lease_seconds ?? DEFAULT_LEASE_SECONDS) * 1000),
    keyPrefix: general.redis_key_prefix ?? 'tollgate:',
    commandTimeoutMs: general.redis_command_timeout_ms ?? DEFAULT_COMMAND_TIMEOUT_MS,
  };
}

/**
 * `litellm_settings.cache: true` and its `cache_params`. LiteLLM's proxy caches in Redis unless `type` says
 * otherwise; types Tollgate does not serve (semantic, s3, disk …) fall back to the local cache with a warning.
 */
export function readResponseCache(litellm: LitellmSettingsDto, shared: SharedStateSettings, problems: string[], warnings: string[]): ResponseCacheSettings | undefined {
  if (litellm.cache !== true) return undefined;
  const params: CacheParamsDto = litellm.cache_params ?? {};
  let type = params.type ?? 'redis';
  if (!CACHE_TYPES_SERVED.has(type)) {
    warnings.push(`litellm_settings.cache_params.type: '${type}' is not served by Tollgate; replies are cached in this instance's memory (local)`);
    type = 'local';
  }
  let redis: RedisSettings | undefined;
  if (type === 'redis') {
    redis = fromCacheParams(params, 'litellm_settings.cache_params', problems) ?? shared.redis;
    if (!redis)
      problems.push(
        'litellm_settings.cache: a redis cache needs a Redis: set cache_params.host or url, router_settings.redis_host, or REDIS_HOST / REDIS_URL (or cache_params.type: local)',
      );
  }
  const ttl = params.ttl ?? (type === 'redis' ? params.default_in_redis_ttl : params.default_in_memory_ttl) ?? DEFAULT_CACHE_TTL_SECONDS;
  return {
    type: type as ResponseCacheSettings['type'],
    ttlSeconds: ttl,
    supportedCallTypes: (params.supported_call_types ?? DEFAULT_CACHED_CALL_TYPES).map((callType) => (callType.startsWith('a') ? callType : `a${callType}`)),
    mode: params.mode === 'default_off' ? 'default_off' : 'default_on',
    namespace: params.namespace ?? null,
    maxEntries: params.max_size_in_memory ?? DEFAULT_LOCAL_CACHE_ENTRIES,
    redis,
  };
}

function fromRouterSettings(router: RouterSettingsDto, problems: string[]): RedisSettings | undefined {
  const url = router.redis_url;
  if (url !== undefined) return withUrl({ source: 'router_settings.redis_url' }, url, 'router_settings.redis_url', problems);
  if (router.redis_host === undefined) return undefined;
  return { host: router.redis_host, port: router.redis_port ?? 6379, password: router.redis_password, source: 'router_settings.redis_host' };
}

function fromCacheParams(params: CacheParamsDto, path: string, problems: string[]): RedisSettings | undefined {
  const tls = params.ssl === true ? { rejectUnauthorized: params.ssl_cert_reqs?.toLowerCase() !== 'none' } : undefined;
  const base: RedisSettings = { username: params.username, password: params.password, db: params.db, tls, source: path };
  if (params.redis_startup_nodes !== undefined) {
    const nodes = hostPorts(params.redis_startup_nodes, `${path}.redis_startup_nodes`, problems);
    return nodes ? { ...base, clusterNodes: nodes } : undefined;
  }
  if (params.sentinel_nodes !== undefined) {
    const nodes = hostPorts(params.sentinel_nodes, `${path}.sentinel_nodes`, problems);
    return nodes ? { ...base, sentinels: nodes, sentinelName: params.service_name, sentinelPassword: params.sentinel_password } : undefined;
  }
  const url = params.url ?? params.redis_url;
  if (url !== undefined) return withUrl(base, url, `${path}.url`, problems);
  if (params.host === undefined) return undefined;
  return { ...base, host: params.host, port: params.port ?? 6379 };
}

function fromEnvironment(env: Env, problems: string[]): RedisSettings | undefined {
  const ssl = present(env.REDIS_SSL);
  const tls = ssl !== undefined && /^(1|true|yes|on)$/i.test(ssl) ? { rejectUnauthorized: true } : undefined;
  const base: RedisSettings = { username: present(env.REDIS_USERNAME), password: present(env.REDIS_PASSWORD), tls, source: 'REDIS_* environment variables' };
  const cluster = present(env.REDIS_CLUSTER_NODES);
  if (cluster !== undefined) {
    const nodes = hostPorts(parseJson(cluster), 'REDIS_CLUSTER_NODES', problems);
    return nodes ? { ...base, clusterNodes: nodes } : undefined;
  }
  const sentinels = present(env.REDIS_SENTINEL_NODES);
  if (sentinels !== undefined) {
    const nodes = hostPorts(parseJson(sentinels), 'REDIS_SENTINEL_NODES', problems);
    return nodes ? { ...base, sentinels: nodes, sentinelName: present(env.REDIS_SERVICE_NAME), sentinelPassword: present(env.REDIS_SENTINEL_PASSWORD) } : undefined;
  }
  const url = present(env.REDIS_URL);
  if (url !== undefined) return withUrl(base, url, 'REDIS_URL', problems);
  const host = present(env.REDIS_HOST);
  if (host === undefined) return undefined;
  const port = present(env.REDIS_PORT);
  const portNumber = port === undefined ? 6379 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber <= 0 || portNumber > 65_535) {
    problems.push('REDIS_PORT: must be a port number');
    return undefined;
  }
  return { ...base, host, port: portNumber };
}

function withUrl(base: RedisSettings, url: string, path: string, problems: string[]): RedisSettings | undefined {
  // The URL may hold a password: the problem names the setting, never the value.
  if (!/^rediss?:\/\/\S+$/.test(url)) {
    problems.push(`${path}: must be a redis:// or rediss:// URL`);
    return undefined;
  }
  return { ...base, url, tls: url.startsWith('rediss://') ? (base.tls ?? { rejectUnauthorized: true }) : base.tls };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** `[{host, port}]` (startup nodes) or `[[host, port]]` (sentinels), ports as numbers or digit strings. */
function hostPorts(value: unknown, path: string, problems: string[]): { host: string; port: number }[] | undefined {
  const nodes: { host: string; port: number }[] = [];
  if (Array.isArray(value) && value.length > 0) {
    for (const entry of value) {
      const [host, port] = Array.isArray(entry)
        ? entry
        : typeof entry === 'object' && entry !== null
          ? [(entry as Record<string, unknown>).host, (entry as Record<string, unknown>).port]
          : [];
      const portNumber = typeof port === 'number' ? port : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : NaN;
      if (typeof host !== 'string' || host === '' || !Number.isInteger(portNumber) || portNumber <= 0 || portNumber > 65_535) break;
      nodes.push({ host, port: portNumber });
    }
    if (nodes.length === value.length) return nodes;
  }
  problems.push(`${path}: must be a list of nodes, each {host, port} or [host, port]`);
  return undefined;
}
