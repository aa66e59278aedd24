import type { SettingsOverrides } from '../config/config.types';
import { BadRequestError } from '../common/errors/http-errors';
import { BOOT_ONLY_FIELDS, CONFIG_TYPES, runtimeField, type ConfigType } from './runtime-fields';

/** One section's stored fields; `null` in a change means "no longer stored: the file's value applies again". */
export type SectionChanges = Record<string, unknown>;
export type SettingsChanges = Partial<Record<ConfigType, SectionChanges>>;

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function isConfigType(value: unknown): value is ConfigType {
  return typeof value === 'string' && (CONFIG_TYPES as readonly string[]).includes(value);
}

/**
 * `POST /config/update`'s body as changes, every field checked to be one the running gateway applies.
 * @throws BadRequestError naming the first section or field that cannot be stored
 */
export function parseConfigUpdate(body: unknown): SettingsChanges {
  if (!isMapping(body)) throw new BadRequestError('The body must be a JSON object with general_settings, router_settings or litellm_settings', null);
  const changes: SettingsChanges = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'environment_variables') {
      if (value === null || value === undefined || (isMapping(value) && Object.keys(value).length === 0)) continue;
      throw new BadRequestError(
        'environment_variables cannot be changed at runtime: set them in the environment or in config.yaml and restart (they are read once, at boot)',
        'environment_variables',
      );
    }
    if (!isConfigType(key)) throw new BadRequestError(`Unknown config section ${key}: expected general_settings, router_settings or litellm_settings`, key);
    if (value === null || value === undefined) continue;
    if (!isMapping(value)) throw new BadRequestError(`${key} must be a mapping of field names to values`, key);
    for (const [field, fieldValue] of Object.entries(value)) checkField(key, field, fieldValue);
    if (Object.keys(value).length > 0) changes[key] = { ...value };
  }
  if (Object.keys(changes).length === 0) throw new BadRequestError('Nothing to update: give general_settings, router_settings or litellm_settings fields', null);
  return changes;
}

/**
 * One field of a section as a change.
 * @throws BadRequestError when the field does not exist at runtime or needs a restart
 */
export function checkField(section: ConfigType, field: unknown, value: unknown): void {
  if (typeof field !== 'string' || field.trim() === '') throw new BadRequestError('field_name must be a non-empty string', 'field_name');
  const path = `${section}.${field}`;
  if (BOOT_ONLY_FIELDS.has(field)) {
    throw new BadRequestError(`${path} cannot be changed at runtime: a restart with a new config.yaml (or environment) is required`, path);
  }
  if (runtimeField(section, field) === undefined) {
    throw new BadRequestError(`${path} is not applied at runtime: set it in config.yaml and restart. Settings applied at runtime: see /config/list?config_type=${section}`, path);
  }
  if (value === undefined) throw new BadRequestError(`${path}: a value is required (null removes the stored value)`, path);
}

/** The stored settings after `changes`: a value replaces, `null` removes; sections left empty are dropped. */
export function applyChanges(stored: SettingsOverrides, changes: SettingsChanges): SettingsOverrides {
  const next: SettingsOverrides = {};
  for (const section of CONFIG_TYPES) {
    const fields: Record<string, unknown> = { ...(stored[section] ?? {}) };
    for (const [field, value] of Object.entries(changes[section] ?? {})) {
      if (value === null) delete fields[field];
      else fields[field] = value;
    }
    if (Object.keys(fields).length > 0) next[section] = fields;
  }
  return next;
}

/** The sections whose stored fields differ between two states (each one gets its row rewritten and audited). */
export function changedSections(before: SettingsOverrides, after: SettingsOverrides): ConfigType[] {
  return CONFIG_TYPES.filter((section) => JSON.stringify(before[section] ?? {}) !== JSON.stringify(after[section] ?? {}));
}

/** A stored row's value as a section, ignoring anything that is not a mapping. */
export function sectionOf(value: unknown): Record<string, unknown> | undefined {
  return isMapping(value) && Object.keys(value).length > 0 ? { ...value } : undefined;
}
