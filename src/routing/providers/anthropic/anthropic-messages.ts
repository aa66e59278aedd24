import type { Usage } from '../../openai.types';
import { usageOf } from '../stream-translation';

/**
 * Anthropic's Messages API as a wire format of its own (`POST /v1/messages`): what the Messages edge receives and
 * what providers that speak it natively (Anthropic, Claude on Bedrock) are sent and answer. Only the fields Tollgate
 * reads are typed; everything else passes through.
 * https://docs.anthropic.com/en/api/messages
 */

/** One content block of a message, a system prompt, or a tool result. */
export interface MessagesBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | MessagesBlock[];
  is_error?: boolean;
  thinking?: string;
  signature?: string;
  source?: { type: string; media_type?: string; data?: string; url?: string; content?: unknown };
  cache_control?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface MessagesTurn {
  role: string;
  content: string | MessagesBlock[];
}

export interface MessagesUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

/** The header names the edge passes on to a provider that speaks the Messages API. */
export const ANTHROPIC_VERSION_HEADER = 'anthropic-version';
export const ANTHROPIC_BETA_HEADER = 'anthropic-beta';

/** The client's `anthropic-version` and `anthropic-beta` (comma-separated, possibly repeated), as an adapter reads them. */
export interface MessagesHeaders {
  readonly version?: string;
  readonly betas: readonly string[];
}

export function messagesHeadersOf(headers: Readonly<Record<string, string>> | undefined): MessagesHeaders {
  const version = headers?.[ANTHROPIC_VERSION_HEADER];
  const betas = (headers?.[ANTHROPIC_BETA_HEADER] ?? '')
    .split(',')
    .map((beta) => beta.trim())
    .filter((beta) => beta !== '');
  return { version: version && version.trim() !== '' ? version.trim() : undefined, betas: [...new Set(betas)] };
}

/**
 * Fields of a Messages request that steer Tollgate (LiteLLM's request controls, its metadata, routing and
 * credentials) and never reach a provider: Anthropic refuses fields it does not know.
 */
const PROXY_ONLY_FIELDS = [
  'litellm_metadata',
  'tags',
  'guardrails',
  'fallbacks',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'num_retries',
  'timeout',
  'mock_response',
  'mock_testing_fallbacks',
  'mock_testing_rate_limit_error',
  'mock_timeout',
  'caching',
  'cache',
  'litellm_session_id',
  'user',
  'stream_options',
  'api_key',
  'api_base',
  'base_url',
  'api_version',
  'organization',
] as const;

/** The fields `POST /v1/messages/count_tokens` takes; anything else is refused there. */
const COUNT_TOKENS_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers', 'context_management'] as const;

/** Anthropic requires `max_tokens`; a request without one gets LiteLLM's default. */
export const DEFAULT_MESSAGES_MAX_TOKENS = 4096;

/**
 * The request as a provider speaking the Messages API is sent it: LiteLLM's fields removed, `metadata` reduced to
 * Anthropic's `user_id`, `stream` as the call streams. `model` is left to the caller (Bedrock takes it in the URL).
 */
export function messagesUpstreamBody(request: Record<string, unknown>, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request };
  for (const field of PROXY_ONLY_FIELDS) delete body[field];
  const metadata = body.metadata as { user_id?: unknown } | null | undefined;
  if (metadata && typeof metadata === 'object' && typeof metadata.user_id === 'string') body.metadata = { user_id: metadata.user_id };
  else delete body.metadata;
  if (typeof body.max_tokens !== 'number') body.max_tokens = DEFAULT_MESSAGES_MAX_TOKENS;
  if (stream) body.stream = true;
  else delete body.stream;
  return body;
}

/** A count_tokens request as a provider is sent it: only the fields that endpoint takes. */
export function countTokensUpstreamBody(request: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of COUNT_TOKENS_FIELDS) if (request[field] !== undefined && request[field] !== null) body[field] = request[field];
  return body;
}

/**
 * Usage of a Messages reply in Tollgate's (OpenAI's) terms: cache reads and cache writes are prompt tokens too, so
 * `prompt_tokens` counts all three, cache reads are `prompt_tokens_details.cached_tokens`, cache writes
 * `cache_creation_input_tokens` (each priced at its own rate).
 */
export function usageFromMessages(usage: MessagesUsage | null | undefined, outputTokens = usage?.output_tokens ?? 0): Usage {
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
  const extra: Record<string, unknown> = { prompt_tokens_details: { cached_tokens: cacheRead } };
  if (cacheWrite) extra.cache_creation_input_tokens = cacheWrite;
  if (cacheRead) extra.cache_read_input_tokens = cacheRead;
  return usageOf((usage?.input_tokens ?? 0) + cacheRead + cacheWrite, outputTokens, extra);
}

/** Tollgate's usage back in Anthropic's terms (a translated reply): input tokens exclude cache reads and writes. */
export function messagesUsageFrom(usage: Usage | null | undefined): Required<MessagesUsage> {
  const prompt = count(usage?.prompt_tokens);
  const details = usage?.prompt_tokens_details as { cached_tokens?: unknown } | null | undefined;
  const cacheRead = Math.min(count(details?.cached_tokens), prompt);
  const cacheWrite = Math.min(count(usage?.cache_creation_input_tokens), prompt - cacheRead);
  return {
    input_tokens: prompt - cacheRead - cacheWrite,
    output_tokens: count(usage?.completion_tokens),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/**
 * The betas Claude on Bedrock (InvokeModel) accepts, with the name Bedrock knows each by; any other beta a client
 * sends (Claude Code sends several) is dropped, as Bedrock refuses the whole call for one it does not know.
 */
const BEDROCK_BETAS: Readonly<Record<string, string>> = {
  'computer-use-2024-10-22': 'computer-use-2024-10-22',
  'computer-use-2025-01-24': 'computer-use-2025-01-24',
  'computer-use-2025-11-24': 'computer-use-2025-11-24',
  'context-1m-2025-08-07': 'context-1m-2025-08-07',
  'context-management-2025-06-27': 'context-management-2025-06-27',
  'interleaved-thinking-2025-05-14': 'interleaved-thinking-2025-05-14',
  'compact-2026-01-12': 'compact-2026-01-12',
  'tool-search-tool-2025-10-19': 'tool-search-tool-2025-10-19',
  'advanced-tool-use-2025-11-20': 'tool-search-tool-2025-10-19',
};

export function bedrockBetas(betas: readonly string[]): string[] {
  return [...new Set(betas.map((beta) => BEDROCK_BETAS[beta]).filter((beta): beta is string => beta !== undefined))];
}

/**
 * For a provider without the `mid-conversation-system` beta (Claude Code sends `system` turns between the others):
 * their text is appended to the system prompt, after any cached blocks, so the prompt cache is not disturbed.
 */
export function withSystemTurnsFolded(body: Record<string, unknown>): Record<string, unknown> {
  const turns = Array.isArray(body.messages) ? (body.messages as MessagesTurn[]) : [];
  const system = turns.filter((turn) => turn.role === 'system');
  if (system.length === 0) return body;
  const blocks: MessagesBlock[] = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : Array.isArray(body.system) ? [...(body.system as MessagesBlock[])] : [];
  for (const turn of system) {
    if (typeof turn.content === 'string') blocks.push({ type: 'text', text: turn.content });
    else blocks.push(...turn.content.filter((block) => block.type === 'text').map((block) => ({ type: 'text', text: block.text ?? '' })));
  }
  return { ...body, system: blocks, messages: turns.filter((turn) => turn.role !== 'system') };
}

/** Anthropic's error types, by the HTTP status the same error has. */
export const MESSAGES_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};
