import { CredentialCipher, isCredentialField, withoutCredentials } from './credential-cipher';

describe(CredentialCipher.name, () => {
  const sut = new CredentialCipher('salt-key-1');

  it('should encrypt credential fields only, and decrypt them back', () => {
    const params = { model: 'openai/gpt-4o', api_key: 'sk-live-123', aws_secret_access_key: 'abc', input_cost_per_token: 0.1, max_tokens: 5, rpm: 3 };
    const stored = sut.encryptParams(params);
    expect(stored.api_key).toMatch(/^tollgate:v1:/);
    expect(stored.aws_secret_access_key).toMatch(/^tollgate:v1:/);
    expect(JSON.stringify(stored)).not.toContain('sk-live-123');
    expect(stored).toMatchObject({ model: 'openai/gpt-4o', input_cost_per_token: 0.1, max_tokens: 5, rpm: 3 });
    expect(sut.decryptParams(stored)).toEqual(params);
  });

  it('should refuse a value encrypted with another key', () => {
    const stored = sut.encrypt('sk-live-123');
    expect(() => new CredentialCipher('other').decrypt(stored)).toThrow();
  });

  it('should strip credentials from what an API shows', () => {
    expect(withoutCredentials({ model: 'm', api_key: 'x', api_base: 'http://b', aws_session_token: 't' })).toEqual({ model: 'm', api_base: 'http://b' });
    expect(isCredentialField('input_cost_per_token')).toBe(false);
    expect(isCredentialField('vertex_credentials')).toBe(true);
  });
});
