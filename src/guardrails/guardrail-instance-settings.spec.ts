import type { GuardrailInstanceSpec } from './guardrail-config';
import { resolveEnvDefaults, settingsActivation } from './guardrail-instance-settings';

const spec = (form: GuardrailInstanceSpec['form'], config: Record<string, unknown>): GuardrailInstanceSpec => ({
  name: 'llmguard_moderations',
  plugin: 'llmguard_moderations',
  form,
  defaultOn: true,
  config,
  onError: 'fail_closed',
  origin: 'litellm_settings.callbacks[0]',
});

describe(resolveEnvDefaults.name, () => {
  it('should answer an os.environ/ default from the guardrail variables and drop it when unset', () => {
    const config = { api_base: 'os.environ/LLM_GUARD_API_BASE', api_key: 'os.environ/LAKERA_API_KEY', timeout: 3, name: 'x' };
    expect(resolveEnvDefaults(config, { LLM_GUARD_API_BASE: 'http://guard:8192' })).toEqual({ api_base: 'http://guard:8192', timeout: 3, name: 'x' });
  });
});

describe(settingsActivation.name, () => {
  it("should take LiteLLM's llm_guard_mode for the callbacks and legacy forms only", () => {
    expect(settingsActivation(spec('callbacks', { llm_guard_mode: 'key-specific' }), 'llm-guard')).toEqual({ activation: 'key-specific' });
    expect(settingsActivation(spec('legacy', { llm_guard_mode: 'request-specific' }), 'llm-guard')).toEqual({ activation: 'request-specific' });
    expect(settingsActivation(spec('guardrails', { llm_guard_mode: 'key-specific' }), 'llm-guard')).toEqual({});
    expect(settingsActivation(spec('callbacks', {}), 'llm-guard')).toEqual({});
    expect(settingsActivation(spec('callbacks', { llm_guard_mode: 'sometimes' }), 'llm-guard').problem).toContain('litellm_settings.llm_guard_mode');
  });
});
