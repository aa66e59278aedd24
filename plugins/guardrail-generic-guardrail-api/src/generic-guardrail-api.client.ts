import type { ChatMessage, GuardrailContext, GuardrailOperation, GuardrailPhase } from '@tollgate/guardrail-sdk';

/** The request body of the contract (README "Contract"). */
export interface GuardrailApiRequest {
  readonly phase: GuardrailPhase;
  /** LiteLLM's name for the side: `request` (pre_call, during_call) or `response` (post_call, streaming). */
  readonly input_type: 'request' | 'response';
  readonly operation: GuardrailOperation;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly texts: readonly string[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly request_data: Readonly<Record<string, string>>;
  readonly litellm_call_id: string;
  readonly guardrail_name: string;
  readonly additional_provider_specific_params: Readonly<Record<string, unknown>>;
  readonly stream?: { readonly offset: number; readonly final: boolean };
}

/** The service's decision, in Tollgate's words whichever dialect it answered in. */
export type GuardrailApiAnswer =
  | { readonly action: 'allow' }
  | { readonly action: 'block'; readonly reason?: string; readonly status?: 400 | 403; readonly category?: string }
  | { readonly action: 'mutate'; readonly texts: readonly string[] };

/** The service failed, was unreachable, or answered outside the contract. Never carries the texts sent. */
export class GenericGuardrailApiError extends Error {
  constructor(
    message: string,
    /** True when the service could not be reached or answered 502/503/504 (what `unreachable_fallback` covers). */
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = 'GenericGuardrailApiError';
  }
}

const UNREACHABLE_STATUSES = new Set([502, 503, 504]);

/** The answer read leniently for field names and strictly for meaning: an unknown action is a contract breach. */
export function answerOf(body: unknown, sent: number): GuardrailApiAnswer {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const texts = Array.isArray(answer.texts) && answer.texts.every((text) => typeof text === 'string') ? (answer.texts as string[]) : undefined;
  switch (answer.action) {
    case 'allow':
    case 'NONE':
      return { action: 'allow' };
    case 'block':
    case 'BLOCKED': {
      const reason = typeof answer.message === 'string' ? answer.message : typeof answer.blocked_reason === 'string' ? answer.blocked_reason : undefined;
      const status = answer.status === 403 ? 403 : undefined;
      const category = typeof answer.category === 'string' ? answer.category.slice(0, 64) : undefined;
      return { action: 'block', ...(reason ? { reason } : {}), ...(status ? { status } : {}), ...(category ? { category } : {}) };
    }
    case 'mutate':
    case 'GUARDRAIL_INTERVENED':
      // LiteLLM lets an intervention without texts through unchanged; Tollgate's own `mutate` must carry them.
      if (!texts) {
        if (answer.action === 'GUARDRAIL_INTERVENED') return { action: 'allow' };
        throw new GenericGuardrailApiError('the guardrail service answered mutate without texts', false);
      }
      if (texts.length !== sent) throw new GenericGuardrailApiError(`the guardrail service answered ${texts.length} text(s) for ${sent}`, false);
      return { action: 'mutate', texts };
    default:
      throw new GenericGuardrailApiError('the guardrail service answered an unknown action', false);
  }
}

/** One HTTP endpoint implementing the contract, called through `ctx.fetch` with the configured headers. */
export class GenericGuardrailApiClient {
  constructor(
    private readonly url: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {}

  /** @throws GenericGuardrailApiError (with `unreachable` set for connection failures and 502/503/504). */
  async ask(ctx: GuardrailContext, request: GuardrailApiRequest): Promise<GuardrailApiAnswer> {
    let response: Response;
    try {
      response = await ctx.fetch(this.url, {
        method: 'POST',
        headers: { ...this.headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
      });
    } catch (error) {
      // The hook's time budget ran out: not the service's reachability, so it stays a timeout for on_error.
      if (ctx.signal.aborted) throw error;
      throw new GenericGuardrailApiError(`the guardrail service could not be reached (${error instanceof Error ? error.name : 'error'})`, true);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new GenericGuardrailApiError(`the guardrail service answered HTTP ${response.status}`, UNREACHABLE_STATUSES.has(response.status));
    }
    const body = await response.json().catch(() => {
      throw new GenericGuardrailApiError('the guardrail service answered something that is not JSON', false);
    });
    return answerOf(body, request.texts.length);
  }
}
