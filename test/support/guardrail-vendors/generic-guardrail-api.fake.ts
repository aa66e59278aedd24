import type { IncomingHttpHeaders } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

export const GENERIC_GUARDRAIL_API_KEY = 'generic-guardrail-test-key-0001';
export const GENERIC_GUARDRAIL_PATH = '/beta/litellm_basic_guardrail_api';

const PHASES = ['pre_call', 'during_call', 'post_call', 'streaming'];

export interface GenericGuardrailBehaviour {
  delayMs: number;
  failWith?: number;
}

export interface GenericGuardrailRequest {
  headers: IncomingHttpHeaders;
  body: {
    phase: string;
    input_type: string;
    texts: string[];
    messages: { role: string; content: unknown }[];
    metadata: Record<string, unknown>;
    request_data: Record<string, unknown>;
    additional_provider_specific_params?: Record<string, unknown>;
    [field: string]: unknown;
  };
}

export interface GenericGuardrailFake {
  readonly url: string;
  readonly requests: GenericGuardrailRequest[];
  readonly behaviour: GenericGuardrailBehaviour;
  readonly server: FakeServer;
  close(): Promise<void>;
}

/**
 * A service implementing Tollgate's generic guardrail contract (plugins/guardrail-generic-guardrail-api/README.md):
 * `POST /beta/litellm_basic_guardrail_api` with `Authorization: Bearer <key>` (or `x-api-key`), a body with `phase`,
 * `input_type`, `texts`, `messages`, `metadata`. Refuses a wrong key (401), a malformed body (400, naming the
 * field). Its labelled policy: "forbidden-topic" blocks, "codename-falcon" is rewritten to "[codename]". It answers in
 * Tollgate's words (`allow` / `block` / `mutate`), or in LiteLLM's (`NONE` / `BLOCKED` / `GUARDRAIL_INTERVENED`) when
 * `additional_provider_specific_params.dialect` is `litellm`.
 */
export async function startGenericGuardrailFake(options: { authHeader?: 'authorization' | 'x-api-key' } = {}): Promise<GenericGuardrailFake> {
  const requests: GenericGuardrailRequest[] = [];
  const behaviour: GenericGuardrailBehaviour = { delayMs: 0 };
  const expected = options.authHeader === 'x-api-key' ? GENERIC_GUARDRAIL_API_KEY : `Bearer ${GENERIC_GUARDRAIL_API_KEY}`;
  const server = new FakeServer(async (request, raw, response) => {
    if (request.method !== 'POST' || request.url !== GENERIC_GUARDRAIL_PATH) return sendJson(response, 404, { error: 'not found' });
    if (request.headers[options.authHeader ?? 'authorization'] !== expected) return sendJson(response, 401, { error: 'invalid credentials' });
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return sendJson(response, 415, { error: 'expected application/json' });
    let body: GenericGuardrailRequest['body'];
    try {
      body = JSON.parse(raw.toString('utf8')) as GenericGuardrailRequest['body'];
    } catch {
      return sendJson(response, 400, { error: 'body is not JSON' });
    }
    const problem = !PHASES.includes(body.phase)
      ? 'phase'
      : body.input_type !== (body.phase === 'pre_call' || body.phase === 'during_call' ? 'request' : 'response')
        ? 'input_type'
        : !Array.isArray(body.texts) || body.texts.some((text) => typeof text !== 'string')
          ? 'texts'
          : !Array.isArray(body.messages)
            ? 'messages'
            : typeof body.metadata !== 'object' || body.metadata === null
              ? 'metadata'
              : undefined;
    if (problem) return sendJson(response, 400, { error: `invalid field: ${problem}` });
    requests.push({ headers: request.headers, body });
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.failWith) return sendJson(response, behaviour.failWith, { error: 'unavailable' });
    const litellm = body.additional_provider_specific_params?.dialect === 'litellm';
    if (body.texts.some((text) => /forbidden-topic/i.test(text))) {
      return sendJson(
        response,
        200,
        litellm ? { action: 'BLOCKED', blocked_reason: 'the topic is not allowed' } : { action: 'block', message: 'the topic is not allowed', category: 'topic' },
      );
    }
    if (body.texts.some((text) => /codename-falcon/i.test(text))) {
      const texts = body.texts.map((text) => text.replace(/codename-falcon/gi, '[codename]'));
      return sendJson(response, 200, litellm ? { action: 'GUARDRAIL_INTERVENED', texts } : { action: 'mutate', texts });
    }
    sendJson(response, 200, litellm ? { action: 'NONE' } : { action: 'allow' });
  });
  await server.start();
  return {
    get url() {
      return server.url;
    },
    requests,
    behaviour,
    server,
    close: () => server.stop(),
  };
}
