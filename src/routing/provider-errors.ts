/**
 * The one place provider failures are classified. Adapters build `UpstreamError`s from a status and the
 * provider's message (`classifyProviderFailure`), and the router decides retries, cooldowns and which
 * fallback list applies from the class alone, never from provider-specific text.
 */

/** What the router distinguishes; `not_found` and `unreachable` are kept apart for messages and statuses. */
export type UpstreamFailureKind = 'rate_limited' | 'auth' | 'bad_request' | 'not_found' | 'context_window_exceeded' | 'content_policy' | 'timeout' | 'unreachable' | 'upstream';

/** The error classes of LiteLLM's `retry_policy` / `allowed_fails_policy` (`<Class>Retries`, `<Class>AllowedFails`). */
export type RouterErrorClass =
  'RateLimitError' | 'AuthenticationError' | 'BadRequestError' | 'ContextWindowExceededError' | 'ContentPolicyViolationError' | 'TimeoutError' | 'InternalServerError';

const POLICY_CLASS: Record<UpstreamFailureKind, RouterErrorClass> = {
  rate_limited: 'RateLimitError',
  auth: 'AuthenticationError',
  bad_request: 'BadRequestError',
  not_found: 'BadRequestError',
  context_window_exceeded: 'ContextWindowExceededError',
  content_policy: 'ContentPolicyViolationError',
  timeout: 'TimeoutError',
  unreachable: 'InternalServerError',
  upstream: 'InternalServerError',
};

export function policyClassOf(kind: UpstreamFailureKind): RouterErrorClass {
  return POLICY_CLASS[kind];
}

/**
 * Texts providers use for a prompt over the context window (OpenAI, Azure, Anthropic, Bedrock, Gemini,
 * vLLM/Ollama) and for a refusal by their content filter. Matched only on 400-class answers.
 */
const CONTEXT_WINDOW_TEXT =
  /context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long|input is too long|too many tokens|exceeds the (?:maximum|max) (?:number of )?(?:input )?tokens|input length .* exceeds|reduce the length of the messages/i;
const CONTENT_POLICY_TEXT =
  /content[_ ]policy|content[_ ]filter|content management policy|responsibleaipolicyviolation|safety (?:system|filter)|blocked by (?:the )?(?:content|safety)/i;

/** Class of a failed HTTP answer from a provider, from its status and (for 400s) its message. */
export function classifyProviderFailure(status: number, message = ''): UpstreamFailureKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'upstream';
  if (status === 404) return 'not_found';
  return refineBadRequest(message);
}

/** A 400 whose text names the context window or the content filter is that class, else a plain bad request. */
export function refineBadRequest(message: string): UpstreamFailureKind {
  if (CONTEXT_WINDOW_TEXT.test(message)) return 'context_window_exceeded';
  if (CONTENT_POLICY_TEXT.test(message)) return 'content_policy';
  return 'bad_request';
}

/** `retry-after` as milliseconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
