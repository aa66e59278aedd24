import { classifyProviderFailure, retryAfterMs } from './provider-errors';
import { UpstreamError } from './routing.errors';

describe('provider error classes', () => {
  it('should classify statuses and 400 texts once, for every adapter', () => {
    expect(classifyProviderFailure(429)).toBe('rate_limited');
    expect(classifyProviderFailure(401)).toBe('auth');
    expect(classifyProviderFailure(408)).toBe('timeout');
    expect(classifyProviderFailure(503)).toBe('upstream');
    expect(classifyProviderFailure(400, "This model's maximum context length is 8192 tokens")).toBe('context_window_exceeded');
    expect(classifyProviderFailure(400, 'prompt is too long: 210000 tokens > 200000 maximum')).toBe('context_window_exceeded');
    expect(classifyProviderFailure(400, 'The response was filtered due to the prompt triggering content management policy')).toBe('content_policy');
    expect(classifyProviderFailure(400, 'Unrecognized request argument supplied: foo')).toBe('bad_request');
  });

  it('should refine a bad request built by an adapter and name LiteLLM’s exception', () => {
    const error = new UpstreamError('bad_request', 400, 'OpenAI', 'context_length_exceeded: too long');
    expect(error.kind).toBe('context_window_exceeded');
    expect(error.message).toMatch(/^litellm\.ContextWindowExceededError: OpenAIException - /);
  });

  it('should read retry-after as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
