import { applyGenerateDefaults, type BoundedKeyFields, enforceUpperbounds, pythonFloat, readKeySettings } from './key-settings';
import { KeyUpperboundError } from './keys.errors';

describe(readKeySettings.name, () => {
  it('should narrow the two settings and ignore fields it does not know', () => {
    const settings = readKeySettings({
      default_key_generate_params: { max_budget: 5, models: ['gpt-4o'], metadata: { source: 'default' }, duration: '30d', whatever: 1 },
      upperbound_key_generate_params: { max_budget: 100, rpm_limit: 1000, duration: '90d' },
    });
    expect(settings).toEqual({
      defaults: { max_budget: 5, models: ['gpt-4o'], metadata: { source: 'default' }, duration: '30d' },
      upperbounds: { max_budget: 100, rpm_limit: 1000, duration: '90d' },
    });
    expect(readKeySettings({})).toEqual({ defaults: {}, upperbounds: {} });
  });

  it('should stop boot naming every invalid entry', () => {
    expect(() => readKeySettings({ upperbound_key_generate_params: { max_budget: 'lots', duration: 'forever' }, default_key_generate_params: { models: 'gpt-4o' } })).toThrow(
      'upperbound_key_generate_params.max_budget must be a non-negative number; litellm_settings.upperbound_key_generate_params.duration must be a duration such as 30d; litellm_settings.default_key_generate_params.models must be a list of model names',
    );
  });
});

describe(applyGenerateDefaults.name, () => {
  it('should fill unset fields, empty models and empty metadata only', () => {
    const fields: BoundedKeyFields = { max_budget: null, tpm_limit: 7, models: [], metadata: {} };
    applyGenerateDefaults(fields, { max_budget: 5, tpm_limit: 100, models: ['gpt-4o'], metadata: { a: 1 }, user_id: 'svc' });
    expect(fields).toEqual({ max_budget: 5, tpm_limit: 7, models: ['gpt-4o'], metadata: { a: 1 }, user_id: 'svc' });
  });
});

describe(enforceUpperbounds.name, () => {
  const bounds = { max_budget: 100, rpm_limit: 1000, duration: '30d' };

  it('should refuse values over a bound with LiteLLM text (budgets as Python floats)', () => {
    expect(() => enforceUpperbounds({ max_budget: 200 }, bounds, true)).toThrow(new KeyUpperboundError('max_budget', '200.0', '100.0'));
    expect(() => enforceUpperbounds({ max_budget: 200 }, bounds, true)).toThrow('max_budget is over max limit set in config - user_value=200.0; max_value=100.0');
    expect(() => enforceUpperbounds({ rpm_limit: 1001 }, bounds, false)).toThrow('rpm_limit is over max limit set in config - user_value=1001; max_value=1000');
    expect(() => enforceUpperbounds({ duration: '31d' }, bounds, false)).toThrow('duration is over max limit set in config - user_value=31d; max_value=30d');
    expect(() => enforceUpperbounds({ duration: '-1' }, bounds, false)).toThrow('user_value=-1; max_value=30d');
  });

  it('should give unset fields the bound on generate, and leave them alone on update', () => {
    const generated: BoundedKeyFields = { max_budget: 50 };
    enforceUpperbounds(generated, bounds, true);
    expect(generated).toEqual({ max_budget: 50, rpm_limit: 1000, duration: '30d' });
    const updated: BoundedKeyFields = {};
    enforceUpperbounds(updated, bounds, false);
    expect(updated).toEqual({});
  });

  it('should format floats as Python does', () => {
    expect(pythonFloat(100)).toBe('100.0');
    expect(pythonFloat(0.5)).toBe('0.5');
  });
});
