import {
  allow,
  block,
  defineGuardrail,
  mutateMessages,
  mutateTexts,
  mutateWindow,
  rewriteMessageTexts,
  streamTextChecked,
  streamTextToCheck,
  type ChatMessage,
  type Guardrail,
  type GuardrailContext,
  type GuardrailInput,
  type GuardrailPhase,
  type StreamVerdict,
} from '@tollgate/guardrail-sdk';
import { GenericGuardrailApiClient, GenericGuardrailApiError, type GuardrailApiAnswer, type GuardrailApiRequest } from './generic-guardrail-api.client';

/** The instance config, in LiteLLM's names where LiteLLM has them. */
export interface GenericGuardrailApiConfig {
  /** The service's base URL; the contract's path is appended unless it is already there. */
  api_base: string;
  /** Default `/beta/litellm_basic_guardrail_api` (LiteLLM's). */
  api_path?: string;
  /** Sent as `Authorization: Bearer <api_key>`, or as the raw value of `api_key_header`. */
  api_key?: string;
  api_key_header?: string;
  /** Further headers for every call (values may be `os.environ/…`). */
  headers?: Record<string, string>;
  /** Sent as they are in every request, for the service's own settings. */
  additional_provider_specific_params?: Record<string, unknown>;
  /** `fail_open` lets calls through while the service is unreachable or answers 502/503/504 (default `fail_closed`). */
  unreachable_fallback?: 'fail_closed' | 'fail_open';
}

const DEFAULT_PATH = '/beta/litellm_basic_guardrail_api';
const STREAM_CHECK_EVERY = 384;
const STREAM_OVERLAP = 96;
const STREAM_WINDOW = 512;
const MAX_REASON = 300;

/** The texts `rewriteMessageTexts` visits, in its order: string contents and text parts. */
function textSlots(messages: readonly ChatMessage[]): string[] {
  const slots: string[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') slots.push(message.content);
    else if (Array.isArray(message.content)) for (const part of message.content) if (part.type === 'text' && typeof part.text === 'string') slots.push(part.text);
  }
  return slots;
}

function urlOf(base: string, path: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith(path) ? trimmed : `${trimmed}${path.startsWith('/') ? path : `/${path}`}`;
}

