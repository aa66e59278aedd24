import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

const ROLES = ['system', 'user', 'assistant', 'tool'];

/** The fake project's policy: each detector and the labelled texts it detects. */
const DETECTORS: readonly { type: string; pattern: RegExp }[] = [
  { type: 'prompt_attack', pattern: /ignore (all )?(the )?previous instructions|what is your system prompt|\byou are now DAN\b/i },
  { type: 'moderated_content/hate', pattern: /\bI hate (all )?\w+ people\b/i },
  { type: 'pii/email', pattern: /\b[\w.+-]+@[\w-]+\.[\w.]+\b/ },
  { type: 'unknown_links', pattern: /https?:\/\/[\w.-]*evil\.example\b/i },
];

function isMessage(value: unknown): value is { role: string; content: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { role, content } = value as { role?: unknown; content?: unknown };
  return typeof role === 'string' && ROLES.includes(role) && typeof content === 'string';
}

/**
 * Lakera Guard's `POST /v2/guard` (https://docs.lakera.ai/docs/api/guard): `Authorization: Bearer <key>` (401
 * otherwise), a JSON body whose `messages` are `{role, content: string}` (400 otherwise), `flagged` for the last
 * interaction against the project's policy, `breakdown` per detector when asked, `payload` match spans when asked.
 */
export class LakeraFake {
  delayMs = 0;
  failWith?: number;
  readonly bodies: Record<string, unknown>[] = [];
  readonly server: FakeServer;

  constructor(readonly apiKey: string) {
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
    const path = new URL(request.url ?? '/', 'http://lakera').pathname;
    this.server.calls.push(`${request.method} ${path}`);
    if (path !== '/v2/guard' || request.method !== 'POST') return sendJson(response, 404, { detail: 'Not Found' });
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) return sendJson(response, 401, { detail: 'Invalid or missing API key' });
    if (this.delayMs > 0) await pause(this.delayMs, response);
    if (this.failWith !== undefined) return sendJson(response, this.failWith, { detail: 'Service unavailable' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return sendJson(response, 400, { detail: 'Request body is not valid JSON' });
    }
    this.bodies.push(body);
    const messages = body.messages;
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every(isMessage)) {
      return sendJson(response, 400, { detail: 'messages must be a non-empty list of {role, content} with a string content' });
    }
    for (const flag of ['breakdown', 'payload', 'dev_info']) {
      if (body[flag] !== undefined && typeof body[flag] !== 'boolean') return sendJson(response, 400, { detail: `${flag} must be a boolean` });
    }
    if (body.project_id !== undefined && typeof body.project_id !== 'string') return sendJson(response, 400, { detail: 'project_id must be a string' });
    // Guard screens the last interaction: the last user message and what follows it.
    const lastUser = messages.map((message) => message.role).lastIndexOf('user');
    const screened = messages.slice(Math.max(lastUser, 0));
    const results = DETECTORS.map((detector) => {
      const index = screened.findIndex((message) => detector.pattern.test(message.content));
      return { detector, detected: index >= 0, messageId: index < 0 ? undefined : Math.max(lastUser, 0) + index };
    });
    const projectId = typeof body.project_id === 'string' ? body.project_id : 'project-default';
    return sendJson(response, 200, {
      flagged: results.some((result) => result.detected),
      metadata: { request_uuid: randomUUID() },
      ...(body.breakdown === true
        ? {
            breakdown: results.map(({ detector, detected, messageId }) => ({
              project_id: projectId,
              policy_id: 'policy-lakera-default',
              detector_id: `detector-${detector.type.replace('/', '-')}`,
              detector_type: detector.type,
              detected,
              ...(messageId === undefined ? {} : { message_id: messageId }),
            })),
          }
        : {}),
      ...(body.payload === true ? { payload: [] } : {}),
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
