/**
 * The metadata of a spend row, with LiteLLM's field names so dashboards and scripts that read
 * `LiteLLM_SpendLogs.metadata` keep working.
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
  metadata: SpendLogMetadata;
}
