import { UpstreamError, type UpstreamFailureKind } from '../routing.errors';

/**
 * Provider failures that clients (and LiteLLM's exception mapping) tell apart from a plain bad request:
 * a prompt too long for the model, and a refusal on content grounds. Both are 400s that retrying on the same
 * deployment cannot fix; the router may fall back on them (`context_window_fallbacks`, `content_policy_fallbacks`).
 */
export class ContextWindowExceededError extends UpstreamError {
  constructor(providerLabel: string, detail: string) {
    super('bad_request', 400, providerLabel, detail);
    // UpstreamError names its exception after the kind; this one has LiteLLM's more precise name.
    this.message = this.message.replace('litellm.BadRequestError', 'litellm.ContextWindowExceededError');
  }
}

export class ContentPolicyViolationError extends UpstreamError {
  constructor(providerLabel: string, detail: string) {
    super('bad_request', 400, providerLabel, detail);
    this.message = this.message.replace('litellm.BadRequestError', 'litellm.ContentPolicyViolationError');
  }
}

/** Texts providers use when the prompt does not fit (OpenAI, Anthropic, Gemini, Bedrock, Cohere, Ollama, TGI). */
const CONTEXT_WINDOW_PATTERN =
  /context[ _-]?(length|window)|prompt is too long|input is too long|maximum context|too many tokens|exceeds the maximum number of tokens|input token count.*exceeds|too long for (the )?(requested )?model|inputs.? tokens \+ .?max_new_tokens.? must be/i;

/** Texts of refusals on content grounds. */
const CONTENT_POLICY_PATTERN = /content[ _-]?(policy|filter|management)|safety (system|settings|filter)|responsible ai|blocked by (the )?guardrail|prohibited content/i;

export function kindOfStatus(status: number): UpstreamFailureKind {
  if (status === 429 || status === 529) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'upstream';
  return 'bad_request';
}

/**
 * One provider HTTP failure as the error the client gets. The status decides the kind; a 400 (or a 413, which
 * some providers use for oversized prompts) is refined by its text. Anthropic's 529 "overloaded" is treated as
 * a rate limit (retry elsewhere, later) and shown as 429 since clients do not know the code.
 */
export function providerHttpError(providerLabel: string, status: number, detail: string, retryAfter?: string): UpstreamError {
  if (status === 400 || status === 413 || status === 422) {
    if (CONTEXT_WINDOW_PATTERN.test(detail)) return new ContextWindowExceededError(providerLabel, detail);
    if (CONTENT_POLICY_PATTERN.test(detail)) return new ContentPolicyViolationError(providerLabel, detail);
  }
  const kind = kindOfStatus(status);
  const shownStatus = status === 529 ? 429 : status;
  return new UpstreamError(kind, shownStatus, providerLabel, detail, retryAfter ? { 'retry-after': retryAfter } : undefined);
}

/**
 * The human-readable message inside a provider's error body, whatever its shape: OpenAI/Anthropic/Gemini
 * `{error: {message}}`, Ollama `{error: "…"}`, Cohere/Bedrock `{message}` or `{Message}`.
 */
export function errorMessageOf(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const body = parsed as { error?: unknown; message?: unknown; Message?: unknown; detail?: unknown };
  if (typeof body.error === 'string') return body.error;
  if (typeof body.error === 'object' && body.error !== null) {
    const message = (body.error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  }
  for (const candidate of [body.message, body.Message, body.detail]) if (typeof candidate === 'string') return candidate;
  return undefined;
}
