import type { ActivationMode, GuardrailPhase } from '@tollgate/guardrail-sdk';
import type { TollgateConfig } from '../config/config.types';

/** What an instance does when its plugin throws or runs out of time. */
export type OnError = 'fail_closed' | 'fail_open';

/** Which of LiteLLM's three config forms declared an instance; it decides the per-request switches that apply. */
export type GuardrailConfigForm = 'callbacks' | 'legacy' | 'guardrails';

/** One configured guardrail instance, before its plugin is loaded. */
export interface GuardrailInstanceSpec {
  /** What requests, keys and teams call it: `guardrail_name`, the legacy group name, or the callback name. */
  readonly name: string;
  /** The plugin reference as written: an id (`hide_secrets`, `hide-secrets`) or a package name. */
  readonly plugin: string;
  readonly form: GuardrailConfigForm;
  /** Phases from `mode`; undefined runs the plugin's default phases. */
  readonly phases?: readonly GuardrailPhase[];
  readonly defaultOn: boolean;
  /** The block handed to the plugin (validated against its schema at boot). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly onError: OnError;
  readonly timeoutMs?: number;
  readonly activation?: ActivationMode;
  /** Where in the config file it came from, for boot messages. */
  readonly origin: string;
}

/**
 * Callback names LiteLLM treats as guardrails. A configured one without an installed plugin stops boot rather
 * than letting traffic through unchecked.
 */
const GUARDRAIL_CALLBACKS = new Set([
  'hide-secrets',
  'banned-keywords',
  'blocked-user-check',
  'detect-prompt-injection',
  'llmguard-moderations',
  'llamaguard-moderations',
  'google-text-moderation',
  'openai-moderations',
  'lakera-prompt-injection',
  'presidio',
  'aporia',
  'aporio-prompt-injection',
  'bedrock',
  'guardrails-ai',
  'aim',
]);

/**
 * Callbacks another module serves (`prometheus` turns on LiteLLM's metric set in src/observability, `otel` the
 * traces in src/tracing, `generic_api` and `langfuse` the payloads in src/call-logging), so naming them needs no warning.
 */
const SERVED_CALLBACKS = new Set(['prometheus', 'otel', 'generic_api', 'generic', 'langfuse', 's3', 'gcs_bucket']);

/** Logging integrations LiteLLM has and Tollgate does not; named in config, they are warned about and skipped. */
const LOGGING_CALLBACKS = new Set(['datadog', 'langsmith', 'lunary', 'helicone', 'sentry', 'slack', 'arize', 'braintrust', 'mlflow', 'opik']);

const PHASE_OF_MODE: Record<string, GuardrailPhase> = {
  pre_call: 'pre_call',
  during_call: 'during_call',
  post_call: 'post_call',
  logging_only: 'logging_only',
};

/** Keys of a guardrail block that steer the host rather than configure the plugin. */
const HOST_KEYS = ['guardrail', 'mode', 'default_on', 'on_error', 'timeout_ms', 'guardrail_mode', 'callbacks', 'callback_args', 'logging_only'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toId(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, '-');
}

/** True when `name` is a guardrail for the callbacks form: a known guardrail, or a package allowed in config. */
export function isGuardrailCallback(name: string, allowedPackages: readonly string[]): boolean {
  return GUARDRAIL_CALLBACKS.has(toId(name)) || allowedPackages.includes(name) || allowedPackages.some((pkg) => pkg.endsWith(`guardrail-${toId(name)}`));
}

/** Phases a LiteLLM `mode` names; `post_call` also covers the streamed form of a reply. */
export function phasesOfMode(mode: string | readonly string[] | undefined): GuardrailPhase[] | undefined {
  if (mode === undefined) return undefined;
  const phases = (typeof mode === 'string' ? [mode] : mode).map((item) => PHASE_OF_MODE[item]).filter((phase): phase is GuardrailPhase => phase !== undefined);
  if (phases.includes('post_call')) phases.push('streaming');
  return phases;
}

function hostSettings(params: Record<string, unknown>, origin: string, problems: string[]): { onError: OnError; timeoutMs?: number; activation?: ActivationMode } {
  const onError = params.on_error ?? 'fail_closed';
  if (onError !== 'fail_closed' && onError !== 'fail_open') problems.push(`${origin}.on_error: must be fail_closed or fail_open`);
  const timeout = params.timeout_ms;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) problems.push(`${origin}.timeout_ms: must be a positive number`);
  const activation = params.guardrail_mode;
  if (activation !== undefined && activation !== 'all' && activation !== 'key-specific' && activation !== 'request-specific') {
    problems.push(`${origin}.guardrail_mode: must be all, key-specific or request-specific`);
  }
  return {
    onError: onError === 'fail_open' ? 'fail_open' : 'fail_closed',
    timeoutMs: typeof timeout === 'number' && timeout > 0 ? timeout : undefined,
    activation: activation as ActivationMode | undefined,
  };
}

