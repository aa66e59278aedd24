import { DomainError } from '../common/errors/domain-error';

/** A guardrail's `block` verdict; the message is the plugin's (e.g. `Keyword banned. Keyword=hello`). */
export class GuardrailBlockedError extends DomainError {
  constructor(
    readonly guardrailName: string,
    message: string,
    status: 400 | 403 = 400,
  ) {
    super('GW_GUARDRAIL_BLOCKED', message, { status, type: status === 403 ? 'auth_error' : 'invalid_request_error' });
  }
}

/**
 * A guardrail that threw, answered something that is not a verdict, or ran out of time, under `on_error:
 * fail_closed`. The caller learns which check failed, never why: the cause may quote the request.
 */
export class GuardrailFailedError extends DomainError {
  constructor(
    readonly guardrailName: string,
    reason: 'error' | 'timeout' | 'invalid verdict',
    cause?: unknown,
  ) {
    const what = reason === 'timeout' ? 'did not answer in time' : reason === 'invalid verdict' ? 'returned an invalid verdict' : 'failed';
    super('GW_GUARDRAIL_FAILED', `Guardrail ${guardrailName} ${what}; the request was refused (on_error: fail_closed).`, {
      status: 500,
      type: 'internal_server_error',
      cause,
    });
  }
}

/** LiteLLM's refusal when a team whose metadata says `guardrails.modify_guardrails: false` sends guardrail switches. */
export class GuardrailModificationForbiddenError extends DomainError {
  constructor() {
    super('GW_GUARDRAIL_FORBIDDEN', 'Your team does not have permission to modify guardrails.', { status: 403, type: 'auth_error' });
  }
}
