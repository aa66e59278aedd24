import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

/** The session's CSRF token (from POST /v2/login or GET /session/info), sent on every unsafe request. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Answers that are about the session itself: a 401 there is the answer, not a reason to leave the page. */
const SESSION_PATHS = ['/v2/login', '/login', '/session/info', '/logout'];

/** What to do when the gateway says the session is gone (set by the app: go to the login page). */
let onUnauthorized: () => void = () => undefined;

export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && UNSAFE.has(request.method)) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  async onResponse({ request, response }) {
    const path = new URL(request.url).pathname;
    // The API answers 401 both for "no session" and (as LiteLLM does) for a role that may not make a change: only
    // the first sends the user to the login page.
    if (response.status === 401 && !SESSION_PATHS.includes(path)) {
      const session = await fetch('/session/info', { credentials: 'same-origin' });
      if (session.status === 401) onUnauthorized();
    }
    return response;
  },
};

/** The typed client: every path, body and answer comes from the gateway's /openapi.json (schema.d.ts). */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

/** The OpenAI error envelope every failing route answers with. */
interface ErrorEnvelope {
  error?: { message?: string; type?: string; code?: string | number | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The data of an openapi-fetch answer, or an ApiError with the gateway's own message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok) return undefined as T;
  const envelope = result.error as ErrorEnvelope | undefined;
  throw new ApiError(result.response.status, envelope?.error?.message ?? `${result.response.status} ${result.response.statusText}`);
}

/** A message for any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
