import type { IncomingHttpHeaders } from 'node:http';

export type ExtractedKey = { key: string } | { problem: 'missing' | 'malformed' };

/** LiteLLM's own key header (`SpecialHeaders.custom_litellm_api_key`), what Claude Code setups send through `ANTHROPIC_CUSTOM_HEADERS`. */
export const LITELLM_KEY_HEADER = 'x-litellm-api-key';

/** Every header a caller's Tollgate key may travel in (besides a configured one): never forwarded upstream. */
export const KEY_HEADERS: readonly string[] = [LITELLM_KEY_HEADER, 'authorization', 'api-key', 'x-api-key'];

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Finds the caller's key in the places LiteLLM clients put it, in LiteLLM's order: the configured
 * `litellm_key_header_name`, then `x-litellm-api-key` (with or without `Bearer `; it wins over `Authorization`, so a
 * client whose `Authorization` carries a provider token, as Claude Code's can, still names its Tollgate key),
 * `Authorization: Bearer` (OpenAI SDKs; a `Basic ` prefix is also accepted), `api-key` (Azure SDKs), `x-api-key`
 * (Anthropic SDKs).
 */
export function extractApiKey(headers: IncomingHttpHeaders, customHeaderName?: string): ExtractedKey {
  if (customHeaderName) {
    const custom = single(headers[customHeaderName.toLowerCase()]);
    if (custom && custom.trim() !== '') return { key: stripScheme(custom) ?? custom.trim() };
  }
  const litellm = single(headers[LITELLM_KEY_HEADER]);
  if (litellm && litellm.trim() !== '') return { key: stripScheme(litellm) ?? litellm.trim() };
  const authorization = single(headers.authorization);
  if (authorization !== undefined && authorization.trim() !== '') {
    const key = stripScheme(authorization);
    return key ? { key } : { problem: 'malformed' };
  }
  const azure = single(headers['api-key']) ?? single(headers['x-api-key']);
  if (azure && azure.trim() !== '') return { key: azure.trim() };
  return { problem: 'missing' };
}

function stripScheme(value: string): string | undefined {
  const trimmed = value.trim();
  const match = /^(bearer|basic)\s+(.+)$/i.exec(trimmed);
  return match ? match[2].trim() : undefined;
}
