import { DomainError } from '../../common/errors/domain-error';
import { UpstreamError } from '../routing.errors';
import { ClientDisconnected, UpstreamTimeout } from '../upstream-abort';
import type { UpstreamResponse } from '../upstream-http.service';
import type { ForwardedHeaders } from './provider-adapter';

/**
 * What a failed request to a provider means, for every adapter alike: the deadline (408), the client leaving
 * (passed on as is), a transport timeout, a stream frame that does not parse, or a provider out of reach.
 * Errors the adapter already classified pass through unchanged.
 */
export function transportErrorOf(label: string, error: unknown, signal: AbortSignal): Error {
  if (error instanceof DomainError) return error;
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof UpstreamTimeout) return new UpstreamError('timeout', 408, label, reason.message);
  if (reason instanceof ClientDisconnected) return reason;
  const code = (error as { code?: string }).code;
  if (code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new UpstreamError('timeout', 408, label, 'Request timed out waiting for the provider');
  }
  if (error instanceof SyntaxError) return new UpstreamError('upstream', 500, label, 'The provider sent a stream frame that is not valid');
  return new UpstreamError('unreachable', 500, label, `Connection error${code ? ` (${code})` : ''}`);
}

/** At most `limit` bytes of a body as text: enough of an error reply to explain it, never a memory hazard. */
export async function readBounded(body: AsyncIterable<Buffer>, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body) {
    parts.push(part);
    size += part.length;
    if (size >= limit) break;
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

/** The provider's response headers worth passing on (rate limits, request ids), renamed `llm_provider-…` as LiteLLM does. */
export function forwardedHeadersOf(response: UpstreamResponse, worthForwarding: RegExp): ForwardedHeaders {
  const forwarded: ForwardedHeaders = {};
  for (const name in response.headers) {
    if (!worthForwarding.test(name)) continue;
    const value = response.headers[name];
    if (value !== undefined) forwarded[`llm_provider-${name}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  return forwarded;
}
