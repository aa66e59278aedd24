import { UpstreamError } from '../routing.errors';
import { ContentPolicyViolationError, ContextWindowExceededError, errorMessageOf, providerHttpError } from './provider-error-mapping';

describe('provider error mapping', () => {
  it.each([
    ['Anthropic', 'prompt is too long: 210000 tokens > 200000 maximum'],
    ['OpenAI', "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."],
    ['Gemini', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).'],
    ['Bedrock', 'Input is too long for requested model.'],
    ['Cohere', 'too many tokens: total number of tokens in the prompt cannot exceed 128000'],
    ['Ollama', 'input length exceeds the context length'],
    ['Sagemaker', 'Received client error (422) from primary with message "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096".'],
  ])('should classify a %s context-window 400 as ContextWindowExceededError', (label, detail) => {
    const error = providerHttpError(label, 400, detail);
    expect(error).toBeInstanceOf(ContextWindowExceededError);
    expect(error.status).toBe(400);
    expect(error.message.startsWith(`litellm.ContextWindowExceededError: ${label}Exception - `)).toBe(true);
    expect(error.retryable).toBe(false);
  });

  it('should classify a content-policy refusal', () => {
    const error = providerHttpError('AzureOpenAI', 400, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.");
    expect(error).toBeInstanceOf(ContentPolicyViolationError);
    expect(error.message).toContain('litellm.ContentPolicyViolationError: AzureOpenAIException');
  });

  it('should map statuses to the router’s kinds, with retry-after kept and 529 shown as 429', () => {
    const limited = providerHttpError('Anthropic', 529, 'Overloaded', '3');
    expect(limited.kind).toBe('rate_limited');
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({ 'retry-after': '3' });
    expect(limited.retryable).toBe(true);
    expect(providerHttpError('Gemini', 403, 'denied').kind).toBe('auth');
    expect(providerHttpError('Ollama', 404, 'model not found').kind).toBe('not_found');
    expect(providerHttpError('Bedrock', 503, 'unavailable').kind).toBe('upstream');
    const plain = providerHttpError('Cohere', 400, 'invalid temperature');
    expect(plain).toBeInstanceOf(UpstreamError);
    expect(plain).not.toBeInstanceOf(ContextWindowExceededError);
    expect(plain.kind).toBe('bad_request');
  });

  it('should never pass a credential a provider echoes back', () => {
    expect(providerHttpError('OpenAI', 401, 'Incorrect API key provided: sk-abcdef123456789.').message).not.toContain('abcdef123456789');
  });

  it.each([
    ['{"type":"error","error":{"type":"invalid_request_error","message":"anthropic says"}}', 'anthropic says'],
    ['{"error":"model \\"x\\" not found"}', 'model "x" not found'],
    ['{"error":{"code":400,"message":"gemini says","status":"INVALID_ARGUMENT"}}', 'gemini says'],
    ['{"message":"cohere or bedrock says"}', 'cohere or bedrock says'],
    ['{"Message":"bedrock access denied"}', 'bedrock access denied'],
    ['<html>Bad gateway</html>', undefined],
  ])('should find the message in %s', (body, message) => {
    expect(errorMessageOf(body)).toBe(message);
  });
});
