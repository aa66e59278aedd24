import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The trace context (W3C `traceparent`, `tracestate`) an upstream request carries, so the provider's spans join the
 * call's trace. The tracer sets it around each upstream attempt, only when tracing is on; the provider HTTP client
 * adds it to the request's headers.
 */
const storage = new AsyncLocalStorage<Readonly<Record<string, string>>>();

export function withTraceHeaders<T>(headers: Readonly<Record<string, string>>, work: () => T): T {
  return storage.run(headers, work);
}

/** The headers to add to the upstream request being made, if it belongs to a traced attempt. */
export function currentTraceHeaders(): Readonly<Record<string, string>> | undefined {
  return storage.getStore();
}
