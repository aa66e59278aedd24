/** The limits of an end user's budget row (LiteLLM_BudgetTable), as the hot path reads them. */
export interface EndUserBudget {
  budgetId: string;
  maxBudget: number | null;
  softBudget: number | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
  budgetDuration: string | null;
}

/**
 * The in-memory view of an end user (a customer: the OpenAI `user` field of a request) that the gateway reads on
 * every call carrying one.
 */
export interface EndUserRecord {
  userId: string;
  alias: string | null;
  /** The row's flag, or the id being in `litellm_settings.blocked_user_list`. */
  blocked: boolean;
  allowedModelRegion: string | null;
  defaultModel: string | null;
  budget: EndUserBudget | null;
}
