import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

/** What the fake's scanners make of a text: risk scores by scanner (> 0 fails, as llm-guard's risk scores do). */
interface Scan {
  scores: Record<string, number>;
  sanitized: string;
}

const INPUT_SCANNERS = ['PromptInjection', 'Toxicity', 'Secrets', 'BanTopics'];
const OUTPUT_SCANNERS = ['Toxicity', 'Sensitive', 'NoRefusal'];

/** The labelled set: a text matching a rule gets that scanner's score; everything else is clean (-1.0 … 0.0). */
const INPUT_RULES: readonly [RegExp, string, number][] = [
  [/ignore (all )?(the )?previous instructions/i, 'PromptInjection', 1.0],
  [/\byou (suck|idiot)\b/i, 'Toxicity', 0.9],
  [/\bAKIA[0-9A-Z]{16}\b/, 'Secrets', 1.0],
  [/\b(build|make) a (bomb|weapon)\b/i, 'BanTopics', 0.8],
];
const OUTPUT_RULES: readonly [RegExp, string, number][] = [
  [/\b\d{3}-\d{2}-\d{4}\b/, 'Sensitive', 1.0],
  [/\byou (suck|idiot)\b/i, 'Toxicity', 0.9],
];

function scan(text: string, scanners: readonly string[], rules: readonly [RegExp, string, number][], suppress: readonly string[]): Scan {
  const scores: Record<string, number> = {};
  let sanitized = text;
  for (const scanner of scanners) {
    if (suppress.includes(scanner)) continue;
    const rule = rules.find(([pattern, name]) => name === scanner && pattern.test(text));
    scores[scanner] = rule ? rule[2] : -1.0;
    if (rule && scanner === 'Secrets') sanitized = sanitized.replace(/\bAKIA[0-9A-Z]{16}\b/g, '******');
    if (rule && scanner === 'Sensitive') sanitized = sanitized.replace(/\b\d{3}-\d{2}-\d{4}\b/g, '[REDACTED_US_SSN]');
  }
  return { scores, sanitized };
}

/** Waits `ms`, or less when the client hangs up first (so a timed-out test leaves no timer behind). */
function pause(ms: number, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function validationError(response: ServerResponse, loc: string[], msg: string): void {
  sendJson(response, 422, { message: 'Validation failed', details: [{ type: 'missing', loc, msg, input: null }] });
}

/**
 * llm-guard-api (protectai/llm-guard `llm_guard_api/app/app.py`): `POST /analyze/prompt {prompt, scanners_suppress}`
 * → `{is_valid, scanners: {name: risk score}, sanitized_prompt}` and `POST /analyze/output {prompt, output}` →
 * `{is_valid, scanners, sanitized_output}`. With a token configured it checks `Authorization: Bearer` as
 * `auth: {type: http_bearer}` does (403 without one, 401 for a wrong one); a body that is not the schema is a 422.
 */
export class LlmGuardFake {
  /** Added to every answer (time budget tests). */
  delayMs = 0;
  /** When set, every analyze call answers this status (outage tests). */
  failWith?: number;
  /** When set, analyze calls answer 200 with something that is not an analysis. */
  malformed = false;
  readonly bodies: Record<string, unknown>[] = [];
  readonly server: FakeServer;

  constructor(readonly token?: string) {
    this.server = new FakeServer((request, body, response) => this.handle(request, body, response));
  }

  get url(): string {
    return this.server.url;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async handle(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://llm-guard').pathname;
    this.server.calls.push(`${request.method} ${path}`);
    if (path === '/healthz' && request.method === 'GET') return sendJson(response, 200, { status: 'alive' });
    if (path !== '/analyze/prompt' && path !== '/analyze/output') return sendJson(response, 404, { message: 'Not Found', details: null });
    if (request.method !== 'POST') return sendJson(response, 405, { message: 'Method Not Allowed', details: null });
    if (this.token !== undefined) {
      const header = request.headers.authorization;
      if (!header?.startsWith('Bearer ')) return sendJson(response, 403, { message: 'Not authenticated', details: null });
      if (header.slice(7) !== this.token) return sendJson(response, 401, { message: 'Invalid API key', details: null });
    }
    if (this.delayMs > 0) await pause(this.delayMs, response);
    if (this.failWith !== undefined) return sendJson(response, this.failWith, { message: 'Internal Server Error', details: null });
    if (this.malformed) return sendJson(response, 200, { status: 'alive' });
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) return validationError(response, ['body'], 'Input should be a valid dictionary');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(response, 422, { message: 'Validation failed', details: [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error' }] });
    }
    this.bodies.push(body);
    if (typeof body.prompt !== 'string') return validationError(response, ['body', 'prompt'], 'Field required');
    const suppress = body.scanners_suppress ?? [];
    if (!Array.isArray(suppress) || !suppress.every((item) => typeof item === 'string'))
      return validationError(response, ['body', 'scanners_suppress'], 'Input should be a valid list');
    if (path === '/analyze/prompt') {
      const result = scan(body.prompt, INPUT_SCANNERS, INPUT_RULES, suppress as string[]);
      return sendJson(
        response,
        200,
        { is_valid: Object.values(result.scores).every((score) => score <= 0), scanners: result.scores, sanitized_prompt: result.sanitized },
        { 'x-cache-hit': 'false' },
      );
    }
    if (typeof body.output !== 'string') return validationError(response, ['body', 'output'], 'Field required');
    const result = scan(body.output, OUTPUT_SCANNERS, OUTPUT_RULES, suppress as string[]);
    return sendJson(response, 200, { is_valid: Object.values(result.scores).every((score) => score <= 0), scanners: result.scores, sanitized_output: result.sanitized });
  }
}
