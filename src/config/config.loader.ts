import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { parseDocument } from 'yaml';
import { ConfigError } from './config.errors';
import { GENERAL_SETTINGS_KEYS, LITELLM_SETTINGS_KEYS, MODEL_ENTRY_KEYS, ROUTER_SETTINGS_KEYS, TOP_LEVEL_KEYS } from './config.known-keys';
import { ConfigFileDto, isPostgresUrl } from './config.schema';
import { readResponseCache, readSharedState } from './shared-state-settings';
import type { SettingsOverrides, TollgateConfig } from './config.types';
import { readEmailSettings } from './email-settings';
import { readLoggingCallbacks } from './logging-callback-settings';
import { guardrailEnvOf } from './guardrail-env';
import { readDocsSettings, readJsonLogs, readOtelSettings, readPrometheusSettings } from './observability-settings';
import { readAlertingSettings } from './alerting-settings';
import { PROVIDER_ENV_NAMES } from './provider-env';
import { readUiLoginSettings } from './ui-login-settings';

export interface LoadConfigOptions {
  /** Path of a LiteLLM-style `config.yaml`; falls back to `CONFIG_FILE_PATH`. Without either the config is empty. */
  configPath?: string;
  /** Read-only: `environment_variables` from the file are layered over a copy, never written back. */
  env: NodeJS.ProcessEnv;
  /**
   * Values read from the configured secret manager (src/secrets), by env name: they answer `os.environ/NAME`
   * before the environment does. Required when `key_management_system` names a manager, so that a config
   * meant for a manager is never quietly resolved from the environment instead.
   */
  secretValues?: Readonly<Record<string, string>>;
  /** Told of every `os.environ/NAME` answered from `secretValues`, so src/secrets can keep that value live. */
  onSecretReference?: (reference: SecretReference) => void;
  /**
   * Runtime settings stored in the database (src/settings): each field replaces the file's field of the same name in
   * its section before anything is resolved or validated, so a stored value passes exactly the checks a file value does.
   */
  overrides?: SettingsOverrides;
}

/** Where in the resolved config a manager-held value landed (`model_list[0].litellm_params.api_key`). */
export interface SecretReference {
  path: string;
  name: string;
  /** A scheme word kept in front of the value (`bearer ` in pass-through headers), else ''. */
  prefix: string;
}

/** What src/secrets needs before the real load: the manager settings and every referenced env name. */
export interface SecretManagerPreview {
  keyManagementSystem?: unknown;
  keyManagementSettings?: unknown;
  referencedNames: string[];
}

type Env = Record<string, string | undefined>;
type Mapping = Record<string, unknown>;

const ENV_REF_PREFIX = 'os.environ/';
const SECTION_KEYS = ['model_list', 'router_settings', 'litellm_settings', 'general_settings', 'guardrails'] as const;

const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);
/** Compose files and `.env` loaders often set a variable to "" to mean "unset". */
/** ~1 KB a row: about 10 MB of memory before an outage's rows go only to the journal. */
const DEFAULT_SPEND_BUFFER_ROWS = 10_000;
const present = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value);

/**
 * Reads, resolves and validates a LiteLLM-compatible config file together with the environment.
 * Unknown keys become `warnings`; every invalid value is collected into a single error.
 * @throws ConfigError when the file cannot be read or parsed, a referenced variable is unset, or any value is invalid.
 */
export function loadConfig(options: LoadConfigOptions): TollgateConfig {
  const rawPath = present(options.configPath) ?? present(options.env.CONFIG_FILE_PATH);
  const configPath = rawPath === undefined ? undefined : resolve(rawPath);
  const warnings: string[] = [];
  const file = configPath === undefined ? {} : readConfigFile(configPath, warnings);
  return buildConfig(file, configPath, options, warnings);
}

/**
 * The one place a config is resolved and validated: at boot, for a `SIGHUP` reload (`reloadFile`), and for runtime
 * settings (`withOverrides`, which reuses the file text read here, so an edited but not yet reloaded file is not seen).
 */
