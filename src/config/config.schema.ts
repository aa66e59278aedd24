import 'reflect-metadata';
import { isIP } from 'node:net';
import { Transform, Type } from 'class-transformer';
import { IsDefined, IsOptional, ValidateBy, ValidateNested } from 'class-validator';
import type {
  EgressPolicySettings,
  GeneralSettings,
  KeyManagementSettings,
  KeyManagementSystem,
  GuardrailConfigEntry,
  LitellmParams,
  LitellmSettings,
  ModelDeploymentConfig,
  ModelInfo,
  RouterSettings,
} from './config.types';

/*
 * Messages name the problem, never the value: the value may be an API key, a master key or a database password.
 * Every checked property gets exactly one validator so an operator sees one reason per key.
 */

const NUMERIC = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false|yes|no|on|off)$/i;

export const ROUTING_STRATEGIES = ['simple-shuffle', 'least-busy', 'usage-based-routing', 'usage-based-routing-v2', 'latency-based-routing', 'cost-based-routing'] as const;
export const MODEL_MODES = ['chat', 'completion', 'embedding', 'image_generation', 'audio_transcription', 'audio_speech', 'rerank'] as const;
export const GUARDRAIL_MODES = ['pre_call', 'during_call', 'post_call', 'logging_only'] as const;
const LLM_GUARD_MODES = ['all', 'key-specific', 'request-specific'] as const;
export const KEY_MANAGEMENT_SYSTEMS: readonly KeyManagementSystem[] = [
  'aws_kms',
  'aws_secret_manager',
  'google_kms',
  'google_secret_manager',
  'azure_key_vault',
  'hashicorp_vault',
  'local',
];
const SECRET_ACCESS_MODES = ['read_only', 'write_only', 'read_and_write'] as const;

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

/** Env-resolved values are always strings, and LiteLLM users quote numbers freely (`rpm: "100"`). */
const toNumber = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && NUMERIC.test(value.trim()) ? Number(value) : value), {
    toClassOnly: true,
  });

/** Accepts what PyYAML (YAML 1.1) reads as booleans, so LiteLLM configs keep their meaning under YAML 1.2. */
const toBoolean = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && BOOLEAN.test(value.trim()) ? ['true', 'yes', 'on'].includes(value.trim().toLowerCase()) : value), {
    toClassOnly: true,
  });

const toText = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value), {
    toClassOnly: true,
  });

/** LiteLLM's docs show `callbacks: custom_callbacks.proxy_handler_instance` as a bare string. */
const toList = (): PropertyDecorator => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value), { toClassOnly: true });

function check(name: string, test: (value: unknown) => boolean, message: string | ((value: unknown) => string)): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => test(value),
      defaultMessage: (args) => (typeof message === 'string' ? message : message(args?.value)),
    },
  });
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((item) => typeof item === 'string');

export function isIpOrCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.trim().split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export const isPostgresUrl = (value: unknown): boolean => typeof value === 'string' && /^postgres(ql)?:\/\/\S+$/.test(value);

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const RequiredText = (): PropertyDecorator =>
  compose(
    toText(),
    check(
      'requiredText',
      (v) => typeof v === 'string' && v.trim() !== '',
      (v) => (v === undefined || v === null ? 'is required' : 'must be a non-empty string'),
    ),
  );
const Text = (): PropertyDecorator =>
  compose(
    IsOptional(),
    toText(),
    check('text', (v) => typeof v === 'string', 'must be a string'),
  );
/** LiteLLM's durations: `30s`, `30m`, `30h`, `30d`, `1w`, `1mo`. */
const DurationText = (): PropertyDecorator =>
  compose(
    IsOptional(),
    toText(),
    check('duration', (v) => typeof v === 'string' && /^\s*\d+\s*(s|m|h|d|w|mo)?\s*$/.test(v), 'must be a duration such as 30d, 12h or 1mo'),
  );
/** A duration in LiteLLM's style or a positive number of seconds. */
const DurationOrSeconds = (): PropertyDecorator =>
  compose(
    IsOptional(),
    check(
      'durationOrSeconds',
      (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0) || (typeof v === 'string' && /^\s*[1-9]\d*\s*(s|m|h|d|w|mo)?\s*$/.test(v)),
      'must be a positive duration such as 30m or 12h, or a number of seconds',
    ),
  );
const Bool = (): PropertyDecorator =>
  compose(
    IsOptional(),
    toBoolean(),
    check('bool', (v) => typeof v === 'boolean', 'must be a boolean (true or false)'),
  );
