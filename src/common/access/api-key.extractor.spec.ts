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

  it('should report a missing key', () => {
    expect(extractApiKey({})).toEqual({ problem: 'missing' });
    expect(extractApiKey({ authorization: '   ' })).toEqual({ problem: 'missing' });
  });
});