function buildConfig(source: Mapping, configPath: string | undefined, options: LoadConfigOptions, warnings: string[]): TollgateConfig {
  const problems: string[] = [];
  warnUnknownKeys(source, warnings);
  const file = withOverrides(source, options.overrides);

  const secretValues = options.secretValues ?? {};
  const environmentVariables = readEnvironmentVariables(file.environment_variables, { ...options.env, ...secretValues }, problems);
  const env: Env = { ...options.env, ...environmentVariables, ...secretValues };
  const system = isMapping(file.general_settings) ? file.general_settings.key_management_system : undefined;
  if (typeof system === 'string' && system !== 'local' && options.secretValues === undefined) {
    problems.push(`general_settings.key_management_system: ${system} needs the secrets-aware loader (loadConfigWithSecrets)`);
  }
  const onReference = (reference: SecretReference): void => {
    if (Object.hasOwn(secretValues, reference.name)) options.onSecretReference?.(reference);
  };

  const unresolved = new Set<string>();
  const sections: Mapping = {};
  for (const key of SECTION_KEYS) {
    // PyYAML gives None for an empty section (`router_settings:`); LiteLLM treats that as absent.
    if (file[key] !== undefined && file[key] !== null) sections[key] = resolveEnvRefs(file[key], key, env, problems, unresolved, onReference);
  }

  const dto = plainToInstance(ConfigFileDto, sections);
  const errors = validateSync(dto, { stopAtFirstError: true, forbidUnknownValues: false });
  // A path whose env ref is unset already has its error; "is required" on top of it would only add noise.
  for (const { path, message } of flattenErrors(errors)) if (!unresolved.has(path)) problems.push(`${path}: ${message}`);

  const generalSettings = dto.general_settings ?? {};
  const masterKey = deriveMasterKey(generalSettings.master_key, env, problems);
  const databaseUrl = deriveDatabaseUrl(generalSettings.database_url, env, problems);
  const jwt = { publicKeyUrl: present(env.JWT_PUBLIC_KEY_URL), audience: present(env.JWT_AUDIENCE), issuer: present(env.JWT_ISSUER) };
  const awsDefaults = {
    aws_access_key_id: present(env.AWS_ACCESS_KEY_ID),
    aws_secret_access_key: present(env.AWS_SECRET_ACCESS_KEY),
    aws_session_token: present(env.AWS_SESSION_TOKEN),
    // LiteLLM's own name first (its docs and the seed's SageMaker examples use it), then the AWS SDK's.
    aws_region_name: present(env.AWS_REGION_NAME) ?? present(env.AWS_REGION) ?? present(env.AWS_DEFAULT_REGION),
  };
  const providerEnv: Record<string, string> = {};
  for (const name of PROVIDER_ENV_NAMES) {
    const value = present(env[name]);
    if (value !== undefined) providerEnv[name] = value;
  }
  if (generalSettings.enable_jwt_auth === true && !jwt.publicKeyUrl) {
    problems.push("general_settings.enable_jwt_auth: set JWT_PUBLIC_KEY_URL to the identity provider's JWKS URL");
  }
  const maxQueuedRows = positiveInteger(env.TOLLGATE_SPEND_BUFFER_ROWS, 'TOLLGATE_SPEND_BUFFER_ROWS', DEFAULT_SPEND_BUFFER_ROWS, problems);
  const routerSettings = dto.router_settings ?? {};
  const litellmSettings = dto.litellm_settings ?? {};
  const sharedState = readSharedState(routerSettings, litellmSettings, generalSettings, env, problems);
  const responseCache = readResponseCache(litellmSettings, sharedState, problems, warnings);
  const prometheus = readPrometheusSettings(litellmSettings, problems);
  const otel = readOtelSettings(litellmSettings, env, problems);
  const loggingCallbacks = readLoggingCallbacks(litellmSettings, env, problems);
  const docs = readDocsSettings(env, problems);
  const email = readEmailSettings(generalSettings.alerting, docs.title, env, problems);
  const alerting = readAlertingSettings(generalSettings, routerSettings, env, problems, warnings);
  const uiLogin = readUiLoginSettings(generalSettings, env, masterKey, problems);

  if (problems.length > 0) {
    throw new ConfigError(configPath === undefined ? 'Invalid configuration:' : `Invalid configuration in ${configPath}:`, problems);
  }

  const config: TollgateConfig = {
    model_list: dto.model_list ?? [],
    router_settings: routerSettings,
    litellm_settings: litellmSettings,
    general_settings: generalSettings,
    environment_variables: environmentVariables,
    guardrails: dto.guardrails ?? [],
    configPath,
    masterKey,
    databaseUrl,
    dataDir: resolve(present(env.TOLLGATE_DATA_DIR) ?? '.tollgate'),
    spendLedger: { maxQueuedRows },
    jwt,
    awsDefaults,
    guardrailEnv: guardrailEnvOf(env),
    providerEnv,
    saltKey: present(env.LITELLM_SALT_KEY) ?? present(env.TOLLGATE_SALT_KEY),
    sharedState,
    responseCache,
    prometheus,
    otel,
    loggingCallbacks,
    docs,
    email,
    jsonLogs: readJsonLogs(litellmSettings, env),
    alerting,
    uiLogin,
    warnings,
  };
  // Later loads answer `os.environ/NAME` from the same environment and secret values; nobody keeps their references
  // live. Not enumerable: the config stays plain data to whoever copies or compares it.
  const later: LoadConfigOptions = { ...options, onSecretReference: undefined };
  Object.defineProperties(config, {
    withOverrides: { value: (overrides: SettingsOverrides) => buildConfig(source, configPath, { ...later, overrides }, []) },
    reloadFile: { value: (overrides: SettingsOverrides) => loadConfig({ ...later, overrides }) },
  });
  return config;
}

