import type { LitellmSettingsDto } from './config.schema';
import type { LoggingCallbackSettings, LoggingSinkSettings, LoggingSinkTrigger } from './config.types';

type Env = Record<string, string | undefined>;

const present = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** LiteLLM's batch defaults (`DEFAULT_BATCH_SIZE`, `DEFAULT_FLUSH_INTERVAL_SECONDS`), overridable the same way. */
export const DEFAULT_LOG_BATCH_SIZE = 512;
export const DEFAULT_LOG_FLUSH_INTERVAL_SECONDS = 5;
/** Payloads waiting per sink before new ones are dropped (and counted): a dead endpoint must not grow memory. */
export const MAX_QUEUED_LOG_PAYLOADS = 10_000;

const GENERIC_NAMES = new Set(['generic_api', 'generic']);

/**
 * LiteLLM's logging callbacks Tollgate serves: `generic_api` (also the legacy `generic`: `GENERIC_LOGGER_ENDPOINT`,
 * `GENERIC_LOGGER_HEADERS`), `langfuse` (`LANGFUSE_PUBLIC_KEY`, `LANGFUSE_SECRET_KEY`, `LANGFUSE_HOST`), `s3`
 * (`s3_callback_params`) and `gcs_bucket` (`GCS_BUCKET_NAME`, `GCS_PATH_SERVICE_ACCOUNT`, `GCS_PATH`).
 * `success_callback` logs successes, `failure_callback` failures, `callbacks` both. A named callback without its
 * endpoint or keys stops boot naming the variable.
 */
