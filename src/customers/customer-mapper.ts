import type { BudgetEntity } from './budget.entity';
import type { BudgetRowDto, CustomerRowDto } from './dto/customer-response.dto';
import type { EndUserEntity } from './end-user.entity';
import type { EndUserBudget, EndUserRecord } from './end-user';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toBudget(entity: BudgetEntity): EndUserBudget {
  return {
    budgetId: entity.budgetId,
    maxBudget: entity.maxBudget,
    softBudget: entity.softBudget,
    tpmLimit: entity.tpmLimit,
    rpmLimit: entity.rpmLimit,
    maxParallelRequests: entity.maxParallelRequests,
    budgetDuration: entity.budgetDuration,
  };
}

/** The hot-path view of a stored end user; `blockedByConfig` is `litellm_settings.blocked_user_list`. */
export function toRecord(entity: EndUserEntity, blockedByConfig: boolean): EndUserRecord {
  return {
    userId: entity.userId,
    alias: entity.alias,
    blocked: entity.blocked || blockedByConfig,
    allowedModelRegion: entity.allowedModelRegion,
    defaultModel: entity.defaultModel,
    budget: entity.budget ? toBudget(entity.budget) : null,
  };
}

/** An end user without a row, known from the config's blocked list. */
export function unstoredRecord(userId: string, blockedByConfig: boolean): EndUserRecord {
  return { userId, alias: null, blocked: blockedByConfig, allowedModelRegion: null, defaultModel: null, budget: null };
}

export function toBudgetRow(entity: BudgetEntity): BudgetRowDto {
  return {
    budget_id: entity.budgetId,
    max_budget: entity.maxBudget,
    soft_budget: entity.softBudget,
    max_parallel_requests: entity.maxParallelRequests,
    tpm_limit: entity.tpmLimit,
    rpm_limit: entity.rpmLimit,
    model_max_budget: entity.modelMaxBudget,
    budget_duration: entity.budgetDuration,
    budget_reset_at: iso(entity.budgetResetAt),
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
    created_by: entity.createdBy,
    updated_by: entity.updatedBy,
  };
}

/** The customer as LiteLLM's API shows it, with the live spend and budget window. */
export function toCustomerRow(entity: EndUserEntity, spend: number, budgetResetAt: Date | null): CustomerRowDto {
  return {
    user_id: entity.userId,
    alias: entity.alias,
    spend,
    allowed_model_region: entity.allowedModelRegion,
    default_model: entity.defaultModel,
    budget_id: entity.budgetId,
    litellm_budget_table: entity.budget ? toBudgetRow(entity.budget) : null,
    blocked: entity.blocked,
    budget_reset_at: iso(budgetResetAt),
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
  };
}
