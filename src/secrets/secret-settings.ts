import type { KeyManagementSettings } from '../config/config.types';
import type { ManagedSystem } from './secret-manager';

export type Env = Readonly<Record<string, string | undefined>>;

const SECOND = 1000;
const DEFAULT_REFRESH_SECONDS = 300;
/** With the manager down, a value keeps serving at least this long after its last successful read. */
const MIN_DEFAULT_TTL_SECONDS = 3600;
const DEFAULT_VIRTUAL_KEY_PREFIX = 'litellm/';

/** How src/secrets reads and writes, from `key_management_settings` and the environment. */
export interface SecretManagerSettings {
  system: ManagedSystem;
  /** Undefined: every referenced name lives in the manager. */
  hostedKeys?: ReadonlySet<string>;
  accessMode: 'read_only' | 'write_only' | 'read_and_write';
  storeVirtualKeys: boolean;
  virtualKeyPrefix: string;
  primarySecretName?: string;
  /** A cached value is re-read this often. */
  refreshIntervalMs: number;
  /** A cached value not re-read for this long is no longer served. */
  ttlMs: number;
}

const present = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads the settings leniently (the config loader validates the same keys strictly and reports them); only
 * the intervals, which the loader does not know, are checked here.
 * @param problems receives one line per bad setting.
 */
export function readSecretManagerSettings(system: ManagedSystem, raw: unknown, env: Env, problems: string[]): SecretManagerSettings {
  const settings: KeyManagementSettings = isMapping(raw) ? raw : {};
  const hosted = Array.isArray(settings.hosted_keys) ? settings.hosted_keys.filter((name): name is string => typeof name === 'string') : undefined;
  const accessMode = settings.access_mode === 'write_only' || settings.access_mode === 'read_and_write' ? settings.access_mode : 'read_only';
  const storeVirtualKeys = settings.store_virtual_keys === true || String(settings.store_virtual_keys).toLowerCase() === 'true';
  if (storeVirtualKeys && accessMode === 'read_only') {
    problems.push('general_settings.key_management_settings.store_virtual_keys: needs access_mode write_only or read_and_write');
  }

  const vendorRefresh = system === 'google_secret_manager' ? 'GOOGLE_SECRET_MANAGER_REFRESH_INTERVAL' : system === 'hashicorp_vault' ? 'HCP_VAULT_REFRESH_INTERVAL' : undefined;
  const refreshName = vendorRefresh !== undefined && present(env[vendorRefresh]) !== undefined ? vendorRefresh : 'TOLLGATE_SECRET_REFRESH_INTERVAL';
  const refreshSeconds = seconds(env, refreshName, DEFAULT_REFRESH_SECONDS, problems);
  const ttlSeconds = seconds(env, 'TOLLGATE_SECRET_TTL', Math.max(2 * refreshSeconds, MIN_DEFAULT_TTL_SECONDS), problems);
  if (ttlSeconds < refreshSeconds) problems.push(`TOLLGATE_SECRET_TTL: must be at least the refresh interval (${refreshName}, ${refreshSeconds} s)`);

  return {
    system,
    hostedKeys: hosted === undefined ? undefined : new Set(hosted),
    accessMode,
    storeVirtualKeys,
    virtualKeyPrefix: typeof settings.prefix_for_stored_virtual_keys === 'string' ? settings.prefix_for_stored_virtual_keys : DEFAULT_VIRTUAL_KEY_PREFIX,
    primarySecretName: typeof settings.primary_secret_name === 'string' && settings.primary_secret_name !== '' ? settings.primary_secret_name : undefined,
    refreshIntervalMs: refreshSeconds * SECOND,
    ttlMs: ttlSeconds * SECOND,
  };
}

/** Whether `os.environ/NAME` is answered by the manager (else by the environment), as LiteLLM decides it. */
export function isReadFromManager(settings: SecretManagerSettings, name: string): boolean {
  if (settings.accessMode === 'write_only') return false;
  return settings.hostedKeys === undefined || settings.hostedKeys.has(name);
}

function seconds(env: Env, name: string, fallback: number, problems: string[]): number {
  const raw = present(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (Number.isFinite(value) && value > 0) return value;
  problems.push(`${name}: must be a positive number of seconds`);
  return fallback;
}

/** `name` of an env var, required by a manager's client. */
export function requiredEnv(env: Env, name: string, problems: string[], purpose: string): string {
  const value = present(env[name]);
  if (value === undefined) problems.push(`${name}: must be set for ${purpose}`);
  return value ?? '';
}

export { present as presentEnv };
