import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

/** The labelled set: what the fake judge calls unsafe, by Llama Guard 3 category. */
const RULES: readonly [RegExp, string][] = [
  [/\b(build|make) a (pipe )?bomb\b/i, 'S9'],
  [/\bkill (him|her|them|my neighbou?r)\b/i, 'S1'],
  [/\bsteal (a car|credit cards?)\b/i, 'S2'],
  [/\bhome address of\b/i, 'S7'],
];

function judge(text: string, categories: string | undefined): string {
  const codes = RULES.filter(([pattern, code]) => pattern.test(text) && (categories === undefined || new RegExp(`^${code}:`, 'm').test(categories))).map(([, code]) => code);
  return codes.length === 0 ? 'safe' : `unsafe\n${codes.join(',')}`;
}

/** The last `User:` or `Agent:` turn of a Llama Guard prompt's conversation. */
function lastTurn(conversation: string, role: string): string {
  const turns = conversation.split(/\n\n(?=(?:User|Agent): )/).map((turn) => turn.trim());
  const last = [...turns].reverse().find((turn) => turn.startsWith(`${role}: `));
  return last ? last.slice(role.length + 2) : '';
}

/**
 * A Llama Guard model behind an OpenAI-compatible chat API (vLLM, Ollama, TGI, a SageMaker endpoint's adapter):
 * `POST /v1/chat/completions` with a bearer key, for the served model only. Given a Llama Guard prompt (categories,
 * conversation, "ONLY THE LAST <role> message") it judges that last message against the categories listed; given a
 * plain conversation (the model's own chat template applies the default categories) it judges the last message.
 * Answers `safe` or `unsafe\n<codes>`.
 */
export class LlamaGuardFake {
  readonly model = 'meta-llama/Llama-Guard-3-8B';
  delayMs = 0;
  /** When set, the judge answers this text whatever it is asked (a model that ignores its format). */
  forcedAnswer?: string;
  readonly prompts: { role: string; content: string }[][] = [];
  readonly server: FakeServer;

  constructor(readonly apiKey: string) {
    this.server = new FakeServer((request, body, response) => this.handle(request, body, response));
  }

  /** The OpenAI-compatible base (`…/v1`). */
  get url(): string {
    return `${this.server.url}/v1`;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async handle(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://llamaguard').pathname;
    this.server.calls.push(`${request.method} ${path}`);
    if (path !== '/v1/chat/completions' || request.method !== 'POST') return sendJson(response, 404, { error: { message: 'Not Found', type: 'NotFoundError', code: 404 } });
    if (request.headers.authorization !== `Bearer ${this.apiKey}`)
      return sendJson(response, 401, { error: { message: 'Invalid API key', type: 'AuthenticationError', code: 401 } });
    if (this.delayMs > 0) await pause(this.delayMs, response);
    let body: { model?: unknown; messages?: unknown; stream?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      return sendJson(response, 400, { error: { message: 'Invalid JSON', type: 'BadRequestError', code: 400 } });
    }
    if (body.model !== this.model) return sendJson(response, 404, { error: { message: `The model \`${String(body.model)}\` does not exist.`, type: 'NotFoundError', code: 404 } });
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => typeof m?.role === 'string' && typeof m?.content === 'string')) {
      return sendJson(response, 400, { error: { message: 'messages must be a non-empty list of {role, content}', type: 'BadRequestError', code: 400 } });
    }
    const typed = messages as { role: string; content: string }[];
    this.prompts.push(typed);
    const last = typed.at(-1)!.content;
    const template = /<BEGIN CONVERSATION>\n([\s\S]*)\n<END CONVERSATION>/.exec(last);
    let answer: string;
    if (template) {
      const role = /ONLY THE LAST (User|Agent) message/.exec(last)?.[1] ?? 'User';
      const categories = /<BEGIN UNSAFE CONTENT CATEGORIES>\n([\s\S]*?)\n<END UNSAFE CONTENT CATEGORIES>/.exec(last)?.[1];
      if (!categories) return sendJson(response, 400, { error: { message: 'prompt without categories', type: 'BadRequestError', code: 400 } });
      answer = judge(lastTurn(template[1], role), categories);
    } else {
      answer = judge(last, undefined);
    }
    answer = this.forcedAnswer ?? answer;
    const promptTokens = Math.ceil(typed.reduce((sum, m) => sum + m.content.length, 0) / 4);
    const completionTokens = answer.split(/\s+/).length;
    return sendJson(response, 200, {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: this.model,
      choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
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
