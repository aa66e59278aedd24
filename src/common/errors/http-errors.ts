import { pythonNumber } from '../python-number';
import { DomainError } from './domain-error';

/** Errors shared by several modules; module-specific ones live in `<module>.errors.ts`. */

export class MissingApiKeyError extends DomainError {
  constructor() {
    super('GW_AUTH_MISSING_KEY', 'Authentication Error, No api key passed in.', { status: 401, type: 'auth_error' });
  }
}

export class MalformedApiKeyError extends DomainError {
  constructor() {
    super('GW_AUTH_MALFORMED_KEY', 'Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.', {
      status: 401,
      type: 'auth_error',
    });
  }
}

export class InvalidApiKeyError extends DomainError {
  constructor(detail = 'Invalid proxy server token passed.') {
    super('GW_AUTH_INVALID_KEY', `Authentication Error, ${detail}`, { status: 401, type: 'auth_error' });
  }
}

export class AdminOnlyRouteError extends DomainError {
  constructor(route: string) {
    super('GW_AUTH_FORBIDDEN', `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}`, {
      status: 401,
      type: 'auth_error',
    });
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, param: string | null = null) {
    super('GW_BAD_REQUEST', message, { status: 400, type: 'invalid_request_error', param });
  }
}

export class InvalidJsonError extends DomainError {
  constructor() {
    super('GW_INVALID_JSON', 'Invalid JSON in request body.', { status: 400, type: 'invalid_request_error' });
  }
}

/** LiteLLM's text, numbers written as Python writes them (`Max size is 1e-09 MB`): clients match on it. */
export class RequestTooLargeError extends DomainError {
  constructor(requestSizeMb: number, maxSizeMb: number) {
    super('GW_REQUEST_TOO_LARGE', `Request size is too large. Request size is ${pythonNumber(requestSizeMb, 'float')} MB. Max size is ${pythonNumber(maxSizeMb, 'config')} MB`, {
      status: 400,
      type: 'bad_request_error',
      param: 'content-length',
    });
  }
}

/**
 * An upstream response over `max_response_size_mb`, in LiteLLM's words (and its `param`). The size is what was
 * known when the call was stopped: the declared Content-Length, or the bytes read or relayed until then.
 */
export class ResponseTooLargeError extends DomainError {
  constructor(responseSizeMb: number, maxSizeMb: number) {
    super(
      'GW_RESPONSE_TOO_LARGE',
      `Response size is too large. Response size is ${pythonNumber(responseSizeMb, 'float')} MB. Max size is ${pythonNumber(maxSizeMb, 'config')} MB`,
      { status: 400, type: 'bad_request_error', param: 'content-length' },
    );
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string) {
    super('GW_NOT_FOUND', message, { status: 404, type: 'not_found_error' });
  }
}
