/**
 * The metadata of a spend log as `/spend/logs` and the export show it, with LiteLLM's field names so dashboards and
 * scripts that read `LiteLLM_SpendLogs.metadata` keep working. Most of it repeats the row's own columns; the row
 * stores only the rest (StoredSpendLogMetadata) and `expandSpendLogMetadata` puts it back together.
 */
export interface SpendLogMetadata {
  /** sha256 of the key that made the call (the master key's hash for master-key calls). */
  user_api_key: string | null;
  user_api_key_alias: string | null;
  user_api_key_team_id: string | null;
  user_api_key_team_alias: string | null;
  user_api_key_org_id: string | null;
  user_api_key_user_id: string | null;
  user_api_key_end_user_id: string | null;
  /** Key, team and request `spend_logs_metadata` merged, the request's winning on conflicts. */
  spend_logs_metadata: Record<string, unknown> | null;
  requester_ip_address: string | null;
  status: 'success' | 'failure';
  applied_guardrails: string[];
  /** Set on failures: what went wrong, without upstream bodies or secrets. */
  error_information: { error_class: string; error_code: string; error_message: string } | null;
  /** Tollgate extensions (LiteLLM ignores unknown metadata keys). */
  stream: boolean;
}

/**
 * One row of `tollgate_spend_logs` as the ledger writes it and as its journal stores it: column names,
 * timestamps as ISO strings. `key_id` is the key's stable id (counters follow it across rotations);
 * `api_key` is the hash the call presented, as LiteLLM logs it.
 */
export interface SpendLogRow {
  request_id: string;
  call_type: string;
  api_key: string;
  key_id: string | null;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  start_time: string;
  end_time: string;
  completion_start_time: string | null;
  model: string;
  model_id: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  /** The internal user who owns the key. */
  user: string | null;
  /** The request's `user` field (end user / customer). */
  end_user: string | null;
  team_id: string | null;
  organization_id: string | null;
  request_tags: string[];
  requester_ip_address: string | null;
  cache_hit: boolean;
  status: 'success' | 'failure';
  /** The provider's own response id; Tollgate's id is `request_id`. */
  provider_response_id: string | null;
  metadata: StoredSpendLogMetadata;
}

/**
 * What a row keeps in its `metadata` column: only what no column holds, and only when it says something (no
 * nulls, no empty lists, no `stream: false`). The full LiteLLM object took ~450 bytes a row, half the row;
 * this is ~0–80. Rows written before keep their full object, which reads the same.
 */
export type StoredSpendLogMetadata = Partial<
  Pick<SpendLogMetadata, 'user_api_key_alias' | 'user_api_key_team_alias' | 'spend_logs_metadata' | 'applied_guardrails' | 'error_information' | 'stream'>
> &
  Record<string, unknown>;

/** The columns `expandSpendLogMetadata` fills LiteLLM's metadata from. */
export interface SpendLogColumns {
  api_key: string;
  team_id: string | null;
  organization_id: string | null;
  user: string | null;
  end_user: string | null;
  requester_ip_address: string | null;
  status: 'success' | 'failure';
}

/** The metadata column's value for a call: see StoredSpendLogMetadata. */
export function storedSpendLogMetadata(
  facts: Pick<SpendLogMetadata, 'user_api_key_alias' | 'user_api_key_team_alias' | 'spend_logs_metadata' | 'applied_guardrails' | 'error_information' | 'stream'>,
): StoredSpendLogMetadata {
  const stored: StoredSpendLogMetadata = {};
  if (facts.user_api_key_alias !== null) stored.user_api_key_alias = facts.user_api_key_alias;
  if (facts.user_api_key_team_alias !== null) stored.user_api_key_team_alias = facts.user_api_key_team_alias;
  if (facts.spend_logs_metadata !== null) stored.spend_logs_metadata = facts.spend_logs_metadata;
  if (facts.applied_guardrails.length > 0) stored.applied_guardrails = facts.applied_guardrails;
  if (facts.error_information !== null) stored.error_information = facts.error_information;
  if (facts.stream) stored.stream = true;
  return stored;
}

/** LiteLLM's whole metadata object of a row: its columns, then what the row stored (which wins, for older rows). */
export function expandSpendLogMetadata(columns: SpendLogColumns, stored: Readonly<Record<string, unknown>> | null): SpendLogMetadata & Record<string, unknown> {
  return {
    user_api_key: columns.api_key === '' ? null : columns.api_key,
    user_api_key_alias: null,
    user_api_key_team_id: columns.team_id,
    user_api_key_team_alias: null,
    user_api_key_org_id: columns.organization_id,
    user_api_key_user_id: columns.user,
    user_api_key_end_user_id: columns.end_user,
    spend_logs_metadata: null,
    requester_ip_address: columns.requester_ip_address,
    status: columns.status,
    applied_guardrails: [],
    error_information: null,
    stream: false,
    ...stored,
  };
}
