import { expandSpendLogMetadata, type SpendLogRow } from '../spend/spend-log-row';

/** What LiteLLM writes in place of messages and responses under `turn_off_message_logging`. */
export const REDACTED_CONTENT = 'redacted-by-litellm';

/** The call's content, as the pipeline saw it. */
export interface CallContent {
  /** The request's messages (`messages`, `input` or `prompt`). */
  readonly messages: unknown;
  /** The provider's reply as the client got it (JSON answers); null for streams and failures. */
  readonly response: unknown;
  /** The request's sampling parameters (`temperature`, `max_tokens`, …). */
  readonly modelParameters: Readonly<Record<string, unknown>>;
}

/**
 * LiteLLM's `StandardLoggingPayload` (the object its logging callbacks send), built from the call's spend row so a
 * callback and `/spend/logs` always agree. Times are epoch seconds, as LiteLLM's are.
 */
export interface StandardLoggingPayload {
  id: string;
  trace_id: string;
  call_type: string;
  stream: boolean;
  response_cost: number;
  status: 'success' | 'failure';
  custom_llm_provider: string | null;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: number;
  endTime: number;
  completionStartTime: number;
  response_time: number;
  model: string;
  model_id: string | null;
  model_group: string | null;
  api_base: string;
  metadata: Record<string, unknown>;
  cache_hit: boolean;
  request_tags: string[];
  end_user: string;
  requester_ip_address: string | null;
  messages: unknown;
  response: unknown;
  model_parameters: Record<string, unknown>;
  error_str: string | null;
  error_information: { error_class: string; error_code: string; error_message: string } | null;
  hidden_params: { response_cost: number; api_base: string | null; model_id: string | null };
}

export interface PayloadOptions {
  readonly redactMessages: boolean;
  readonly redactKeyInfo: boolean;
}

const KEY_INFO_FIELDS = [
  'user_api_key',
  'user_api_key_hash',
  'user_api_key_alias',
  'user_api_key_team_id',
  'user_api_key_team_alias',
  'user_api_key_org_id',
  'user_api_key_user_id',
  'user_api_key_end_user_id',
];

export function standardLoggingPayload(row: SpendLogRow, content: CallContent, options: PayloadOptions): StandardLoggingPayload {
  const start = Date.parse(row.start_time) / 1000;
  const end = Date.parse(row.end_time) / 1000;
  const expanded: Record<string, unknown> = { ...expandSpendLogMetadata(row, row.metadata) };
  expanded.user_api_key_hash = row.api_key;
  if (options.redactKeyInfo) for (const field of KEY_INFO_FIELDS) delete expanded[field];
  const error = row.metadata.error_information ?? null;
  return {
    id: row.request_id,
    trace_id: row.request_id,
    call_type: row.call_type,
    stream: row.metadata.stream === true,
    response_cost: row.spend,
    status: row.status,
    custom_llm_provider: row.custom_llm_provider,
    total_tokens: row.total_tokens,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    startTime: start,
    endTime: end,
    completionStartTime: row.completion_start_time ? Date.parse(row.completion_start_time) / 1000 : end,
    response_time: end - start,
    model: row.model,
    model_id: row.model_id,
    model_group: row.model_group,
    api_base: row.api_base ?? '',
    metadata: expanded,
    cache_hit: row.cache_hit,
    request_tags: [...row.request_tags],
    end_user: options.redactKeyInfo ? '' : (row.end_user ?? ''),
    requester_ip_address: row.requester_ip_address,
    messages: options.redactMessages ? REDACTED_CONTENT : content.messages,
    response: options.redactMessages ? REDACTED_CONTENT : content.response,
    model_parameters: { ...content.modelParameters },
    error_str: error ? error.error_message : null,
    error_information: error,
    hidden_params: { response_cost: row.spend, api_base: row.api_base, model_id: row.model_id },
  };
}
