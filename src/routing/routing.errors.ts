import { DomainError } from '../common/errors/domain-error';

export class UnknownModelError extends DomainError {
  constructor(model: unknown) {
    super(
      'GW_UNKNOWN_MODEL',
      `Invalid model name passed in model=${model === undefined || model === null || model === '' ? 'None' : String(model)}. Call \`/v1/models\` to view available models for your key.`,
      { status: 400, type: 'invalid_request_error', param: 'model' },
    );
  }
}

export class UnsupportedProviderError extends DomainError {
  constructor(provider: string, model: string) {
    super('GW_UNSUPPORTED_OPERATION', `Provider '${provider}' of model=${model} is not supported by this Tollgate version.`, {
      status: 400,
      type: 'invalid_request_error',
      param: 'model',
    });
  }
}

export class UnsupportedOperationError extends DomainError {
  constructor(operation: string, model: string) {
    super('GW_UNSUPPORTED_OPERATION', `model=${model} does not support ${operation}.`, {
      status: 400,
      type: 'invalid_request_error',
      param: 'model',
    });
  }
}

export type UpstreamFailureKind = 'rate_limited' | 'auth' | 'bad_request' | 'not_found' | 'timeout' | 'unreachable' | 'upstream';

const EXCEPTION_NAMES: Record<UpstreamFailureKind, string> = {
  rate_limited: 'RateLimitError',
  auth: 'AuthenticationError',
  bad_request: 'BadRequestError',
  not_found: 'NotFoundError',
  timeout: 'Timeout',
  unreachable: 'APIConnectionError',
  upstream: 'InternalServerError',
};

/**
 * A failed provider call. `kind` is what the router decides retries and cooldowns on; the message keeps
 * LiteLLM's `litellm.<Exception>: …` form that clients and dashboards match on, with secrets removed.
 */
export class UpstreamError extends DomainError {
  constructor(
    readonly kind: UpstreamFailureKind,
    status: number,
    providerLabel: string,
    detail: string,
    headers?: Record<string, string>,
  ) {
    const name = EXCEPTION_NAMES[kind];
    super(
      kind === 'timeout' ? 'GW_UPSTREAM_TIMEOUT' : kind === 'unreachable' ? 'GW_UPSTREAM_UNREACHABLE' : 'GW_UPSTREAM_ERROR',
      `litellm.${name}: ${providerLabel}Exception - ${redactSecrets(detail)}`,
      { status, type: typeForKind(kind), headers },
    );
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'timeout' || this.kind === 'unreachable' || this.kind === 'upstream';
  }
}

function typeForKind(kind: UpstreamFailureKind): string {
  switch (kind) {
    case 'rate_limited':
      return 'rate_limit_error';
    case 'auth':
      return 'auth_error';
    case 'timeout':
      return 'timeout_error';
    case 'bad_request':
    case 'not_found':
      return 'invalid_request_error';
    default:
      return 'api_error';
  }
}

/** Provider messages can echo credentials (OpenAI quotes part of a wrong key); never pass them on. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_\-*]{6,}/g, '$1-***')
    .replace(/(api[-_]?key|token|password|secret)(["'\s:=]+)[^\s"',}]+/gi, '$1$2***')
    .slice(0, 2000);
}
