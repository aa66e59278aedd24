import type { GuardrailConfigForm, OnError } from './guardrail-config';
import type { GuardrailInstance } from './guardrail-registry';

export interface GuardrailListParams {
  guardrail: string;
  mode: string[];
  default_on: boolean;
}

export interface GuardrailListInfo {
  package_name: string;
  config_form: GuardrailConfigForm;
  on_error: OnError;
  timeout_ms: number;
  priority: number;
  activation: string;
}

/** One row of LiteLLM's `GET /guardrails/list`. */
export interface GuardrailListEntry {
  guardrail_name: string;
  litellm_params: GuardrailListParams;
  guardrail_info: GuardrailListInfo;
}

/**
 * What a caller may know about the loaded guardrails: names to ask for, phases, and how they fail. The plugin's
 * own config block is left out on purpose: vendor blocks hold API keys and endpoints.
 */
export function guardrailListOf(instances: readonly GuardrailInstance[]): GuardrailListEntry[] {
  return instances.map((instance) => ({
    guardrail_name: instance.name,
    litellm_params: { guardrail: instance.id, mode: [...instance.phases], default_on: instance.defaultOn },
    guardrail_info: {
      package_name: instance.packageName,
      config_form: instance.form,
      on_error: instance.onError,
      timeout_ms: instance.timeoutMs,
      priority: instance.priority,
      activation: instance.activation,
    },
  }));
}