const numberCheck = (name: string, test: (n: number) => boolean, message: string): PropertyDecorator =>
  compose(
    IsOptional(),
    toNumber(),
    check(name, (v) => typeof v === 'number' && Number.isFinite(v) && test(v), message),
  );
const NonNegativeNumber = (): PropertyDecorator => numberCheck('nonNegativeNumber', (n) => n >= 0, 'must be a number >= 0');
const PositiveNumber = (): PropertyDecorator => numberCheck('positiveNumber', (n) => n > 0, 'must be a positive number');
const NonNegativeInt = (): PropertyDecorator => numberCheck('nonNegativeInt', (n) => Number.isInteger(n) && n >= 0, 'must be a whole number >= 0');
const PositiveInt = (): PropertyDecorator => numberCheck('positiveInt', (n) => Number.isInteger(n) && n > 0, 'must be a positive whole number');
const Fraction = (): PropertyDecorator => numberCheck('fraction', (n) => n >= 0 && n <= 1, 'must be a number between 0 and 1');
const StringList = (): PropertyDecorator => compose(IsOptional(), check('stringList', isStringList, 'must be a list of strings'));
const CallbackList = (): PropertyDecorator => compose(IsOptional(), toList(), check('callbackList', isStringList, 'must be a list of callback names'));
/** Banned keywords and blocked users are either inline lists or the path of a text file (LiteLLM accepts both). */
const ListOrPath = (): PropertyDecorator =>
  compose(
    IsOptional(),
    check('listOrPath', (v) => typeof v === 'string' || isStringList(v), 'must be a list of strings or a file path'),
  );
const List = (): PropertyDecorator => compose(IsOptional(), check('list', Array.isArray, 'must be a list'));
const Mapping = (): PropertyDecorator => compose(IsOptional(), check('mapping', isMapping, 'must be a mapping'));
const StringMap = (): PropertyDecorator =>
  compose(
    IsOptional(),
    check('stringMap', (v) => isMapping(v) && Object.values(v).every((item) => typeof item === 'string'), 'must be a mapping of names to names'),
  );
const HttpUrlMap = (): PropertyDecorator =>
  compose(
    IsOptional(),
    check('httpUrlMap', (v) => isMapping(v) && Object.values(v).every(isHttpUrl), 'must be a mapping of titles to http(s) URLs'),
  );
const OneOf = (values: readonly string[]): PropertyDecorator =>
  compose(
    IsOptional(),
    check('oneOf', (v) => typeof v === 'string' && values.includes(v), `must be one of: ${values.join(', ')}`),
  );
const HttpUrl = (): PropertyDecorator => compose(IsOptional(), check('httpUrl', isHttpUrl, 'must be an http(s) URL'));
const RequiredHttpUrl = (): PropertyDecorator => check('requiredHttpUrl', isHttpUrl, (v) => (v === undefined || v === null ? 'is required' : 'must be an http(s) URL'));
const PostgresUrl = (): PropertyDecorator => compose(IsOptional(), check('postgresUrl', isPostgresUrl, 'must be a postgres:// or postgresql:// URL'));
const MasterKey = (): PropertyDecorator =>
  compose(
    IsOptional(),
    toText(),
    check('masterKey', (v) => typeof v === 'string' && v.startsWith('sk-'), "must start with 'sk-'"),
  );
/** IP lists hold no secrets, so naming the bad entries is safe and saves the operator a hunt. */
const IpList = (): PropertyDecorator =>
  compose(
    IsOptional(),
    check(
      'ipList',
      (v) => isStringList(v) && v.every(isIpOrCidr),
      (v) => {
        const bad = Array.isArray(v) ? v.filter((item) => typeof item !== 'string' || !isIpOrCidr(item)) : [];
        const named = bad.length > 0 ? ` (invalid: ${bad.map((item) => JSON.stringify(item)).join(', ')})` : '';
        return `must be a list of IP addresses or CIDR ranges${named}`;
      },
    ),
  );
const GuardrailMode = (): PropertyDecorator => {
  const isMode = (v: unknown): boolean => typeof v === 'string' && (GUARDRAIL_MODES as readonly string[]).includes(v);
  return compose(
    IsOptional(),
    check('guardrailMode', (v) => isMode(v) || (Array.isArray(v) && v.length > 0 && v.every(isMode)), `must be one of ${GUARDRAIL_MODES.join(', ')}, or a list of them`),
  );
};
const Nested = (cls: () => new () => object, required = false): PropertyDecorator =>
  compose(required ? IsDefined({ message: 'is required' }) : IsOptional(), check('mapping', isMapping, 'must be a mapping'), ValidateNested(), Type(cls));
