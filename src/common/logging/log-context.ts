import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line written while serving a request says about it (JSON logs only). */
export interface LogContext {
  /** Fastify's request id: the `x-request-id` response header. */
  readonly requestId: string;
  /** Tollgate's call id (`x-litellm-call-id`, the spend row's `request_id`) once the call pipeline named it. */
  callId?: string;
}

/**
 * The request a log line belongs to. Only JSON logs use it: the storage is entered per request only when they are
 * on, so plain-text logging costs no async-context tracking on the hot path.
 */
const storage = new AsyncLocalStorage<LogContext>();

/** Runs `next` (the rest of the request) inside `context`. */
export function runInLogContext(context: LogContext, next: () => void): void {
  storage.run(context, next);
}

/** The current request's log context, if there is one. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Names the call served by the current request, once: a sub-call (a guardrail's model call) keeps the outer name. */
export function nameCallInLogs(callId: string): void {
  const context = storage.getStore();
  if (context && context.callId === undefined) context.callId = callId;
}
