import { DomainError } from '../common/errors/domain-error';

/**
 * The shared store (Redis) cannot be reached, so limits and budgets cannot be checked against the counts every
 * instance shares. With the default `redis_failure_mode: fail_closed` the call is refused with this (503 and a
 * retry-after) rather than counted per instance, which would silently multiply every limit by the replica count.
 */
export class SharedStoreUnavailableError extends DomainError {
  constructor(retryAfterSeconds = 1) {
    super('GW_SHARED_STORE_UNAVAILABLE', 'Rate limits and budgets cannot be checked: the shared store (Redis) is unreachable. Try again later.', {
      status: 503,
      type: 'api_error',
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}
