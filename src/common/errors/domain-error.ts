/**
 * Stable internal error codes. They appear in logs and metrics, never change meaning once released,
 * and are mapped to the OpenAI error envelope by the global exception filter.
 */
export type ErrorCode =
  | 'GW_AUTH_MISSING_KEY'
  | 'GW_AUTH_MALFORMED_KEY'
  | 'GW_AUTH_INVALID_KEY'
  | 'GW_AUTH_FORBIDDEN'
  | 'GW_ROUTE_NOT_ALLOWED'
  | 'GW_BAD_REQUEST'
  | 'GW_INVALID_JSON'
  | 'GW_REQUEST_TOO_LARGE'
  | 'GW_RESPONSE_TOO_LARGE'
  | 'GW_UNKNOWN_MODEL'
  | 'GW_NOT_FOUND'
  | 'GW_UNSUPPORTED_OPERATION'
  | 'GW_RATE_LIMITED'
  | 'GW_BUDGET_EXCEEDED'
  | 'GW_KEY_EXPIRED'
  | 'GW_KEY_BLOCKED'
  | 'GW_MODEL_NOT_ALLOWED'
  | 'GW_END_USER_BLOCKED'
  | 'GW_UPSTREAM_ERROR'
  | 'GW_UPSTREAM_TIMEOUT'
  | 'GW_UPSTREAM_UNREACHABLE'
  | 'GW_SECRET_UNAVAILABLE'
  | 'GW_SHARED_STORE_UNAVAILABLE'
  | 'GW_CACHE_CONTROL_FORBIDDEN'
  | 'GW_GUARDRAIL_BLOCKED'
  | 'GW_GUARDRAIL_FAILED'
  | 'GW_GUARDRAIL_FORBIDDEN'
  | 'GW_CLIENT_DISCONNECTED'
  | 'GW_INTERNAL';

/** OpenAI error `type` strings clients and LiteLLM's tests rely on. */
export type OpenAiErrorType =
  'auth_error' | 'invalid_request_error' | 'bad_request_error' | 'not_found_error' | 'timeout_error' | 'rate_limit_error' | 'api_error' | 'internal_server_error' | string;

export interface DomainErrorOptions {
  status: number;
  type: OpenAiErrorType;
  param?: string | null;
  cause?: unknown;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
}

/**
 * Base class of every error a Tollgate service throws on purpose. Services never throw HttpException:
 * the same services run from jobs and interceptors, and one filter owns the HTTP rendering.
 * `message` is shown to the client, so it must never contain a secret, SQL or a stack.
 */
export class DomainError extends Error {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: DomainErrorOptions,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.type = options.type;
    this.param = options.param ?? null;
    this.headers = options.headers;
  }
}
