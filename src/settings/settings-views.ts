import type { TollgateConfig } from '../config/config.types';
import { BadRequestError } from '../common/errors/http-errors';
import { BOOT_ONLY_FIELDS, ROUTER_PAGE_FIELDS, ROUTING_STRATEGY_DESCRIPTIONS, RUNTIME_FIELDS, runtimeField, type ConfigType, type FieldType } from './runtime-fields';
import { maskSecrets } from './secret-mask';
import type { SettingsSnapshot } from './runtime-settings.service';

/** `GET /config/field/info` (LiteLLM's `ConfigFieldInfo`, plus what the UI needs to render the field). */
export interface ConfigFieldInfo {
  field_name: string;
  field_value: unknown;
  stored_in_db: boolean;
  config_type: ConfigType;
  field_default_value: unknown;
  /** Whether a change is applied by the running gateway (else: config.yaml and a restart). */
  applied_at_runtime: boolean;
}

/** One row of `GET /config/list` (LiteLLM's `ConfigList`). */
export interface ConfigListItem {
  field_name: string;
  field_type: FieldType | 'Unknown';
  field_description: string;
  field_value: unknown;
  stored_in_db: boolean;
  field_default_value: unknown;
  applied_at_runtime: boolean;
}

export interface RouterSettingsField {
  field_name: string;
  field_type: FieldType;
  field_description: string;
  field_value: unknown;
  field_default_value: unknown;
  options?: string[];
}

/** `GET /router/settings` (LiteLLM's `RouterSettingsResponse`). */
export interface RouterSettingsView {
  fields: RouterSettingsField[];
  current_values: Record<string, unknown>;
  routing_strategy_descriptions: Record<string, string>;
}

/** The router_settings fields LiteLLM's Router also takes from litellm_settings when router_settings lacks them. */
const LITELLM_EQUIVALENT: Readonly<Record<string, string>> = {
  num_retries: 'num_retries',
  timeout: 'request_timeout',
  fallbacks: 'fallbacks',
  context_window_fallbacks: 'context_window_fallbacks',
  content_policy_fallbacks: 'content_policy_fallbacks',
  default_fallbacks: 'default_fallbacks',
};

function sectionOf(config: TollgateConfig, section: ConfigType): Record<string, unknown> {
  return config[section] as Record<string, unknown>;
}

/** @throws BadRequestError for an unknown field (neither applied at runtime nor in the running config) */
export function fieldInfo(snapshot: SettingsSnapshot, section: ConfigType, name: string): ConfigFieldInfo {
  const field = runtimeField(section, name);
  const running = sectionOf(snapshot.effective, section);
  if (field === undefined && !Object.hasOwn(running, name) && !BOOT_ONLY_FIELDS.has(name)) {
    throw new BadRequestError(`${section}.${name} is neither set nor changeable at runtime. Call /config/list?config_type=${section} for the fields.`, 'field_name');
  }
  return {
    field_name: name,
    field_value: maskSecrets(running[name] ?? null, name),
    stored_in_db: Object.hasOwn(snapshot.stored[section] ?? {}, name),
    config_type: section,
    field_default_value: field?.defaultValue ?? null,
    applied_at_runtime: field !== undefined,
  };
}

/** Every field of the section that applies at runtime, then every other field the running config sets. */
export function configList(snapshot: SettingsSnapshot, section: ConfigType): ConfigListItem[] {
  const running = sectionOf(snapshot.effective, section);
  const stored = snapshot.stored[section] ?? {};
  const items: ConfigListItem[] = RUNTIME_FIELDS.filter((field) => field.section === section).map((field) => ({
    field_name: field.name,
    field_type: field.type,
    field_description: field.description,
    field_value: maskSecrets(running[field.name] ?? null, field.name),
    stored_in_db: Object.hasOwn(stored, field.name),
    field_default_value: field.defaultValue,
    applied_at_runtime: true,
  }));
  const listed = new Set(items.map((item) => item.field_name));
  for (const [name, value] of Object.entries(running)) {
    if (listed.has(name) || value === undefined) continue;
    items.push({
      field_name: name,
      field_type: 'Unknown',
      field_description: 'Set in config.yaml; changes need a restart',
      field_value: maskSecrets(value, name),
      stored_in_db: false,
      field_default_value: null,
      applied_at_runtime: false,
    });
  }
  return items;
}

