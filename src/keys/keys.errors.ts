import { DomainError } from '../common/errors/domain-error';

/** 404 for a key (or alias) that does not exist; never echoes the key, which may be a plaintext secret. */
export class KeyNotFoundError extends DomainError {
  constructor(message = 'Key not found.') {
    super('GW_NOT_FOUND', message, { status: 404, type: 'not_found_error', param: 'key' });
  }
}

/** 400 for a management body that is well-formed JSON but not a valid request. */
export class InvalidKeyRequestError extends DomainError {
  constructor(message: string, param: string | null = null) {
    super('GW_BAD_REQUEST', message, { status: 400, type: 'bad_request_error', param });
  }
}

export class KeyAliasTakenError extends InvalidKeyRequestError {
  constructor(alias: string) {
    super(`Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`, 'key_alias');
  }
}

export class KeyAlreadyExistsError extends InvalidKeyRequestError {
  constructor() {
    super('Key already exists. Choose another key value or let the gateway generate one.', 'key');
  }
}

/** LiteLLM's `upperbound_key_generate_params` refusal, text kept verbatim. */
export class KeyUpperboundError extends InvalidKeyRequestError {
  constructor(field: string, userValue: string, maxValue: string) {
    super(`${field} is over max limit set in config - user_value=${userValue}; max_value=${maxValue}`, field);
  }
}

/** A field some LiteLLM version accepts that Tollgate does not implement yet: refused rather than silently ignored. */
export class KeyFieldNotSupportedError extends InvalidKeyRequestError {
  constructor(field: string, detail = 'is not supported by this gateway yet') {
    super(`${field} ${detail}.`, field);
  }
}

/** 403: the caller is authenticated but may not touch this key, or may not grant what it asked for. */
export class KeyAccessDeniedError extends DomainError {
  constructor(message: string, param: string | null = null) {
    super('GW_AUTH_FORBIDDEN', message, { status: 403, type: 'auth_error', param });
  }
}
