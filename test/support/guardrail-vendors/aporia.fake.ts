import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

type Action = 'block' | 'modify' | 'passthrough' | 'rephrase';

/** The seed's refusal text for profanity (LiteLLM's enterprise page), and the PII policy's counterpart. */
export const APORIA_PROFANITY_MESSAGE = 'Profanity detected: Message blocked because it includes profanity. Please rephrase.';
export const APORIA_PII_MESSAGE = 'PII detected: Message blocked because it includes personally identifiable information. Please rephrase.';

const ROLES = ['system', 'user', 'assistant', 'other'];
const PROFANITY = /\byou suck\b|\bdamn you\b/i;
const PII = /\b\d{3}-\d{2}-\d{4}\b|\b[\w.+-]+@[\w-]+\.[\w.]+\b/;

interface Decision {
  action: Action;
  revised: string | null;
  policy: string | null;
}

/** The fake project's policies on prompts: profanity and PII block. */
function judgePrompt(text: string): Decision {
  if (PROFANITY.test(text)) return { action: 'block', revised: APORIA_PROFANITY_MESSAGE, policy: 'profanity_prevention' };
  if (PII.test(text)) return { action: 'block', revised: APORIA_PII_MESSAGE, policy: 'pii' };
  return { action: 'passthrough', revised: null, policy: null };
}

/** On responses: profanity blocks, PII is masked (modify), talk of a competitor is rephrased. */
function judgeResponse(text: string): Decision {
  if (PROFANITY.test(text)) return { action: 'block', revised: APORIA_PROFANITY_MESSAGE, policy: 'profanity_prevention' };
  if (PII.test(text)) return { action: 'modify', revised: text.replace(new RegExp(PII.source, 'g'), '<PII>'), policy: 'pii' };
  if (/\bacme corp\b/i.test(text)) return { action: 'rephrase', revised: 'I can only talk about our own products.', policy: 'competition_discussion' };
  return { action: 'passthrough', revised: null, policy: null };
}

function isMessage(value: unknown): value is { role: string; content: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { role, content } = value as { role?: unknown; content?: unknown };
  return typeof role === 'string' && ROLES.includes(role) && typeof content === 'string';
}

/**
 * Aporia Guardrails' `POST {project base}/validate` (the project base is `https://gr-prd-trial.aporia.com/<project>`):
 * `X-APORIA-API-KEY` (401 otherwise), `{messages: [{role: system|user|assistant|other, content}], validation_target:
 * prompt|response|both, response}` (422 otherwise) → `{action: block|modify|passthrough|rephrase, revised_response,
 * explain_log, policy_execution_result}`.
 */
export class AporiaFake {
  readonly projectPath = '/fake-project-0001';
  delayMs = 0;
  failWith?: number;
  /** When set, every answer carries this action (a newer API's, or a broken one). */
  forcedAction?: string;
  readonly bodies: Record<string, unknown>[] = [];
  readonly server: FakeServer;

  constructor(readonly apiKey: string) {
    this.server = new FakeServer((request, body, response) => this.handle(request, body, response));
  }

  /** What `api_base` is set to: the project's base URL. */
  get url(): string {
    return `${this.server.url}${this.projectPath}`;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async handle(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://aporia').pathname;
    this.server.calls.push(`${request.method} ${path}`);
    if (path !== `${this.projectPath}/validate` || request.method !== 'POST') return sendJson(response, 404, { detail: 'Not Found' });
    if (request.headers['x-aporia-api-key'] !== this.apiKey) return sendJson(response, 401, { detail: 'Invalid API key' });
    if (this.delayMs > 0) await pause(this.delayMs, response);
    if (this.failWith !== undefined) return sendJson(response, this.failWith, { detail: 'Internal error' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(response, 422, { detail: [{ loc: ['body'], msg: 'JSON decode error', type: 'value_error.jsondecode' }] });
    }
    this.bodies.push(body);
    const { messages, validation_target: target, response: reply } = body;
    if (!Array.isArray(messages) || !messages.every(isMessage))
      return sendJson(response, 422, { detail: [{ loc: ['body', 'messages'], msg: 'invalid messages', type: 'type_error' }] });
    if (target !== 'prompt' && target !== 'response' && target !== 'both') {
      return sendJson(response, 422, { detail: [{ loc: ['body', 'validation_target'], msg: "value is not one of 'prompt', 'response', 'both'", type: 'type_error.enum' }] });
    }
    if (target !== 'prompt' && typeof reply !== 'string')
      return sendJson(response, 422, { detail: [{ loc: ['body', 'response'], msg: 'field required', type: 'value_error.missing' }] });
    const lastUser = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
    let decision: Decision = { action: 'passthrough', revised: null, policy: null };
    if (target !== 'response') decision = judgePrompt(lastUser);
    if (decision.action === 'passthrough' && target !== 'prompt') decision = judgeResponse(reply as string);
    return sendJson(response, 200, {
      action: this.forcedAction ?? decision.action,
      revised_response: decision.revised,
      explain_log: null,
      policy_execution_result: {
        policy_log: decision.policy ? [{ policy_id: `policy-${decision.policy}`, policy_type: decision.policy, target, action_type: decision.action, triggered: true }] : [],
        action: { type: decision.action, revised_message: decision.revised },
      },
    });
  }
}

/** Waits `ms`, or less when the client hangs up first. */
function pause(ms: number, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
