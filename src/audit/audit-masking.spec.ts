import { changedValues, maskSecret, maskSecrets } from './audit-masking';

describe('maskSecrets', () => {
  it('should mask credential-named fields and key-shaped strings at any depth, keeping key hashes', () => {
    const hash = 'c'.repeat(64);
    const masked = maskSecrets({
      key: 'sk-plaintext-virtual-key-1234',
      token: hash,
      key_alias: 'team-a',
      key_name: 'sk-...1234',
      metadata: { api_key: 'anything-secret-9876', nested: [{ password: 'hunter2-hunter2' }], note: 'sk-in-free-text-abcd' },
      litellm_params: { aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG', vertex_credentials: '{"private_key": "x"}' },
      models: ['gpt-4o'],
      max_budget: 2,
    });
    expect(masked).toEqual({
      key: 'sk-...1234',
      token: hash,
      key_alias: 'team-a',
      key_name: 'sk-...1234',
      metadata: { api_key: '...9876', nested: [{ password: '***' }], note: 'sk-...abcd' },
      litellm_params: { aws_secret_access_key: '...DENG', vertex_credentials: '..."x"}' },
      models: ['gpt-4o'],
      max_budget: 2,
    });
    expect(JSON.stringify(masked)).not.toMatch(/plaintext|hunter2|wJalr/);
  });

  it('should not reveal a short secret at all', () => {
    expect(maskSecret('sk-short')).toBe('sk-...');
    expect(maskSecrets({ secret: 'abc' })).toEqual({ secret: '...' });
  });
});

describe('changedValues', () => {
  it('should keep only what changed, and name what was cleared', () => {
    expect(changedValues({ a: 1, b: [1], c: 'x', d: 'gone' }, { a: 1, b: [1, 2], c: 'y' })).toEqual({ b: [1, 2], c: 'y', d: null });
  });

  it('should keep no character of a password, however long', () => {
    expect(maskSecrets({ password: 'correct-horse-battery-staple', user_passwd: 'abcdefghijklmnop', passphrase: 'x' })).toEqual({
      password: '***',
      user_passwd: '***',
      passphrase: '***',
    });
  });
});
