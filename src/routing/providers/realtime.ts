import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { Deployment } from '../deployment';
import { UpstreamError } from '../routing.errors';
import { withoutDeploymentSecrets } from '../deployment-credentials';
import { providerHttpError } from './provider-error-mapping';
import { transportErrorOf } from './upstream-response';
import type { RealtimeConnection } from './provider-adapter';

export type { RealtimeConnection } from './provider-adapter';

/** Where and how a deployment's realtime socket is opened (wss URL, auth headers). */
export interface RealtimeTarget {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** How long the provider may take to accept the websocket: a handshake that hangs must not hold a slot forever. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_ERROR_BODY_BYTES = 16 * 1024;

/** `http(s)://` bases become `ws(s)://`: deployments configure one api_base for HTTP and realtime alike. */
export function websocketUrl(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):\/\//i, (_match, secure: string) => `ws${secure}://`);
}

/**
 * Opens the provider's realtime socket. A refused handshake (401, 404, 429 …) becomes the same `UpstreamError` an
 * HTTP call would give, so the router retries, cools down and falls back on it as it does for chat.
 */
export function openRealtimeSocket(label: string, target: RealtimeTarget, deployment: Deployment, signal: AbortSignal): Promise<RealtimeConnection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(target.url, { headers: target.headers, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, perMessageDeflate: false });
    const onAbort = (): void => socket.terminate();
    const settle = (error: Error | null): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('open', onOpen);
      socket.off('error', onError);
      socket.off('unexpected-response', onRefused);
      if (error) reject(error);
      else resolve(socket);
    };
    // Paused until the edge listens: the provider greets (session.created) at once, and a message emitted while
    // the pipeline is still settling the connect would be lost. The edge resumes it.
    const onOpen = (): void => {
      socket.pause();
      settle(null);
    };
    const onError = (error: Error): void => {
      // Keep a listener: ws emits 'error' again on a socket already given up on, and an unhandled one crashes.
      socket.on('error', () => undefined);
      settle(transportErrorOf(label, error, signal));
    };
    const onRefused = (_request: unknown, response: IncomingMessage): void => {
      const parts: Buffer[] = [];
      let size = 0;
      response.on('data', (part: Buffer) => {
        if ((size += part.length) <= MAX_ERROR_BODY_BYTES) parts.push(part);
      });
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let detail = text || `HTTP ${response.statusCode ?? 502}`;
        try {
          const parsed = JSON.parse(text) as { error?: { message?: string } | string };
          detail = (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ?? detail;
        } catch {
          // Not JSON: the bounded text is the detail.
        }
        const retryAfter = response.headers['retry-after'];
        settle(providerHttpError(label, response.statusCode ?? 502, withoutDeploymentSecrets(detail, deployment), Array.isArray(retryAfter) ? retryAfter[0] : retryAfter));
        socket.terminate();
      });
      response.on('error', () => settle(new UpstreamError('unreachable', 500, label, 'Connection error (realtime handshake)')));
    };
    socket.once('open', onOpen);
    socket.once('error', onError);
    socket.once('unexpected-response', onRefused);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