const NestedList = (cls: () => new () => object): PropertyDecorator =>
  compose(IsOptional(), check('list', Array.isArray, 'must be a list'), ValidateNested({ each: true, message: 'must be a mapping' }), Type(cls));

export class LitellmParamsDto implements LitellmParams {
  [extra: string]: unknown;

  @RequiredText() model!: string;
  @HttpUrl() api_base?: string;
  @Text() api_key?: string;
  @Text() api_version?: string;
  @Text() organization?: string;
  @NonNegativeInt() rpm?: number;
  @NonNegativeInt() tpm?: number;
  @PositiveNumber() timeout?: number;
  @PositiveNumber() stream_timeout?: number;
  @NonNegativeInt() max_retries?: number;
  @NonNegativeNumber() input_cost_per_token?: number;
  @NonNegativeNumber() output_cost_per_token?: number;
  @NonNegativeNumber() input_cost_per_second?: number;
  @Text() region_name?: string;
  @StringList() tags?: string[];
  @Text() mock_response?: string;
}

export class ModelInfoDto implements ModelInfo {
  [extra: string]: unknown;

  @Text() id?: string;
  @OneOf(MODEL_MODES) mode?: ModelInfo['mode'];
  @Text() base_model?: string;
}

export class ModelDeploymentDto implements ModelDeploymentConfig {
  @RequiredText() model_name!: string;
  @Nested(() => LitellmParamsDto, true) litellm_params!: LitellmParamsDto;
  @Nested(() => ModelInfoDto) model_info?: ModelInfoDto;
}

export class RouterSettingsDto implements RouterSettings {
  [extra: string]: unknown;

  @OneOf(ROUTING_STRATEGIES) routing_strategy?: string;
  @NonNegativeInt() num_retries?: number;
  @PositiveNumber() timeout?: number;
  @PositiveNumber() stream_timeout?: number;
  @NonNegativeInt() allowed_fails?: number;
  @NonNegativeNumber() cooldown_time?: number;
  @Bool() disable_cooldowns?: boolean;
  @Mapping() retry_policy?: Record<string, unknown>;
  @Mapping() allowed_fails_policy?: Record<string, unknown>;
  @List() fallbacks?: unknown[];
  @List() context_window_fallbacks?: unknown[];
  @List() content_policy_fallbacks?: unknown[];
  @StringList() default_fallbacks?: string[];
  @NonNegativeInt() max_fallbacks?: number;
  @StringMap() model_group_alias?: Record<string, string>;
  @Bool() enable_pre_call_checks?: boolean;
  @Bool() enable_tag_filtering?: boolean;
  @Bool() tag_filtering_match_any?: boolean;
  @Text() redis_host?: string;
  @PositiveInt() redis_port?: number;
  @Text() redis_password?: string;
  @Text() redis_url?: string;
  @NonNegativeInt() default_max_parallel_requests?: number;
  @Mapping() routing_strategy_args?: Record<string, unknown>;
  @Mapping() default_litellm_params?: Record<string, unknown>;
  @Mapping() model_group_retry_policy?: Record<string, unknown>;
  @NonNegativeNumber() retry_after?: number;
}

/** `litellm_settings.cache_params` (LiteLLM's names): the response cache, and where its Redis is. */
export class CacheParamsDto {
  [extra: string]: unknown;

  @Text() type?: string;
  @Text() host?: string;
  @PositiveInt() port?: number;
  @Text() username?: string;
  @Text() password?: string;
  @Text() url?: string;
  @Text() redis_url?: string;
  @NonNegativeInt() db?: number;
  @Bool() ssl?: boolean;
  @Text() ssl_cert_reqs?: string;
  @Text() namespace?: string;
  @PositiveNumber() ttl?: number;
  @PositiveNumber() default_in_memory_ttl?: number;
  @PositiveNumber() default_in_redis_ttl?: number;
  @StringList() supported_call_types?: string[];
  @OneOf(['default_on', 'default_off']) mode?: string;
  @List() redis_startup_nodes?: unknown[];
  @Text() service_name?: string;
  @List() sentinel_nodes?: unknown[];
  @Text() sentinel_password?: string;
  @PositiveInt() max_size_in_memory?: number;
}

export class LitellmSettingsDto implements LitellmSettings {
  [extra: string]: unknown;