export function routerSettings(snapshot: SettingsSnapshot): RouterSettingsView {
  const router = sectionOf(snapshot.effective, 'router_settings');
  const litellm = sectionOf(snapshot.effective, 'litellm_settings');
  const fields = ROUTER_PAGE_FIELDS.map((field): RouterSettingsField => {
    const equivalent = LITELLM_EQUIVALENT[field.name];
    const value = router[field.name] ?? (equivalent === undefined ? undefined : litellm[equivalent]) ?? null;
    return {
      field_name: field.name,
      field_type: field.type,
      field_description: field.description,
      field_value: maskSecrets(value, field.name),
      field_default_value: field.defaultValue,
      ...(field.options ? { options: [...field.options] } : {}),
    };
  });
  const current_values = Object.fromEntries(fields.map((field) => [field.field_name, field.field_value ?? field.field_default_value]));
  return { fields, current_values, routing_strategy_descriptions: { ...ROUTING_STRATEGY_DESCRIPTIONS } };
}

export interface CallbackView {
  name: string;
  type: 'success' | 'failure' | 'success_and_failure';
  variables: Record<string, string | null>;
}

export interface AlertView {
  name: string;
  variables: Record<string, string | null>;
  active_alerts: string[];
}

/** `GET /get/config/callbacks` (LiteLLM's shape): the configured logging callbacks and alerting integrations. */
export function configuredCallbacks(config: TollgateConfig): { status: 'success'; callbacks: CallbackView[]; alerts: AlertView[] } {
  const litellm = config.litellm_settings;
  const callbacks: CallbackView[] = [];
  const add = (names: readonly string[] | undefined, type: CallbackView['type']): void => {
    for (const name of names ?? []) if (!callbacks.some((callback) => callback.name === name)) callbacks.push({ name, type, variables: {} });
  };
  add(litellm.callbacks, 'success_and_failure');
  add(litellm.success_callback, 'success');
  add(litellm.failure_callback, 'failure');
  const alerting = config.general_settings.alerting;
  const alerts: AlertView[] = (Array.isArray(alerting) ? alerting : [])
    .filter((name): name is string => typeof name === 'string')
    .map((name): AlertView => {
      const slackUrl = Object.values(config.alerting?.slack ?? {}).flat()[0];
      return {
        name,
        variables: name === 'slack' ? { SLACK_WEBHOOK_URL: slackUrl === undefined ? null : String(maskSecrets(slackUrl, 'webhook')) } : {},
        active_alerts: [...(config.alerting?.types ?? [])],
      };
    });
  return { status: 'success', callbacks, alerts };
}

/** `GET /active/callbacks` (LiteLLM's keys): what this instance runs. */
export function activeCallbacks(config: TollgateConfig): Record<string, unknown> {
  const litellm = config.litellm_settings;
  const list = (names: readonly string[] | undefined): string[] => [...(names ?? [])];
  const alerting = (Array.isArray(config.general_settings.alerting) ? config.general_settings.alerting : []).filter((name): name is string => typeof name === 'string');
  const all = [...new Set([...list(litellm.callbacks), ...list(litellm.success_callback), ...list(litellm.failure_callback)])];
  return {
    alerting,
    'litellm.callbacks': list(litellm.callbacks),
    'litellm.input_callback': [],
    'litellm.failure_callback': list(litellm.failure_callback),
    'litellm.success_callback': list(litellm.success_callback),
    'litellm._async_success_callback': list(litellm.success_callback),
    'litellm._async_failure_callback': list(litellm.failure_callback),
    'litellm._async_input_callback': [],
    all_litellm_callbacks: all,
    num_callbacks: all.length,
    num_alerting: alerting.length,
    'litellm.request_timeout': config.router_settings.timeout ?? litellm.request_timeout ?? null,
  };
}