/** The file's sections with each stored field in place of the file's (a copy; the file mapping is kept as read). */
function withOverrides(file: Mapping, overrides: SettingsOverrides | undefined): Mapping {
  if (overrides === undefined) return file;
  const merged: Mapping = { ...file };
  for (const [section, fields] of Object.entries(overrides)) {
    if (fields === undefined || Object.keys(fields).length === 0) continue;
    const base = isMapping(file[section]) ? file[section] : {};
    merged[section] = { ...base, ...fields };
  }
  return merged;
}

/**
 * Reads just enough of the file for src/secrets to build its manager before the real load: the
 * `key_management_*` settings (unvalidated; the real load validates them) and every `os.environ/NAME` name.
 * @throws ConfigError when the file cannot be read or parsed.
 */
export function previewSecretManager(options: LoadConfigOptions): SecretManagerPreview {
  const rawPath = present(options.configPath) ?? present(options.env.CONFIG_FILE_PATH);
  const file = rawPath === undefined ? {} : readConfigFile(resolve(rawPath), []);
  const general = isMapping(file.general_settings) ? file.general_settings : {};
  const names = new Set<string>();
  const collect = (value: unknown): void => {
    if (typeof value === 'string') {
      const reference = /(?:^|^[A-Za-z][A-Za-z0-9-]* )os\.environ\/(.+)$/.exec(value);
      if (reference && reference[1].trim() !== '') names.add(reference[1].trim());
    } else if (Array.isArray(value)) value.forEach(collect);
    else if (isMapping(value)) Object.values(value).forEach(collect);
  };
  for (const key of [...SECTION_KEYS, 'environment_variables']) collect(file[key]);
  return { keyManagementSystem: general.key_management_system, keyManagementSettings: general.key_management_settings, referencedNames: [...names] };
}