export default defineGuardrail<GenericGuardrailApiConfig>({
  manifest: {
    id: 'generic-guardrail-api',
    version: '1.0.0',
    sdk: '^1.3.0',
    description:
      "Calls any HTTP service implementing Tollgate's guardrail contract (LiteLLM's generic_guardrail_api): it allows, blocks or rewrites requests, replies and streams.",
    phases: ['pre_call', 'during_call', 'post_call', 'streaming'],
    defaultPhases: ['pre_call'],
    priority: 30,
    timeoutMs: 3000,
    streamWindowChars: STREAM_WINDOW,
    configSchema: {
      type: 'object',
      properties: {
        api_base: { type: 'string', pattern: '^https?://', description: 'Base URL of the service.' },
        api_path: { type: 'string', pattern: '^/', default: DEFAULT_PATH, description: 'Path of the contract endpoint.' },
        api_key: { type: 'string', minLength: 1, description: 'Credential sent with every call.' },
        api_key_header: { type: 'string', pattern: '^[A-Za-z0-9-]+$', default: 'authorization', description: 'Header carrying api_key (authorization: as a Bearer token).' },
        headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Further headers for every call.' },
        additional_provider_specific_params: { type: 'object', description: 'Sent as they are in every request.' },
        unreachable_fallback: { enum: ['fail_closed', 'fail_open'], default: 'fail_closed', description: 'What to do while the service is unreachable or answers 502/503/504.' },
      },
      required: ['api_base'],
    },
    secretFields: ['api_key', 'headers'],
  },
  create(config): Guardrail {
    const headers: Record<string, string> = Object.fromEntries(Object.entries(config.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
    if (config.api_key) {
      const header = (config.api_key_header ?? 'authorization').toLowerCase();
      headers[header] = header === 'authorization' ? `Bearer ${config.api_key}` : config.api_key;
    }
    const client = new GenericGuardrailApiClient(urlOf(config.api_base, config.api_path ?? DEFAULT_PATH), headers);
    const params = config.additional_provider_specific_params ?? {};
    const failOpen = config.unreachable_fallback === 'fail_open';

    const ask = async (
      ctx: GuardrailContext,
      input: GuardrailInput,
      phase: GuardrailPhase,
      texts: readonly string[],
      stream?: GuardrailApiRequest['stream'],
    ): Promise<GuardrailApiAnswer> => {
      const requestData: Record<string, string> = {};
      if (ctx.keyId) requestData.user_api_key_hash = ctx.keyId;
      if (ctx.teamId) requestData.user_api_key_team_id = ctx.teamId;
      if (input.user) requestData.user_api_key_end_user_id = input.user;
      const request: GuardrailApiRequest = {
        phase,
        input_type: phase === 'pre_call' || phase === 'during_call' ? 'request' : 'response',
        operation: input.operation,
        model: input.model,
        messages: input.messages,
        texts,
        metadata: input.metadata,
        request_data: requestData,
        litellm_call_id: ctx.requestId,
        guardrail_name: ctx.guardrailName,
        additional_provider_specific_params: params,
        ...(stream ? { stream } : {}),
      };
      try {
        return await client.ask(ctx, request);
      } catch (error) {
        if (!(failOpen && error instanceof GenericGuardrailApiError && error.unreachable)) throw error;
        ctx.logger.warn(`${error.message}; the call goes on (unreachable_fallback: fail_open)`);
        return { action: 'allow' };
      }
    };

    // The service's reason is shown to the caller: the contract asks services never to quote the offending text.
    const refusal = (answer: Extract<GuardrailApiAnswer, { action: 'block' }>, ctx: GuardrailContext) =>
      block(answer.reason ? `Content blocked by guardrail ${ctx.guardrailName}: ${answer.reason.slice(0, MAX_REASON)}` : `Content blocked by guardrail ${ctx.guardrailName}`, {
        ...(answer.status ? { status: answer.status } : {}),
        category: answer.category ?? 'generic_guardrail_api',
      });

    return {
      async preCall(input, ctx) {
        const answer = await ask(ctx, input, 'pre_call', textSlots(input.messages));
        if (answer.action === 'block') return refusal(answer, ctx);
        if (answer.action === 'allow') return allow();
        let next = 0;
        return mutateMessages(rewriteMessageTexts(input.messages, () => answer.texts[next++]).messages, ['generic_guardrail_api']);
      },
      async duringCall(input, ctx) {
        const answer = await ask(ctx, input, 'during_call', textSlots(input.messages));
        if (answer.action === 'block') return refusal(answer, ctx);
        // Beside the provider call the request is already sent: a rewrite cannot apply.
        if (answer.action === 'mutate') ctx.logger.warn('the guardrail service rewrote a request in during_call; ignored (only pre_call rewrites reach the provider)');
        return allow();
      },
      async postCall(input, output, ctx) {
        const answer = await ask(ctx, input, 'post_call', output.texts);
        if (answer.action === 'block') return refusal(answer, ctx);
        return answer.action === 'mutate' ? mutateTexts(answer.texts, ['generic_guardrail_api']) : allow();
      },
      async onStreamWindow(window, input, ctx): Promise<StreamVerdict> {
        const due = streamTextToCheck(window, ctx, { everyChars: STREAM_CHECK_EVERY, overlapChars: STREAM_OVERLAP });
        if (!due) return allow();
        const answer = await ask(ctx, input, 'streaming', [due.text], { offset: window.start + due.offset, final: window.final });
        if (answer.action === 'block') return refusal(answer, ctx);
        const text = streamTextChecked(window, ctx, due, answer.action === 'mutate' ? answer.texts[0] : due.text);
        return text === window.text ? allow() : mutateWindow(text, ['generic_guardrail_api']);
      },
    };
  },
});
