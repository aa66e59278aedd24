import { anthropicErrorBody, anthropicErrorType } from './anthropic-error';

describe(anthropicErrorType.name, () => {
  it.each([
    [400, 'invalid_request_error', 'invalid_request_error'],
    [400, 'budget_exceeded', 'budget_exceeded'],
    [400, 'expired_key', 'expired_key'],
    [400, 'invalid_model', 'invalid_request_error'],
    [401, 'auth_error', 'authentication_error'],
    [403, 'auth_error', 'permission_error'],
    [404, 'not_found_error', 'not_found_error'],
    [408, 'timeout_error', 'timeout_error'],
    [413, 'invalid_request_error', 'request_too_large'],
    [415, 'invalid_request_error', 'invalid_request_error'],
    [429, 'rate_limit_error', 'rate_limit_error'],
    [500, 'internal_server_error', 'api_error'],
    [503, 'internal_server_error', 'api_error'],
    [529, 'internal_server_error', 'overloaded_error'],
  ])('should map status %d (%s) to %s', (status, type, expected) => {
    expect(anthropicErrorType(status, type)).toBe(expected);
  });

  it('should keep the message and nothing of the OpenAI envelope', () => {
    const body = anthropicErrorBody({
      status: 401,
      internalCode: 'X',
      unexpected: false,
      body: { error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: null, code: '401' } },
    });
    expect(body).toEqual({ type: 'error', error: { type: 'authentication_error', message: 'Authentication Error, No api key passed in.' } });
  });
});
