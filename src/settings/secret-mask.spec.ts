import { MASK, isSecretName, maskSecrets } from './secret-mask';

describe('maskSecrets', () => {
  it('should mask every value under a secret-looking key, however deep, and keep the rest', () => {
    const masked = maskSecrets({
      master_key: 'sk-1234567890abcdefWXYZ',
      num_retries: 3,
      redis_password: 'hunter2',
      nested: { api_key: 'sk-live-0000000000001234', list: [{ aws_secret_access_key: 'AKIA...' }] },
      fallbacks: [{ 'gpt-4o': ['claude'] }],
    });
    expect(masked).toEqual({
      master_key: `${MASK}WXYZ`,
      num_retries: 3,
      redis_password: MASK,
      nested: { api_key: `${MASK}1234`, list: [{ aws_secret_access_key: MASK }] },
      fallbacks: [{ 'gpt-4o': ['claude'] }],
    });
    expect(JSON.stringify(masked)).not.toContain('hunter2');
  });

  it('should mask the credentials of a URL anywhere, and leave null and empty values as they are', () => {
    expect(maskSecrets({ target: 'postgresql://tollgate:s3cret@db:5432/app' })).toEqual({ target: `postgresql://${MASK}@db:5432/app` });
    expect(maskSecrets({ database_url: null, api_key: '' })).toEqual({ database_url: null, api_key: '' });
  });

  it('should know the secret names LiteLLM masks', () => {
    for (const name of ['api_key', 'master_key', 'database_url', 'redis_password', 'slack_webhook_url', 'vault_token']) expect(isSecretName(name)).toBe(true);
    for (const name of ['num_retries', 'routing_strategy', 'fallbacks', 'timeout']) expect(isSecretName(name)).toBe(false);
  });
});
