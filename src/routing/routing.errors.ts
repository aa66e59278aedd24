import { DomainError } from '../common/errors/domain-error';
import { refineBadRequest, type UpstreamFailureKind } from './provider-errors';

export type { UpstreamFailureKind } from './provider-errors';

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

const EXCEPTION_NAMES: Record<UpstreamFailureKind, string> = {
  rate_limited: 'RateLimitError',
  auth: 'AuthenticationError',
  bad_request: 'BadRequestError',
  not_found: 'NotFoundError',
  context_window_exceeded: 'ContextWindowExceededError',
  content_policy: 'ContentPolicyViolationError',
  timeout: 'Timeout',
  unreachable: 'APIConnectionError',
  upstream: 'InternalServerError',
};

/**
 * A failed provider call. `kind` is what the router decides retries and cooldowns on; the message keeps
 * LiteLLM's `litellm.<Exception>: …` form that clients and dashboards match on, with secrets removed.
 */
export class UpstreamError extends DomainError {
  readonly kind: UpstreamFailureKind;
  /** LiteLLM's (OpenAI SDK's) exception class for the kind, e.g. `RateLimitError`: metrics label failures with it. */
  readonly exceptionName: string;
  /** Who failed (`OpenAI`, `Anthropic` …), as the message names it. */
  readonly providerLabel: string;

  constructor(kind: UpstreamFailureKind, status: number, providerLabel: string, detail: string, headers?: Record<string, string>) {
    // Adapters that only know "a 400" still get the context-window / content-policy class the router needs.
    if (kind === 'bad_request') kind = refineBadRequest(detail);
    const name = EXCEPTION_NAMES[kind];
    super(
      kind === 'timeout' ? 'GW_UPSTREAM_TIMEOUT' : kind === 'unreachable' ? 'GW_UPSTREAM_UNREACHABLE' : 'GW_UPSTREAM_ERROR',
      `litellm.${name}: ${providerLabel}Exception - ${redactSecrets(detail)}`,
      { status, type: typeForKind(kind), headers },
    );
    this.kind = kind;
    this.exceptionName = name;
    this.providerLabel = providerLabel;
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
    case 'context_window_exceeded':
    case 'content_policy':
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

/** Every deployment of the group is cooling down, at its parallel limit or out of rpm/tpm: LiteLLM's 429. */
export class NoDeploymentsAvailableError extends DomainError {
  constructor(model: string, retryAfterSeconds: number, preCallChecks: boolean, coolingDown: readonly string[]) {
    super(
      'GW_RATE_LIMITED',
      `No deployments available for selected model, Try again in ${retryAfterSeconds} seconds. Passed model=${model}. pre-call-checks=${preCallChecks ? 'True' : 'False'}, cooldown_list=[${coolingDown.map((id) => `'${id}'`).join(', ')}]`,
      { status: 429, type: 'rate_limit_error', headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
    );
  }
}

/** No deployment of the group serves the caller's `allowed_model_region` or the request's tags. */
export class NoEligibleDeploymentError extends DomainError {
  constructor(model: string, reason: string) {
    super('GW_BAD_REQUEST', `No deployments available for model=${model}: ${reason}`, { status: 400, type: 'invalid_request_error', param: 'model' });
  }
}
