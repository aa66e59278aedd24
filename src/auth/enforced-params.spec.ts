import { missingEnforcedParam } from './enforced-params';

describe(missingEnforcedParam.name, () => {
  it('should name the first missing parameter as LiteLLM does', () => {
    const params = ['user', 'metadata.generation_name'];
    expect(missingEnforcedParam({ model: 'm' }, params)).toBe('user');
    expect(missingEnforcedParam({ user: 'gm', metadata: {} }, params)).toBe('[metadata][generation_name]');
    expect(missingEnforcedParam({ user: 'gm' }, params)).toBe('[metadata][generation_name]');
    expect(missingEnforcedParam({ user: 'gm', metadata: { generation_name: 'prod-app' } }, params)).toBeNull();
    expect(missingEnforcedParam('not an object', ['user'])).toBe('user');
    expect(missingEnforcedParam({}, [])).toBeNull();
  });
});