export function readLoggingCallbacks(litellm: LitellmSettingsDto, env: Env, problems: string[]): LoggingCallbackSettings | undefined {
  const triggers = new Map<string, Set<LoggingSinkTrigger>>();
  const add = (list: unknown, on: LoggingSinkTrigger[]): void => {
    if (!Array.isArray(list)) return;
    for (const name of list) {
      if (typeof name !== 'string') continue;
      const kind = GENERIC_NAMES.has(name) ? 'generic_api' : name === 'langfuse' || name === 's3' || name === 'gcs_bucket' ? name : undefined;
      if (!kind) continue;
      const set = triggers.get(kind) ?? new Set<LoggingSinkTrigger>();
      for (const trigger of on) set.add(trigger);
      triggers.set(kind, set);
    }
  };
  add(litellm.callbacks, ['success', 'failure']);
  add(litellm.success_callback, ['success']);
  add(litellm.failure_callback, ['failure']);
  if (triggers.size === 0) return undefined;
  const sinks: LoggingSinkSettings[] = [];
  const generic = triggers.get('generic_api');
  if (generic) {
    const endpoint = present(env.GENERIC_LOGGER_ENDPOINT);
    if (!endpoint || !/^https?:\/\//i.test(endpoint)) problems.push('callback generic_api: GENERIC_LOGGER_ENDPOINT must be set to an http(s) URL');
    else sinks.push({ kind: 'generic_api', on: [...generic], endpoint, headers: parseHeaders(env.GENERIC_LOGGER_HEADERS, problems) });
  }
  const langfuse = triggers.get('langfuse');
  if (langfuse) {
    const publicKey = present(env.LANGFUSE_PUBLIC_KEY);
    const secretKey = present(env.LANGFUSE_SECRET_KEY);
    const host = (present(env.LANGFUSE_HOST) ?? 'https://cloud.langfuse.com').replace(/\/+$/, '');
    if (!publicKey || !secretKey) problems.push('callback langfuse: LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY must be set');
    else if (!/^https?:\/\//i.test(host)) problems.push('LANGFUSE_HOST: must be an http(s) URL');
    else sinks.push({ kind: 'langfuse', on: [...langfuse], host, publicKey, secretKey });
  }
  const s3 = triggers.get('s3');
  if (s3) {
    const s3Sink = readS3Params(litellm.s3_callback_params, [...s3], env, problems);
    if (s3Sink) sinks.push(s3Sink);
  }
  const gcs = triggers.get('gcs_bucket');
  if (gcs) {
    const bucket = present(env.GCS_BUCKET_NAME);
    const emulator = present(env.STORAGE_EMULATOR_HOST);
    const apiBase = (emulator ? (/^https?:\/\//i.test(emulator) ? emulator : `http://${emulator}`) : 'https://storage.googleapis.com').replace(/\/+$/, '');
    if (!bucket) problems.push('callback gcs_bucket: GCS_BUCKET_NAME must be set');
    else
      sinks.push({
        kind: 'gcs_bucket',
        on: [...gcs],
        bucket,
        keyFile: present(env.GCS_PATH_SERVICE_ACCOUNT),
        path: (present(env.GCS_PATH) ?? '').replace(/^\/+|\/+$/g, ''),
        apiBase,
      });
  }
  return {
    sinks,
    batchSize: positive(env.DEFAULT_BATCH_SIZE, 'DEFAULT_BATCH_SIZE', DEFAULT_LOG_BATCH_SIZE, problems),
    flushIntervalMs: positive(env.DEFAULT_FLUSH_INTERVAL_SECONDS, 'DEFAULT_FLUSH_INTERVAL_SECONDS', DEFAULT_LOG_FLUSH_INTERVAL_SECONDS, problems) * 1000,
    maxQueued: MAX_QUEUED_LOG_PAYLOADS,
    redactMessages: litellm.turn_off_message_logging === true,
    redactKeyInfo: litellm.redact_user_api_key_info === true,
    langfuseDefaultTags: Array.isArray(litellm.langfuse_default_tags) ? litellm.langfuse_default_tags.filter((tag): tag is string => typeof tag === 'string') : [],
  };
}

/**
 * LiteLLM's `s3_callback_params` (any S3-compatible store with `s3_endpoint_url`): bucket required; region, path
 * prefix, team/key prefixes; credentials from the params, else the AWS environment (or the SDK's default chain).
 */
function readS3Params(params: unknown, on: LoggingSinkTrigger[], env: Env, problems: string[]): LoggingSinkSettings | undefined {
  const record = typeof params === 'object' && params !== null && !Array.isArray(params) ? (params as Record<string, unknown>) : {};
  const text = (name: string): string | undefined => (typeof record[name] === 'string' ? present(record[name]) : undefined);
  const bucket = text('s3_bucket_name');
  if (!bucket) {
    problems.push('callback s3: litellm_settings.s3_callback_params.s3_bucket_name is required');
    return undefined;
  }
  const endpoint = text('s3_endpoint_url');
  if (endpoint !== undefined && !/^https?:\/\//i.test(endpoint)) {
    problems.push('litellm_settings.s3_callback_params.s3_endpoint_url: must be an http(s) URL');
    return undefined;
  }
  const accessKeyId = text('s3_aws_access_key_id') ?? present(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = text('s3_aws_secret_access_key') ?? present(env.AWS_SECRET_ACCESS_KEY);
  return {
    kind: 's3',
    on,
    bucket,
    region: text('s3_region_name') ?? present(env.AWS_REGION_NAME) ?? present(env.AWS_REGION) ?? 'us-east-1',
    endpoint,
    path: (text('s3_path') ?? '').replace(/^\/+|\/+$/g, ''),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: text('s3_aws_session_token') ?? present(env.AWS_SESSION_TOKEN) } : undefined,
    useTeamPrefix: record.s3_use_team_prefix === true,
    useKeyPrefix: record.s3_use_key_prefix === true,
  };
}

/** `GENERIC_LOGGER_HEADERS`: a JSON object, or LiteLLM's `Name=value,Name=value`. */
function parseHeaders(text: string | undefined, problems: string[]): Record<string, string> {
  const value = present(text);
  if (!value) return {};
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string'))
        return parsed as Record<string, string>;
    } catch {
      // reported below
    }
    problems.push('GENERIC_LOGGER_HEADERS: must be a JSON object of strings or Name=value pairs separated by commas');
    return {};
  }
  const headers: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) {
      problems.push('GENERIC_LOGGER_HEADERS: must be a JSON object of strings or Name=value pairs separated by commas');
      return {};
    }
    headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return headers;
}

function positive(text: string | undefined, name: string, fallback: number, problems: string[]): number {
  const value = present(text);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    problems.push(`${name}: must be a positive number`);
    return fallback;
  }
  return number;
}
