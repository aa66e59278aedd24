import { extractApiKey } from './api-key.extractor';

describe(extractApiKey.name, () => {
  it('should read a Bearer token from Authorization', () => {
    expect(extractApiKey({ authorization: 'Bearer sk-1234' })).toEqual({ key: 'sk-1234' });
  });

  it('should accept a Basic prefix as LiteLLM does', () => {
    expect(extractApiKey({ authorization: 'Basic sk-1234' })).toEqual({ key: 'sk-1234' });
  });

  it('should call an Authorization value without a scheme malformed', () => {
    expect(extractApiKey({ authorization: 'sk-1234' })).toEqual({ problem: 'malformed' });
  });

  it('should read the Azure api-key header and the Anthropic x-api-key header', () => {
    expect(extractApiKey({ 'api-key': 'sk-azure' })).toEqual({ key: 'sk-azure' });
    expect(extractApiKey({ 'x-api-key': 'sk-anthropic' })).toEqual({ key: 'sk-anthropic' });
  });

  it('should prefer the configured custom header', () => {
    expect(extractApiKey({ 'x-litellm-key': 'Bearer sk-custom', authorization: 'Bearer sk-other' }, 'X-Litellm-Key')).toEqual({
      key: 'sk-custom',
    });
  });

  it("should read LiteLLM's x-litellm-api-key, with or without Bearer, ahead of Authorization", () => {
    expect(extractApiKey({ 'x-litellm-api-key': 'Bearer sk-litellm' })).toEqual({ key: 'sk-litellm' });
    expect(extractApiKey({ 'x-litellm-api-key': 'sk-litellm' })).toEqual({ key: 'sk-litellm' });
    expect(extractApiKey({ 'x-litellm-api-key': 'Bearer sk-litellm', authorization: 'Bearer provider-oauth-token', 'x-api-key': 'sk-ant' })).toEqual({ key: 'sk-litellm' });
  });

  it('should prefer a configured header over x-litellm-api-key, and fall back when it is absent', () => {
    expect(extractApiKey({ 'x-my-key': 'sk-custom', 'x-litellm-api-key': 'Bearer sk-litellm' }, 'x-my-key')).toEqual({ key: 'sk-custom' });
    expect(extractApiKey({ 'x-litellm-api-key': 'Bearer sk-litellm' }, 'x-my-key')).toEqual({ key: 'sk-litellm' });
  });

  it('should report a missing key', () => {
    expect(extractApiKey({})).toEqual({ problem: 'missing' });
    expect(extractApiKey({ authorization: '   ' })).toEqual({ problem: 'missing' });
    expect(extractApiKey({ 'x-litellm-api-key': ' ' })).toEqual({ problem: 'missing' });
  });
});
