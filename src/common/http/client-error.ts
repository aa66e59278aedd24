import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { OpenAiErrorBody } from './error-envelope';
import { securityHeaderLines } from './security-headers';

/** Time for the client to read the answer before the socket is closed under it (see drainRefusedBody). */
const LINGER_MS = 1_000;

/**
 * Answers what Node's HTTP parser could not read (malformed requests, bytes past a lying Content-Length,
 * oversized headers, timeouts) in the OpenAI error shape and with the security headers, where Fastify's
 * default writes its own shape. Written straight to the socket: there is no request to reply to.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset peer is gone; an ended socket was already answered (the parser reports every later byte too).
  if (error.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
  // The client ended its side mid-request (e.g. after its upload was refused): nobody waits for an answer.
  if (error.code === 'HPE_INVALID_EOF_STATE') {
    socket.destroy();
    return;
  }
  const [status, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request timed out.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request headers are too large.']
        : [400, 'Malformed HTTP request.'];
  const type = status === 408 ? 'timeout_error' : 'invalid_request_error';
  const body = JSON.stringify({ error: { message, type, param: null, code: String(status) } } satisfies OpenAiErrorBody);
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${securityHeaderLines()}\r\n${body}`,
    );
  }
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