function readConfigFile(configPath: string, warnings: string[]): Mapping {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${configPath}: ${describeReadError(error)}`);
  }

  const document = parseDocument(text, { merge: true, prettyErrors: true });
  // PyYAML, which LiteLLM uses, silently keeps the last of duplicate keys; accept that, but say so.
  const duplicates = document.errors.filter((error) => error.code === 'DUPLICATE_KEY');
  const fatal = document.errors.filter((error) => error.code !== 'DUPLICATE_KEY');
  if (fatal.length > 0) {
    // Only the first line: the rest quotes the source line, which may hold a literal secret.
    const [first] = fatal;
    throw new ConfigError(`Cannot parse config file ${configPath}: ${first.message.split('\n')[0].replace(/:$/, '')}`);
  }
  for (const duplicate of duplicates) {
    const line = duplicate.linePos?.[0].line;
    warnings.push(`duplicate key at line ${line ?? '?'} of ${configPath} (the last value wins)`);
  }

  const value: unknown = (duplicates.length > 0 ? parseDocument(text, { merge: true, uniqueKeys: false }) : document).toJS();
  if (value === null || value === undefined) return {};
  if (!isMapping(value)) throw new ConfigError(`Invalid configuration in ${configPath}: the top level must be a mapping of sections`);
  return value;
}

function describeReadError(error: unknown): string {
  const code = isMapping(error) && typeof error.code === 'string' ? error.code : undefined;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return code ?? 'unreadable';
  }
}

function warnUnknownKeys(file: Mapping, warnings: string[]): void {
  const warn = (keys: Iterable<string>, known: ReadonlySet<string>, prefix: string): void => {
    for (const key of keys) if (!known.has(key)) warnings.push(`unknown key ${prefix}${key} (ignored)`);
  };
  warn(Object.keys(file), TOP_LEVEL_KEYS, '');
  const sectionKeys: [string, ReadonlySet<string>][] = [
    ['router_settings', ROUTER_SETTINGS_KEYS],
    ['litellm_settings', LITELLM_SETTINGS_KEYS],
    ['general_settings', GENERAL_SETTINGS_KEYS],
  ];
  for (const [section, known] of sectionKeys) {
    const value = file[section];
    if (isMapping(value)) warn(Object.keys(value), known, `${section}.`);
  }
  // litellm_params and model_info legitimately carry arbitrary provider params and metadata, so only the entry is checked.
  if (Array.isArray(file.model_list)) {
    file.model_list.forEach((entry: unknown, index) => {
      if (isMapping(entry)) warn(Object.keys(entry), MODEL_ENTRY_KEYS, `model_list[${index}].`);
    });
  }
}

function readEnvironmentVariables(value: unknown, env: Env, problems: string[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isMapping(value)) {
    problems.push('environment_variables: must be a mapping of variable names to values');
    return {};
  }
  const variables: Record<string, string> = {};
  for (const [name, item] of Object.entries(value)) {
    const path = `environment_variables.${name}`;
    if (typeof item === 'number' || typeof item === 'boolean') {
      variables[name] = String(item);
    } else if (typeof item !== 'string') {
      problems.push(`${path}: must be a string, number or boolean`);
    } else if (item.startsWith(ENV_REF_PREFIX)) {
      const resolved = lookupEnvRef(item, path, env, problems);
      if (resolved !== undefined) variables[name] = resolved;
    } else {
      variables[name] = item;
    }
  }
  return variables;
}

/** Returns a copy of `value` with every `os.environ/NAME` string replaced; unset refs are dropped and reported. */
function resolveEnvRefs(value: unknown, path: string, env: Env, problems: string[], unresolved: Set<string>, onReference: (reference: SecretReference) => void): unknown {
  if (typeof value === 'string') {
    // LiteLLM's pass-through headers write `Authorization: "bearer os.environ/KEY"`: a scheme word, then the ref.
    const prefixed = /^([A-Za-z][A-Za-z0-9-]* )(os\.environ\/.+)$/.exec(value);
    if (prefixed) {
      const resolved = lookupEnvRef(prefixed[2], path, env, problems);
      if (resolved === undefined) unresolved.add(path);
      else onReference({ path, name: prefixed[2].slice(ENV_REF_PREFIX.length).trim(), prefix: prefixed[1] });
      return resolved === undefined ? undefined : prefixed[1] + resolved;
    }
    if (!value.startsWith(ENV_REF_PREFIX)) return value;
    const resolved = lookupEnvRef(value, path, env, problems);
    if (resolved === undefined) unresolved.add(path);
    else onReference({ path, name: value.slice(ENV_REF_PREFIX.length).trim(), prefix: '' });
    return resolved;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => resolveEnvRefs(item, `${path}[${index}]`, env, problems, unresolved, onReference));
  }
  if (isMapping(value)) {
    const copy: Mapping = {};
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveEnvRefs(item, `${path}.${key}`, env, problems, unresolved, onReference);
      if (resolved !== undefined) copy[key] = resolved;
    }
    return copy;
  }
  return value;
}

function lookupEnvRef(reference: string, path: string, env: Env, problems: string[]): string | undefined {
  const name = reference.slice(ENV_REF_PREFIX.length).trim();
  if (name === '') {
    problems.push(`${path}: '${ENV_REF_PREFIX}' must be followed by a variable name`);
    return undefined;
  }
  const value = env[name];
  if (value === undefined) problems.push(`${path}: environment variable ${name} is not set`);
  return value;
}

/** One problem per key path: the first failed constraint is the most basic one (required, then type). */
function flattenErrors(errors: ValidationError[], parentPath = '', parentIsList = false): { path: string; message: string }[] {
  return errors.flatMap((error) => {
    const path = parentIsList ? `${parentPath}[${error.property}]` : parentPath === '' ? error.property : `${parentPath}.${error.property}`;
    const [message] = Object.values(error.constraints ?? {});
    if (message !== undefined) return [{ path, message }];
    return flattenErrors(error.children ?? [], path, Array.isArray(error.value));
  });
}

function deriveMasterKey(fromFile: string | undefined, env: Env, problems: string[]): string | undefined {
  if (fromFile !== undefined) return fromFile;
  for (const name of ['LITELLM_MASTER_KEY', 'TOLLGATE_MASTER_KEY']) {
    const value = present(env[name]);
    if (value === undefined) continue;
    // Same rule as general_settings.master_key: clients must be able to send it as a `sk-` bearer key.
    if (!value.startsWith('sk-')) problems.push(`${name}: must start with 'sk-'`);
    return value;
  }
  return undefined;
}

function deriveDatabaseUrl(fromFile: string | undefined, env: Env, problems: string[]): string | undefined {
  const fromEnv = present(env.DATABASE_URL);
  if (fromEnv === undefined) return fromFile;
  if (!isPostgresUrl(fromEnv)) problems.push('DATABASE_URL: must be a postgres:// or postgresql:// URL');
  return fromEnv;
}

function positiveInteger(raw: string | undefined, name: string, fallback: number, problems: string[]): number {
  if (present(raw) === undefined) return fallback;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  problems.push(`${name}: must be a positive integer`);
  return fallback;
}
