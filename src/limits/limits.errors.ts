import { DomainError } from '../common/errors/domain-error';

/** 429 with `retry-after`, LiteLLM's texts for parallel and rpm/tpm limits. */
export class RateLimitedError extends DomainError {
  constructor(message: string, retryAfterSeconds: number, headers: Record<string, string> = {}) {
    super('GW_RATE_LIMITED', message, {
      status: 429,
      type: 'rate_limit_error',
      headers: { ...headers, 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

export class BudgetExceededError extends DomainError {
  /** @param scope which budget ran out (`key`, `proxy`, …), for logs; LiteLLM's `param` stays null. */
  constructor(
    currentCost: number,
    maxBudget: number,
    readonly scope: string,
  ) {
    super('GW_BUDGET_EXCEEDED', `Budget has been exceeded! Current cost: ${currentCost}, Max budget: ${maxBudget}`, {
      status: 400,
      type: 'budget_exceeded',
    });
  }
}
