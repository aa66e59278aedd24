import { DomainError } from '../common/errors/domain-error';
import { BadRequestError } from '../common/errors/http-errors';

/** A report date that is not a real calendar day written as YYYY-MM-DD (LiteLLM's `%Y-%m-%d`). */
export class InvalidReportDateError extends BadRequestError {
  constructor(param: string) {
    super(`Invalid ${param}: expected a date as YYYY-MM-DD (e.g. 2024-05-31)`, param);
  }
}

/** A report that needs a date range was called without one (LiteLLM's wording). */
export class MissingReportDatesError extends BadRequestError {
  constructor() {
    super('Please provide start_date and end_date', 'start_date');
  }
}

/**
 * The caller is authenticated but may not see this spend data (e.g. a key without a user asking for the whole
 * proxy's export). Same envelope as the route guard's admin-only refusal, so clients handle one shape.
 */
export class SpendAccessDeniedError extends DomainError {
  constructor(route: string) {
    super('GW_AUTH_FORBIDDEN', `Authentication Error, only proxy admins can view spend for the whole proxy. Route=${route}`, {
      status: 401,
      type: 'auth_error',
    });
  }
}