  @CallbackList() callbacks?: string[];
  @CallbackList() success_callback?: string[];
  @CallbackList() failure_callback?: string[];
  @CallbackList() service_callbacks?: string[];
  @Bool() store_audit_logs?: boolean;
  @DurationText() audit_log_retention_period?: string;
  @DurationText() audit_log_retention_interval?: string;
  @ListOrPath() banned_keywords_list?: string | string[];
  @ListOrPath() blocked_user_list?: string | string[];
  @OneOf(LLM_GUARD_MODES) llm_guard_mode?: string;
  @Fraction() google_moderation_confidence_threshold?: number;
  @List() guardrails?: unknown[];
  @NonNegativeNumber() max_budget?: number;
  @Text() budget_duration?: string;
  @NonNegativeInt() num_retries?: number;
  @PositiveNumber() request_timeout?: number;
  @Bool() drop_params?: boolean;
  @List() fallbacks?: unknown[];
  @List() context_window_fallbacks?: unknown[];
  @List() content_policy_fallbacks?: unknown[];
  @StringList() default_fallbacks?: string[];
  @Mapping() default_key_generate_params?: Record<string, unknown>;
  @Mapping() upperbound_key_generate_params?: Record<string, unknown>;
  @List() default_team_settings?: unknown[];
  @Bool() cache?: boolean;
  @Nested(() => CacheParamsDto) cache_params?: CacheParamsDto;
  @Bool() disable_end_user_cost_tracking?: boolean;
  @Bool() disable_end_user_cost_tracking_prometheus_only?: boolean;
  @Bool() enable_end_user_cost_tracking_prometheus_only?: boolean;
  @Bool() prometheus_emit_end_user?: boolean;
  @Bool() turn_off_message_logging?: boolean;
  @Bool() redact_user_api_key_info?: boolean;
  @Bool() json_logs?: boolean;
  @StringList() public_model_groups?: string[];
  @HttpUrlMap() public_model_groups_links?: Record<string, string>;
}

/** One of `general_settings.pass_through_endpoints`. */
export class PassThroughEndpointDto {
  [extra: string]: unknown;
  @RequiredText() path!: string;
  @RequiredHttpUrl() target!: string;
  @Mapping() headers?: Record<string, string>;
  @Bool() forward_headers?: boolean;
  @Bool() auth?: boolean;
  @Bool() include_subpath?: boolean;
}

/** `general_settings.litellm_jwtauth` (LiteLLM's names). */
export class JwtAuthSettingsDto {
  [extra: string]: unknown;
  @Text() admin_jwt_scope?: string;
  @Text() team_id_jwt_field?: string;
  @Text() user_id_jwt_field?: string;
  @Text() end_user_id_jwt_field?: string;
  @PositiveNumber() public_key_ttl?: number;
  @StringList() admin_allowed_routes?: string[];
  @StringList() team_allowed_routes?: string[];
  @Bool() allow_tokens_without_exp?: boolean;
}

/** A host name (`api.openai.com`), a wildcard below a domain (`*.openai.azure.com`), an IP address or a CIDR range. */
function isEgressEntry(value: unknown): boolean {
  if (typeof value !== 'string' || value.trim() === '') return false;
  const entry = value.trim();
  // Digits and dots are an IPv4 address or range (`10.0.0.300` is a typo, not a host name), and so is anything with '/'.
  if (/^[\d./]+$/.test(entry) || entry.includes('/') || entry.includes(':')) return isIpOrCidr(entry);
  return /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i.test(entry);
}

/** Egress entries hold no secrets, so the bad ones are named. */
const EgressList = (): PropertyDecorator =>
  compose(
    IsOptional(),
    check(
      'egressList',
      (v) => isStringList(v) && v.every(isEgressEntry),
      (v) => {
        const bad = Array.isArray(v) ? v.filter((item) => !isEgressEntry(item)) : [];
        const named = bad.length > 0 ? ` (invalid: ${bad.map((item) => JSON.stringify(item)).join(', ')})` : '';
        return `must be a list of host names (*.example.com allowed), IP addresses or CIDR ranges${named}`;
      },
    ),
  );

/** `general_settings.egress_policy` (Tollgate's). */
export class EgressPolicyDto implements EgressPolicySettings {
  @EgressList() allow?: string[];
  @EgressList() deny?: string[];
  @Bool() allow_metadata?: boolean;
}

