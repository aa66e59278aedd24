import { expandSpendLogMetadata, type SpendLogMetadata } from '../spend/spend-log-row';

/**
 * A `tollgate_spend_logs` row as the database driver returns it: timestamps as Date (pg) or string,
 * numbers possibly as strings (BIGINT / NUMERIC), JSON already parsed.
 */
export interface SpendLogRecord {
  request_id: string;
  call_type: string;
  api_key: string;
  spend: number | string;
  total_tokens: number | string;
  prompt_tokens: number | string;
  completion_tokens: number | string;
  start_time: Date | string;
  end_time: Date | string;
  completion_start_time: Date | string | null;
  model: string;
  model_id: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  user: string | null;
  end_user: string | null;
  team_id: string | null;
  organization_id: string | null;
  request_tags: string[] | null;
  requester_ip_address: string | null;
  cache_hit: boolean;
  status: 'success' | 'failure';
  metadata: Record<string, unknown> | null;
}

/** One spend log as `/spend/logs` and the export return it: LiteLLM's `LiteLLM_SpendLogs` field names. */
export interface SpendLogView {
  request_id: string;
  call_type: string;
  /** sha256 of the key that made the call. */
  api_key: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** ISO-8601 UTC instants. */
  startTime: string;
  endTime: string;
  completionStartTime: string | null;
  model: string;
  model_id: string | null;
  model_group: string | null;
  custom_llm_provider: string | null;
  api_base: string | null;
  user: string | null;
  end_user: string | null;
  team_id: string | null;
  organization_id: string | null;
  request_tags: string[];
  requester_ip_address: string | null;
  /** `"True"` / `"False"`: LiteLLM stores this column as a string and its clients compare strings. */
  cache_hit: 'True' | 'False';
  status: 'success' | 'failure';
  metadata: SpendLogMetadata | Record<string, unknown>;
}

/** The view's fields in a stable order: the CSV header and column order of the export. */
export const SPEND_LOG_FIELDS: readonly (keyof SpendLogView)[] = [
  'request_id',
  'call_type',
  'api_key',
  'spend',
  'total_tokens',
  'prompt_tokens',
  'completion_tokens',
  'startTime',
  'endTime',
  'completionStartTime',
  'model',
  'model_id',
  'model_group',
  'custom_llm_provider',
  'api_base',
  'user',
  'end_user',
  'team_id',
  'organization_id',
  'request_tags',
  'requester_ip_address',
  'cache_hit',
  'status',
  'metadata',
];

/** The view's camelCase fields are the table's snake_case columns; every other field is its column's name. */
const COLUMN_OF: Partial<Record<keyof SpendLogView, string>> = { startTime: 'start_time', endTime: 'end_time', completionStartTime: 'completion_start_time' };

/**
 * The columns every spend log query selects, qualified with the `sl` alias. Listed rather than `sl.*` so a
 * column the ledger adds later (or an internal one such as `key_id`) never leaks into responses unreviewed.
 */
export const SPEND_LOG_COLUMNS = SPEND_LOG_FIELDS.map((field) => `sl."${COLUMN_OF[field] ?? field}"`).join(', ');

/** Maps a database row to LiteLLM's spend log shape. */
export function toSpendLogView(row: SpendLogRecord): SpendLogView {
  return {
    request_id: row.request_id,
    call_type: row.call_type,
    api_key: row.api_key,
    spend: toNumber(row.spend),
    total_tokens: toNumber(row.total_tokens),
    prompt_tokens: toNumber(row.prompt_tokens),
    completion_tokens: toNumber(row.completion_tokens),
    startTime: toIsoInstant(row.start_time),
    endTime: toIsoInstant(row.end_time),
    completionStartTime: row.completion_start_time === null ? null : toIsoInstant(row.completion_start_time),
    model: row.model,
    model_id: row.model_id,
    model_group: row.model_group,
    custom_llm_provider: row.custom_llm_provider,
    api_base: row.api_base,
    user: row.user,
    end_user: row.end_user,
    team_id: row.team_id,
    organization_id: row.organization_id,
    request_tags: row.request_tags ?? [],
    requester_ip_address: row.requester_ip_address,
    cache_hit: row.cache_hit ? 'True' : 'False',
    status: row.status,
    metadata: expandSpendLogMetadata(row, row.metadata),
  };
}

/** A driver value (number, numeric string, bigint) as a JS number; 0 for null. */
export function toNumber(value: number | string | bigint | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : 0;
}

/** A timestamptz as returned by pg (Date) or as text, as an ISO-8601 UTC string. */
export function toIsoInstant(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
