import { DomainError } from '../common/errors/domain-error';

/** 400 for a customer or budget request that is well-formed JSON but not a valid request. */
export class InvalidCustomerRequestError extends DomainError {
  constructor(message: string, param: string | null = null) {
    super('GW_BAD_REQUEST', message, { status: 400, type: 'bad_request_error', param });
  }
}

/** LiteLLM's duplicate-customer refusal, text kept verbatim. */
export class CustomerExistsError extends InvalidCustomerRequestError {
  constructor(userId: string) {
    super(`Customer already exists, passed user_id=${userId}. Please pass a new user_id.`, 'user_id');
  }
}

/** LiteLLM's NewCustomerRequest validator text. */
export class BudgetAndMaxBudgetError extends InvalidCustomerRequestError {
  constructor() {
    super("Set either 'max_budget' or 'budget_id', not both.", 'budget_id');
  }
}

export class BudgetExistsError extends InvalidCustomerRequestError {
  constructor(budgetId: string) {
    super(`Budget with id '${budgetId}' already exists.`, 'budget_id');
  }
}

/** A customer naming a budget_id that does not exist (LiteLLM fails on the foreign key). */
export class UnknownBudgetError extends InvalidCustomerRequestError {
  constructor(budgetId: string) {
    super(`Budget Id=${budgetId} does not exist in db`, 'budget_id');
  }
}

/** 404, LiteLLM's text: `End User Id=… does not exist in db`. */
export class CustomerNotFoundError extends DomainError {
  constructor(userIds: readonly string[], param = 'end_user_id') {
    const message = userIds.length === 1 ? `End User Id=${userIds[0]} does not exist in db` : `End User Id(s)=${userIds.join(', ')} do not exist in db`;
    super('GW_NOT_FOUND', message, { status: 404, type: 'not_found_error', param });
  }
}

export class BudgetNotFoundError extends DomainError {
  constructor(budgetId: string) {
    super('GW_NOT_FOUND', `Budget Id=${budgetId} does not exist in db`, { status: 404, type: 'not_found_error', param: 'budget_id' });
  }
}

/** 422 as LiteLLM: a customer's default_model must be a model group of the proxy. */
export class UnknownDefaultModelError extends DomainError {
  constructor(model: string, modelNames: readonly string[]) {
    const names = modelNames.length
      ? `{${[...modelNames]
          .sort()
          .map((name) => `'${name}'`)
          .join(', ')}}`
      : 'set()';
    super('GW_UNKNOWN_MODEL', `Default Model not on proxy. Configure via \`/model/new\` or config.yaml. Default_model=${model}, proxy_model_names=${names}`, {
      status: 422,
      type: 'invalid_request_error',
      param: 'default_model',
    });
  }
}
