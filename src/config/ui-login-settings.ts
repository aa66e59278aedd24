import { parseDuration } from '../common/duration';
import type { GeneralSettings, UiLoginSettings } from './config.types';

type Env = Record<string, string | undefined>;

export const DEFAULT_UI_SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_UI_SESSION_MAX_AGE_MS = 12 * 3_600_000;

/** The settings when a config built in a test carries none: the defaults, no UI password. */
export const DEFAULT_UI_LOGIN: UiLoginSettings = Object.freeze({
  username: 'admin',
  idleTimeoutMs: DEFAULT_UI_SESSION_IDLE_TIMEOUT_MS,
  maxAgeMs: DEFAULT_UI_SESSION_MAX_AGE_MS,
});

/** A duration in LiteLLM's style (`30m`, `12h`) or a number of seconds; the schema already checked the form. */
function durationMs(value: string | number | undefined, name: string, fallback: number, problems: string[]): number {
  if (value === undefined || value === null) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    problems.push(`general_settings.${name}: must be a positive duration such as 30m or 12h, or a number of seconds`);
    return fallback;
  }
  return ms;
}

export function readUiLoginSettings(general: GeneralSettings, env: Env, masterKey: string | undefined, problems: string[]): UiLoginSettings {
  const username = env.UI_USERNAME?.trim() || 'admin';
  const password = env.UI_PASSWORD !== undefined && env.UI_PASSWORD !== '' ? env.UI_PASSWORD : masterKey;
  const idleTimeoutMs = durationMs(general.ui_session_idle_timeout, 'ui_session_idle_timeout', DEFAULT_UI_SESSION_IDLE_TIMEOUT_MS, problems);
  const maxAgeMs = durationMs(general.ui_session_max_age, 'ui_session_max_age', DEFAULT_UI_SESSION_MAX_AGE_MS, problems);
  return { username, password, idleTimeoutMs, maxAgeMs };
}
