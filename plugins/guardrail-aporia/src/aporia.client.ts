import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** A message as Aporia takes it: roles other than system, user and assistant become `other`. */
export interface AporiaMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'other';
  readonly content: string;
}

/** What Aporia decided: its action and, for block/modify/rephrase, the text to show instead. */
export interface AporiaValidation {
  readonly action: 'block' | 'modify' | 'passthrough' | 'rephrase';
  readonly revised_response: string | null;
}

const ACTIONS = ['block', 'modify', 'passthrough', 'rephrase'];

/** A non-2xx answer or an unknown action: a malfunction for the host's `on_error`. */
export class AporiaApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AporiaApiError';
  }
}

/** Aporia Guardrails' `POST {api_base}/validate`, authenticated with `X-APORIA-API-KEY`. */
export class AporiaClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly apiBase: string,
    apiKey: string,
  ) {
    this.headers = { 'x-aporia-api-key': apiKey, 'content-type': 'application/json', accept: 'application/json' };
  }

  /** @throws AporiaApiError */
  async validate(ctx: GuardrailContext, messages: readonly AporiaMessage[], response?: string): Promise<AporiaValidation> {
    const body = response === undefined ? { messages, validation_target: 'prompt' } : { messages, response, validation_target: 'response' };
    const answer = await ctx.fetch(`${this.apiBase}/validate`, { method: 'POST', headers: this.headers, body: JSON.stringify(body) });
    if (!answer.ok) {
      await answer.body?.cancel();
      throw new AporiaApiError(`Aporia /validate answered ${answer.status}`, answer.status);
    }
    const parsed = (await answer.json()) as { action?: unknown; revised_response?: unknown } | null;
    if (typeof parsed?.action !== 'string' || !ACTIONS.includes(parsed.action)) throw new AporiaApiError('Aporia /validate answered without a known action');
    return { action: parsed.action as AporiaValidation['action'], revised_response: typeof parsed.revised_response === 'string' ? parsed.revised_response : null };
  }
}