function withoutHostKeys(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => !HOST_KEYS.includes(key)));
}

/** Every guardrail instance the config declares, in config order, plus findings to warn about and problems that stop boot. */
export interface CollectedGuardrails {
  instances: GuardrailInstanceSpec[];
  warnings: string[];
  problems: string[];
}

/**
 * Reads the three forms:
 * - `litellm_settings.callbacks: [hide_secrets, …]`: on for every request; the plugin config is `litellm_settings`
 *   itself (where LiteLLM keeps `banned_keywords_list`, `blocked_user_list`, …).
 * - legacy `litellm_settings.guardrails: [{<name>: {callbacks: [...], default_on, logging_only, callback_args}}]`.
 * - top-level `guardrails: [{guardrail_name, litellm_params: {guardrail, mode, default_on, …}}]`.
 */
export function collectGuardrails(config: Pick<TollgateConfig, 'litellm_settings' | 'guardrails' | 'general_settings'>): CollectedGuardrails {
  const instances: GuardrailInstanceSpec[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  const settings = config.litellm_settings;
  const allowed = guardrailPackagesOf(config);
  const sharedConfig = withoutHostKeys(settings);

  (settings.callbacks ?? []).forEach((name, index) => {
    const origin = `litellm_settings.callbacks[${index}]`;
    if (isGuardrailCallback(name, allowed)) {
      instances.push({ name, plugin: name, form: 'callbacks', defaultOn: true, config: sharedConfig, onError: 'fail_closed', origin });
    } else if (SERVED_CALLBACKS.has(name)) {
      return;
    } else if (LOGGING_CALLBACKS.has(name)) {
      warnings.push(`${origin}: the '${name}' logging integration is not supported by Tollgate; ignored`);
    } else if (name.includes('.')) {
      warnings.push(`${origin}: custom Python callback '${name}' cannot run in Tollgate; write a guardrail package instead (README "Write your own guardrail"); ignored`);
    } else {
      warnings.push(`${origin}: unknown callback '${name}'; ignored`);
    }
  });

  (Array.isArray(settings.guardrails) ? (settings.guardrails as unknown[]) : []).forEach((entry, index) => {
    const origin = `litellm_settings.guardrails[${index}]`;
    if (!isRecord(entry) || Object.keys(entry).length !== 1) {
      problems.push(`${origin}: must be a mapping of one guardrail name to its settings`);
      return;
    }
    const [name, body] = Object.entries(entry)[0];
    if (!isRecord(body)) {
      problems.push(`${origin}.${name}: must be a mapping with callbacks and default_on`);
      return;
    }
    const callbacks = typeof body.callbacks === 'string' ? [body.callbacks] : body.callbacks;
    if (!Array.isArray(callbacks) || callbacks.length === 0 || !callbacks.every((item) => typeof item === 'string')) {
      problems.push(`${origin}.${name}.callbacks: must be a non-empty list of guardrail callback names`);
      return;
    }
    const host = hostSettings(body, `${origin}.${name}`, problems);
    const callbackArgs = isRecord(body.callback_args) ? body.callback_args : {};
    for (const callback of callbacks as string[]) {
      const args = isRecord(callbackArgs[callback]) ? callbackArgs[callback] : {};
      instances.push({
        name,
        plugin: callback,
        form: 'legacy',
        phases: body.logging_only === true ? ['logging_only'] : undefined,
        defaultOn: body.default_on === true,
        config: { ...sharedConfig, ...withoutHostKeys(body), ...args },
        ...host,
        origin: `${origin}.${name}`,
      });
    }
  });

  config.guardrails.forEach((entry, index) => {
    const origin = `guardrails[${index}] (${entry.guardrail_name})`;
    const params = entry.litellm_params;
    const host = hostSettings(params, origin, problems);
    instances.push({
      name: entry.guardrail_name,
      plugin: params.guardrail,
      form: 'guardrails',
      phases: phasesOfMode(params.mode),
      defaultOn: params.default_on === true,
      config: withoutHostKeys(params),
      ...host,
      origin,
    });
  });

  const seen = new Set<string>();
  for (const instance of instances) {
    if (instance.form !== 'guardrails') continue;
    if (seen.has(instance.name)) problems.push(`${instance.origin}: guardrail_name '${instance.name}' is used twice`);
    seen.add(instance.name);
  }
  return { instances, warnings, problems };
}

/** `general_settings.guardrail_packages`: third-party plugin packages Tollgate may load (built-ins always may). */
export function guardrailPackagesOf(config: Pick<TollgateConfig, 'general_settings'>): string[] {
  const listed = config.general_settings.guardrail_packages;
  return Array.isArray(listed) ? listed.filter((item): item is string => typeof item === 'string') : [];
}
