import type { KeyRowDto } from './dto/key-response.dto';
import type { KeyGrant } from './key-permissions';
import type { VirtualKeyEntity } from './virtual-key.entity';
import type { VirtualKeyRecord } from '../common/access/virtual-key';

/** Metadata entries LiteLLM keeps inside `metadata` and Tollgate surfaces on the record. */
export const METADATA_FIELDS = ['model_rpm_limit', 'model_tpm_limit', 'guardrails', 'tags', 'enforced_params'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function numberMap(value: unknown): Record<string, number> {
  if (!isRecord(value)) return {};
  const result: Record<string, number> = {};
  for (const [name, limit] of Object.entries(value)) if (typeof limit === 'number' && Number.isFinite(limit)) result[name] = limit;
  return result;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  const result: Record<string, string> = {};
  for (const [name, target] of Object.entries(value)) if (typeof target === 'string') result[name] = target;
  return result;
}

/** The hot-path view of a stored key (its live spend is the counter store's, not the record's). */
export function toRecord(entity: VirtualKeyEntity): VirtualKeyRecord {
  const metadata = Object.freeze({ ...entity.metadata });
  return {
    token: entity.token,
    id: entity.keyId,
    budgetId: entity.budgetId,
    keyName: entity.keyName,
    keyAlias: entity.keyAlias,
    userId: entity.userId,
    teamId: entity.teamId,
    models: Object.freeze([...entity.models]),
    aliases: Object.freeze(stringMap(entity.aliases)),
    maxBudget: entity.maxBudget,
    softBudget: entity.softBudget,
    budgetDuration: entity.budgetDuration,
    tpmLimit: entity.tpmLimit,
    rpmLimit: entity.rpmLimit,
    maxParallelRequests: entity.maxParallelRequests,
    modelRpmLimit: Object.freeze(numberMap(metadata.model_rpm_limit)),
    modelTpmLimit: Object.freeze(numberMap(metadata.model_tpm_limit)),
    modelMaxBudget: Object.freeze({ ...entity.modelMaxBudget }),
    expires: entity.expires,
    blocked: entity.blocked,
    metadata,
    permissions: Object.freeze({ ...entity.permissions }),
    allowedRoutes: Object.freeze([...entity.allowedRoutes]),
    allowedCacheControls: Object.freeze([...(entity.allowedCacheControls ?? [])]),
    enforcedParams: Object.freeze(stringList(metadata.enforced_params)),
    guardrails: Object.freeze(stringList(metadata.guardrails)),
    tags: Object.freeze(stringList(metadata.tags)),
    createdAt: entity.createdAt,
  };
}

/** What a key lets its holder do, for the "never grant more than you hold" check. */
export function grantOf(record: VirtualKeyRecord): KeyGrant {
  const temp = record.metadata.temp_budget_increase;
  return {
    models: record.models,
    aliasTargets: Object.values(record.aliases),
    maxBudget: record.maxBudget,
    budgetDuration: record.budgetDuration,
    tempBudgetIncrease: typeof temp === 'number' ? temp : null,
    rpmLimit: record.rpmLimit,
    tpmLimit: record.tpmLimit,
    maxParallelRequests: record.maxParallelRequests,
    modelRpmLimit: record.modelRpmLimit,
    modelTpmLimit: record.modelTpmLimit,
    expires: record.expires,
    allowedRoutes: record.allowedRoutes,
    passthroughRoutes: stringList(record.metadata.allowed_passthrough_routes),
    permissions: record.permissions,
    teamId: record.teamId,
    guardrails: record.guardrails,
    enforcedParams: record.enforcedParams,
    tags: record.tags,
  };
}

/**
 * What an existing key still lets its holder do: its grant with the budget reduced to what is left of it, the
 * measure the caller's own key is held to (`spend` is the key's live spend). Compared with `assertWithinGrant` before a non-admin acts on the key.
 */
export function remainingGrantOf(record: VirtualKeyRecord, spend: number): KeyGrant {
  const grant = grantOf(record);
  return { ...grant, maxBudget: record.maxBudget === null ? null : Math.max(0, record.maxBudget - spend) };
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** The key as LiteLLM's management API shows it (snake_case columns), with its live spend and budget window. */
export function toRow(entity: VirtualKeyEntity, spend: number, budgetResetAt: Date | null): KeyRowDto {
  return {
    token: entity.token,
    key_name: entity.keyName,
    key_alias: entity.keyAlias,
    spend,
    max_budget: entity.maxBudget,
    soft_budget: entity.softBudget,
    expires: iso(entity.expires),
    models: entity.models,
    aliases: entity.aliases,
    config: entity.config,
    user_id: entity.userId,
    team_id: entity.teamId,
    permissions: entity.permissions,
    max_parallel_requests: entity.maxParallelRequests,
    metadata: entity.metadata,
    blocked: entity.blocked,
    tpm_limit: entity.tpmLimit,
    rpm_limit: entity.rpmLimit,
    budget_duration: entity.budgetDuration,
    budget_reset_at: iso(budgetResetAt),
    allowed_cache_controls: entity.allowedCacheControls,
    allowed_routes: entity.allowedRoutes,
    model_spend: entity.modelSpend,
    model_max_budget: entity.modelMaxBudget,
    budget_id: entity.budgetId,
    organization_id: null,
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
    created_by: entity.createdBy,
    updated_by: entity.updatedBy,
    litellm_budget_table: null,
  };
}
