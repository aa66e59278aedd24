import type { Deployment } from './deployment';
import { isCredentialParam, withoutCredentials, withoutDeploymentSecrets } from './deployment-credentials';

describe('deployment credentials', () => {
  it.each([
    'api_key',
    'aws_access_key_id',
    'aws_secret_access_key',
    'aws_session_token',
    'aws_role_name',
    'azure_ad_token',
    'client_secret',
    'vertex_credentials',
    'extra_headers',
    'organization',
    'gemini_api_key',
  ])('should treat %s as a credential', (name) => expect(isCredentialParam(name)).toBe(true));

  it.each(['model', 'api_base', 'max_tokens', 'input_cost_per_token', 'output_cost_per_token', 'temperature', 'rpm', 'timeout'])('should not treat %s as a credential', (name) => {
    expect(isCredentialParam(name)).toBe(false);
  });

  it('should strip credential params only', () => {
    expect(withoutCredentials({ model: 'bedrock/x', aws_secret_access_key: 's', max_tokens: 5 })).toEqual({ model: 'bedrock/x', max_tokens: 5 });
  });

  it("should redact the deployment's own credential values from a provider's error text, whatever their shape", () => {
    const deployment = {
      apiKey: 'prov-key-without-known-prefix',
      params: { model: 'openai/x', aws_secret_access_key: 'wJalrXUtnFEMI/K7MDENG', extra_headers: { authorization: 'Bearer hdr-secret-value' }, max_tokens: 123456789 },
    } as unknown as Deployment;
    const text = 'Incorrect API key provided: prov-key-without-known-prefix; signature wJalrXUtnFEMI/K7MDENG; header Bearer hdr-secret-value; max 123456789';
    expect(withoutDeploymentSecrets(text, deployment)).toBe('Incorrect API key provided: ***; signature ***; header ***; max 123456789');
    expect(withoutDeploymentSecrets('nothing to hide', { apiKey: 'short', params: { model: 'm' } } as unknown as Deployment)).toBe('nothing to hide');
  });
});
