import type { VirtualKeyRecord } from '../common/access/virtual-key';
import { accessGroupsFor, ModelNotAllowedError, resolveModelForKey } from './model-access';

function key(models: string[], aliases: Record<string, string> = {}): VirtualKeyRecord {
  return { models, aliases } as unknown as VirtualKeyRecord;
}

describe(resolveModelForKey.name, () => {
  it('should let the master key and keys without a model list use any model', () => {
    expect(resolveModelForKey(undefined, 'gpt-4o', undefined)).toBe('gpt-4o');
    expect(resolveModelForKey(key([]), 'gpt-4o', undefined)).toBe('gpt-4o');
  });

  it('should resolve the key alias and allow it when the target is allowed', () => {
    expect(resolveModelForKey(key(['gpt-4o'], { fast: 'gpt-4o' }), 'fast', undefined)).toBe('gpt-4o');
  });

  it('should refuse a model outside the list with LiteLLM’s 401 text', () => {
    const call = () => resolveModelForKey(key(['gpt-4o-mini']), 'gpt-4o', undefined);
    expect(call).toThrow(ModelNotAllowedError);
    expect(call).toThrow("API Key not allowed to access model. This key can only access models=['gpt-4o-mini']. Tried to access gpt-4o");
  });

  it('should refuse request fallbacks the key may not use', () => {
    expect(() => resolveModelForKey(key(['gpt-4o-mini']), 'gpt-4o-mini', ['gpt-4o'])).toThrow('Tried to access gpt-4o');
    expect(() => resolveModelForKey(key(['gpt-4o-mini']), 'gpt-4o-mini', [{ model: 'gpt-4o' }])).toThrow(ModelNotAllowedError);
    expect(resolveModelForKey(key(['gpt-4o-mini', 'gpt-4o']), 'gpt-4o-mini', ['gpt-4o'])).toBe('gpt-4o-mini');
  });

  it('should honour provider wildcards', () => {
    expect(resolveModelForKey(key(['openai/*']), 'openai/gpt-4o', undefined)).toBe('openai/gpt-4o');
  });
});

describe('model access groups', () => {
  const groups = new Map([
    ['beta-models', ['gpt-4o', 'gpt-4o-mini']],
    ['premium', ['o1']],
  ]);

  it('should let a list naming a group use its models, and only those', () => {
    expect(resolveModelForKey(key(['beta-models']), 'gpt-4o', undefined, null, groups)).toBe('gpt-4o');
    expect(() => resolveModelForKey(key(['beta-models']), 'o1', undefined, null, groups)).toThrow(ModelNotAllowedError);
    expect(() => resolveModelForKey(key(['beta-models']), 'gpt-4o', undefined)).toThrow(ModelNotAllowedError);
  });

  it('should list the groups a caller may use: all of them without a list, else those it names', () => {
    expect(accessGroupsFor(undefined, null, groups)).toEqual(['beta-models', 'premium']);
    expect(accessGroupsFor(key([]), null, groups)).toEqual(['beta-models', 'premium']);
    expect(accessGroupsFor(key(['premium', 'gpt-4o']), null, groups)).toEqual(['premium']);
    expect(accessGroupsFor(key(['gpt-4o']), null, groups)).toEqual([]);
    expect(accessGroupsFor(key([]), null, new Map())).toEqual([]);
  });
});
