import type { IncomingHttpHeaders } from 'node:http';

export type ExtractedKey = { key: string } | { problem: 'missing' | 'malformed' };

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Finds the caller's key in the places LiteLLM clients put it, in LiteLLM's order:
 * `Authorization: Bearer` (OpenAI SDKs; a `Basic ` prefix is also accepted), `api-key` (Azure SDKs),
 * `x-api-key` (Anthropic SDKs), then the configured `litellm_key_header_name`.
 */
export function extractApiKey(headers: IncomingHttpHeaders, customHeaderName?: string): ExtractedKey {
  if (customHeaderName) {
    const custom = single(headers[customHeaderName.toLowerCase()]);
    if (custom) return { key: stripScheme(custom) ?? custom.trim() };
  }
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
