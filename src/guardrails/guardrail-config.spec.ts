import { collectGuardrails, phasesOfMode } from './guardrail-config';

const empty = { litellm_settings: {}, guardrails: [], general_settings: {} };

describe(collectGuardrails.name, () => {
  it('should read litellm_settings.callbacks as default-on instances configured by litellm_settings', () => {
    const { instances, warnings, problems } = collectGuardrails({
      ...empty,
      litellm_settings: {
        callbacks: ['hide_secrets', 'banned_keywords', 'prometheus', 'datadog', 'custom_callbacks.proxy_handler_instance', 'mystery'],
        banned_keywords_list: ['hello'],
      },
    });
    expect(problems).toEqual([]);
    expect(instances.map((i) => [i.name, i.plugin, i.form, i.defaultOn])).toEqual([
      ['hide_secrets', 'hide_secrets', 'callbacks', true],
      ['banned_keywords', 'banned_keywords', 'callbacks', true],
    ]);
    expect(instances[1].config).toEqual({ banned_keywords_list: ['hello'] });
    expect(warnings).toEqual([
      "litellm_settings.callbacks[3]: the 'datadog' logging integration is not supported by Tollgate; ignored",
      expect.stringContaining("custom Python callback 'custom_callbacks.proxy_handler_instance' cannot run in Tollgate"),
      "litellm_settings.callbacks[5]: unknown callback 'mystery'; ignored",
    ]);
  });

  it('should read the legacy litellm_settings.guardrails form of the seed', () => {
    const { instances, problems } = collectGuardrails({
      ...empty,
      litellm_settings: {
        guardrails: [
          { prompt_injection: { callbacks: ['lakera_prompt_injection'], default_on: true } },
          { hide_secrets_guard: { callbacks: ['hide_secrets'], default_on: false, on_error: 'fail_open' } },
          { quiet: { callbacks: ['hide_secrets'], logging_only: true } },
        ],
      },
    });
    expect(problems).toEqual([]);
    expect(instances.map((i) => [i.name, i.plugin, i.defaultOn, i.onError, i.phases])).toEqual([
      ['prompt_injection', 'lakera_prompt_injection', true, 'fail_closed', undefined],
      ['hide_secrets_guard', 'hide_secrets', false, 'fail_open', undefined],
      ['quiet', 'hide_secrets', false, 'fail_closed', ['logging_only']],
    ]);
  });

  it('should read top-level guardrails with mode, default_on and host settings kept out of the plugin config', () => {
    const { instances, problems } = collectGuardrails({
      ...empty,
      guardrails: [
        { guardrail_name: 'out', litellm_params: { guardrail: 'banned_keywords', mode: 'post_call', default_on: true, timeout_ms: 250, banned_keywords_list: ['x'] } },
        { guardrail_name: 'both', litellm_params: { guardrail: 'hide-secrets', mode: ['pre_call', 'during_call'] } },
      ],
    });
    expect(problems).toEqual([]);
    expect(instances[0]).toMatchObject({
      name: 'out',
      form: 'guardrails',
      defaultOn: true,
      timeoutMs: 250,
      phases: ['post_call', 'streaming'],
      config: { banned_keywords_list: ['x'] },
    });
    expect(instances[1]).toMatchObject({ defaultOn: false, phases: ['pre_call', 'during_call'] });
  });

  it('should name every bad host setting and duplicate name', () => {
    const { problems } = collectGuardrails({
      ...empty,
      guardrails: [
        { guardrail_name: 'a', litellm_params: { guardrail: 'x', on_error: 'explode', timeout_ms: -1 } },
        { guardrail_name: 'a', litellm_params: { guardrail: 'x', guardrail_mode: 'sometimes' } },
      ],
      litellm_settings: { guardrails: [{ one: {}, two: {} }, { g: { callbacks: [] } }] },
    });
    expect(problems).toEqual([
      'litellm_settings.guardrails[0]: must be a mapping of one guardrail name to its settings',
      'litellm_settings.guardrails[1].g.callbacks: must be a non-empty list of guardrail callback names',
      'guardrails[0] (a).on_error: must be fail_closed or fail_open',
      'guardrails[0] (a).timeout_ms: must be a positive number',
      'guardrails[1] (a).guardrail_mode: must be all, key-specific or request-specific',
      "guardrails[1] (a): guardrail_name 'a' is used twice",
    ]);
  });

  it('should treat an allow-listed package named in callbacks as a guardrail', () => {
    const { instances } = collectGuardrails({ ...empty, general_settings: { guardrail_packages: ['tollgate-guardrail-acme'] }, litellm_settings: { callbacks: ['acme'] } });
    expect(instances.map((i) => i.plugin)).toEqual(['acme']);
  });
});

describe(phasesOfMode.name, () => {
  it('should add streaming to post_call and keep the rest', () => {
    expect(phasesOfMode('pre_call')).toEqual(['pre_call']);
    expect(phasesOfMode(['during_call', 'post_call'])).toEqual(['during_call', 'post_call', 'streaming']);
    expect(phasesOfMode(undefined)).toBeUndefined();
  });
});
