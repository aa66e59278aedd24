import type { FastifyRequest } from 'fastify';
import type { RenderedError } from './error-envelope';

/**
 * Routes that answer errors in Anthropic's shape (the Anthropic Messages API) say so in their Fastify route config,
 * so every error on them — authentication, body parsing, validation, refusals, provider failures, mid-stream — is
 * rendered the way Anthropic SDK clients (Claude Code) parse it.
 */
export const ANTHROPIC_ERROR_ROUTE = Object.freeze({ errorShape: 'anthropic' as const });

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** LiteLLM's own 400 types, which Anthropic has no name for and LiteLLM tooling filters on: kept as they are. */
const KEPT_TYPES: ReadonlySet<string> = new Set(['budget_exceeded', 'expired_key']);

/**
 * Tollgate's error types (LiteLLM's) as Anthropic's. The HTTP status stays Tollgate's, so the Anthropic SDK raises
 * the same class the OpenAI SDK would; the type is Anthropic's name for that status, except `budget_exceeded` and
 * `expired_key`, kept as they are.
 */
export function anthropicErrorType(status: number, type: string): string {
  if (KEPT_TYPES.has(type)) return type;
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'billing_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 408 || status === 504) return 'timeout_error';
  if (status === 529) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export function anthropicErrorBody(rendered: RenderedError): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(rendered.status, rendered.body.error.type), message: rendered.body.error.message } };
}

export function rendersAnthropicErrors(request: FastifyRequest): boolean {
  return (request.routeOptions?.config as { errorShape?: string } | undefined)?.errorShape === ANTHROPIC_ERROR_ROUTE.errorShape;
}
