import type { GuardrailModelReply, GuardrailModelRequest } from '@tollgate/guardrail-sdk';

/** Which guardrail hook asks, for the call's spend row, and the hook's signal that aborts it. */
export interface GuardrailModelOrigin {
  readonly guardrailName: string;
  readonly requestId: string;
  readonly signal: AbortSignal;
}

/**
 * The host side of `GuardrailContext.models`: how a guardrail's model call reaches the configured models. The call
 * pipeline provides it at boot (it owns routing, admission and the ledger), so this module imports none of them.
 */
export interface GuardrailModelGateway {
  chat(request: GuardrailModelRequest, origin: GuardrailModelOrigin): Promise<GuardrailModelReply>;
  moderate(request: { readonly model: string; readonly input: string | readonly string[] }, origin: GuardrailModelOrigin): Promise<Readonly<Record<string, unknown>>>;
}
