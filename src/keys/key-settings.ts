import type { LitellmSettings } from '../config/config.types';
import { parseDuration } from '../common/duration';
import { KeyUpperboundError } from './keys.errors';

/** `litellm_settings.default_key_generate_params`: values used for /key/generate fields the caller left unset. */
export interface KeyGenerateDefaults {
  max_budget?: number;
  user_id?: string;
  team_id?: string;
  max_parallel_requests?: number;
  tpm_limit?: number;
  rpm_limit?: number;
  budget_duration?: string;
  duration?: string;
  models?: string[];
  metadata?: Record<string, unknown>;
}

/** `litellm_settings.upperbound_key_generate_params`: ceilings on what a key may be given. */
export interface KeyGenerateUpperbounds {
  max_budget?: number;
  max_parallel_requests?: number;
  tpm_limit?: number;
  rpm_limit?: number;
  budget_duration?: string;
  duration?: string;
}

export interface KeySettings {
  defaults: KeyGenerateDefaults;
  upperbounds: KeyGenerateUpperbounds;
}

/** The fields defaults and upper bounds touch, as they appear in a request body. */
export interface BoundedKeyFields {
  max_budget?: number | null;
  user_id?: string | null;
  team_id?: string | null;
  max_parallel_requests?: number | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  budget_duration?: string | null;
  duration?: string | null;
  models?: string[] | null;
  metadata?: Record<string, unknown> | null;
}

const NUMERIC = ['max_budget', 'max_parallel_requests', 'tpm_limit', 'rpm_limit'] as const;
const DURATIONS = ['budget_duration', 'duration'] as const;
const STRINGS = ['user_id', 'team_id'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Narrows the two settings from the config's untyped extras. A wrong value stops boot naming the key, as every
 * invalid value of a known config key does; unknown fields inside are ignored like LiteLLM ignores them.
 * @throws Error naming each invalid entry.
 */
export function readKeySettings(settings: LitellmSettings): KeySettings {
  const problems: string[] = [];
  const section = (name: string): Record<string, unknown> => {
    const value = settings[name];
    if (value === undefined || value === null) return {};
    if (!isRecord(value)) {
      problems.push(`litellm_settings.${name} must be a mapping`);
      return {};
    }
    return value;
  };
  const rawDefaults = section('default_key_generate_params');
  const rawBounds = section('upperbound_key_generate_params');
  const defaults: KeyGenerateDefaults = {};
  const upperbounds: KeyGenerateUpperbounds = {};

  const number = (source: Record<string, unknown>, name: string, field: string): number | undefined => {
    const value = source[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`litellm_settings.${name}.${field} must be a non-negative number`);
      return undefined;
    }
    return value;
  };
  const duration = (source: Record<string, unknown>, name: string, field: string): string | undefined => {
    const value = source[field];
    if (value === undefined || value === null) return undefined;
    const text = typeof value === 'number' ? `${value}s` : value;
    if (typeof text !== 'string' || parseDuration(text) === undefined) {
      problems.push(`litellm_settings.${name}.${field} must be a duration such as 30d`);
      return undefined;
    }
    return text;
  };

  for (const field of NUMERIC) {
    defaults[field] = number(rawDefaults, 'default_key_generate_params', field);
    upperbounds[field] = number(rawBounds, 'upperbound_key_generate_params', field);
  }
  for (const field of DURATIONS) {
    defaults[field] = duration(rawDefaults, 'default_key_generate_params', field);
    upperbounds[field] = duration(rawBounds, 'upperbound_key_generate_params', field);
  }
  for (const field of STRINGS) {
    const value = rawDefaults[field];
    if (value === undefined || value === null) continue;
    if (typeof value === 'string') defaults[field] = value;
    else problems.push(`litellm_settings.default_key_generate_params.${field} must be a string`);
  }
  const models = rawDefaults.models;
  if (Array.isArray(models) && models.every((m) => typeof m === 'string')) defaults.models = models as string[];
  else if (models !== undefined && models !== null) problems.push('litellm_settings.default_key_generate_params.models must be a list of model names');
  const metadata = rawDefaults.metadata;
  if (isRecord(metadata)) defaults.metadata = metadata;
  else if (metadata !== undefined && metadata !== null) problems.push('litellm_settings.default_key_generate_params.metadata must be a mapping');

  if (problems.length) throw new Error(`Invalid key settings in the config: ${problems.join('; ')}`);
  return { defaults: dropUndefined(defaults), upperbounds: dropUndefined(upperbounds) };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Fills what /key/generate left unset (null, or an empty models list / metadata) from the configured defaults. */
export function applyGenerateDefaults(fields: BoundedKeyFields, defaults: KeyGenerateDefaults): void {
  for (const field of [...NUMERIC, ...DURATIONS, ...STRINGS] as const) {
    const value = defaults[field];
    if ((fields[field] === undefined || fields[field] === null) && value !== undefined) (fields as Record<string, unknown>)[field] = value;
  }
  if ((!fields.models || fields.models.length === 0) && defaults.models) fields.models = [...defaults.models];
  if ((!fields.metadata || Object.keys(fields.metadata).length === 0) && defaults.metadata) fields.metadata = { ...defaults.metadata };
}

/**
 * Applies LiteLLM's upper bounds. On generate an unset field takes the bound itself (so a capped `duration`
 * also means keys expire); a set field over the bound is refused with LiteLLM's text.
 * @throws KeyUpperboundError
 */
export function enforceUpperbounds(fields: BoundedKeyFields, bounds: KeyGenerateUpperbounds, fillUnset: boolean): void {
  for (const field of NUMERIC) {
    const bound = bounds[field];
    if (bound === undefined) continue;
    const value = fields[field];
    if (value === undefined || value === null) {
      if (fillUnset) fields[field] = bound;
    } else if (value > bound) {
      const format = field === 'max_budget' ? pythonFloat : String;
      throw new KeyUpperboundError(field, format(value), format(bound));
    }
  }
  for (const field of DURATIONS) {
    const bound = bounds[field];
    if (bound === undefined) continue;
    const value = fields[field];
    if (value === undefined || value === null) {
      if (fillUnset) fields[field] = bound;
      continue;
    }
    const requested = value === '-1' ? Number.POSITIVE_INFINITY : (parseDuration(value) ?? Number.POSITIVE_INFINITY);
    if (requested > (parseDuration(bound) ?? 0)) throw new KeyUpperboundError(field, value, bound);
  }
}

/** LiteLLM formats budgets as Python floats (`100.0`); clients match on the text. */
export function pythonFloat(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}
