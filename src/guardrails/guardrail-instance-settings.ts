import type { ActivationMode } from '@tollgate/guardrail-sdk';
import type { GuardrailInstanceSpec } from './guardrail-config';

const ENV_REF_PREFIX = 'os.environ/';
const ACTIVATION_MODES: readonly ActivationMode[] = ['all', 'key-specific', 'request-specific'];

/**
 * A plugin's config after Ajv applied its schema defaults: a top-level default `os.environ/NAME` (what LiteLLM's
 * guardrails read when the config names nothing, e.g. `LLM_GUARD_API_BASE`) takes the value of NAME from `env` (the
 * guardrail variables src/config read), or is dropped when unset so the plugin reports the missing setting itself.
 * Values written in the config file were resolved when it was loaded; only defaults are left as references here.
 */
export function resolveEnvDefaults(config: Record<string, unknown>, env: Readonly<Record<string, string>>): Record<string, unknown> {
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string' || !value.startsWith(ENV_REF_PREFIX)) {
      resolved[key] = value;
      continue;
    }
    const set = env[value.slice(ENV_REF_PREFIX.length).trim()];
    if (set !== undefined) resolved[key] = set;
  }
  return resolved;
}

/**
 * LiteLLM switches some callbacks per key or request with a `litellm_settings` key of their own (`llm_guard_mode`):
 * for the callbacks and legacy forms, `<id>_mode` (the id with underscores) is the instance's `guardrail_mode`.
 */
export function settingsActivation(spec: GuardrailInstanceSpec, id: string): { activation?: ActivationMode; problem?: string } {
  if (spec.form === 'guardrails') return {};
  const key = `${id.replace(/-/g, '_')}_mode`;
  const value = spec.config[key];
  if (value === undefined) return {};
  if (typeof value !== 'string' || !ACTIVATION_MODES.includes(value as ActivationMode))
    return { problem: `litellm_settings.${key}: must be all, key-specific or request-specific` };
  return { activation: value as ActivationMode };
}