/** `general_settings.key_management_settings` (LiteLLM's names). */
export class KeyManagementSettingsDto implements KeyManagementSettings {
  [extra: string]: unknown;
  @StringList() hosted_keys?: string[];
  @Bool() store_virtual_keys?: boolean;
  @Text() prefix_for_stored_virtual_keys?: string;
  @OneOf(SECRET_ACCESS_MODES) access_mode?: KeyManagementSettings['access_mode'];
  @Text() primary_secret_name?: string;
}

export class GeneralSettingsDto implements GeneralSettings {
  [extra: string]: unknown;

  @MasterKey() master_key?: string;
  @PostgresUrl() database_url?: string;
  @PositiveInt() database_connection_pool_limit?: number;
  @PositiveNumber() database_connection_timeout?: number;
  @Bool() allow_requests_on_db_unavailable?: boolean;
  @Bool() store_model_in_db?: boolean;
  @PositiveNumber() max_request_size_mb?: number;
  @PositiveInt() max_json_depth?: number;
  @PositiveNumber() max_response_size_mb?: number;
  @StringList() public_routes?: string[];
  @StringList() admin_only_routes?: string[];
  @StringList() allowed_routes?: string[];
  @IpList() allowed_ips?: string[];
  @Bool() use_x_forwarded_for?: boolean;
  @IpList() trusted_proxies?: string[];
  @StringList() enforced_params?: string[];
  @Bool() block_robots?: boolean;
  @Bool() enable_public_model_hub?: boolean;
  @OneOf(KEY_MANAGEMENT_SYSTEMS) key_management_system?: KeyManagementSystem;
  @Nested(() => KeyManagementSettingsDto) key_management_settings?: KeyManagementSettingsDto;
  @Bool() enable_jwt_auth?: boolean;
  @Bool() allow_client_side_credentials?: boolean;
  @Nested(() => EgressPolicyDto) egress_policy?: EgressPolicyDto;
  @Nested(() => JwtAuthSettingsDto) litellm_jwtauth?: JwtAuthSettingsDto;
  @NonNegativeInt() max_parallel_requests?: number;
  @NonNegativeInt() global_max_parallel_requests?: number;
  @Bool() background_health_checks?: boolean;
  @PositiveNumber() health_check_interval?: number;
  @Bool() health_check_details?: boolean;
  @StringList() alerting?: string[];
  @StringList() alert_types?: string[];
  @PositiveNumber() alerting_threshold?: number;
  @DurationText() spend_report_frequency?: string;
  @NestedList(() => PassThroughEndpointDto) pass_through_endpoints?: PassThroughEndpointDto[];
  @PositiveNumber() proxy_batch_write_at?: number;
  @PositiveNumber() proxy_budget_rescheduler_min_time?: number;
  @PositiveNumber() proxy_budget_rescheduler_max_time?: number;
  @Bool() disable_spend_logs?: boolean;
  @Bool() disable_reset_budget?: boolean;
  @Bool() disable_master_key_return?: boolean;
  @DurationText() maximum_spend_logs_retention_period?: string;
  @Text() audit_log_hmac_key?: string;
  @DurationText() maximum_spend_logs_retention_interval?: string;
  @DurationText() responses_retention_period?: string;
  @Text() litellm_key_header_name?: string;
  @DurationOrSeconds() ui_session_idle_timeout?: string | number;
  @DurationOrSeconds() ui_session_max_age?: string | number;
  @StringList() guardrail_packages?: string[];
  @OneOf(['fail_closed', 'fail_open']) redis_failure_mode?: string;
  @PositiveNumber() redis_lease_seconds?: number;
  @Text() redis_key_prefix?: string;
  @PositiveInt() redis_command_timeout_ms?: number;
}

export class GuardrailParamsDto {
  [extra: string]: unknown;

  @RequiredText() guardrail!: string;
  @GuardrailMode() mode?: string | string[];
}

export class GuardrailEntryDto implements GuardrailConfigEntry {
  [extra: string]: unknown;

  @RequiredText() guardrail_name!: string;
  @Nested(() => GuardrailParamsDto, true) litellm_params!: GuardrailParamsDto;
}

/** The validated sections of a config file; `environment_variables` is checked by the loader before refs resolve. */
export class ConfigFileDto {
  @NestedList(() => ModelDeploymentDto) model_list?: ModelDeploymentDto[];
  @Nested(() => RouterSettingsDto) router_settings?: RouterSettingsDto;
  @Nested(() => LitellmSettingsDto) litellm_settings?: LitellmSettingsDto;
  @Nested(() => GeneralSettingsDto) general_settings?: GeneralSettingsDto;
  @NestedList(() => GuardrailEntryDto) guardrails?: GuardrailEntryDto[];
}
