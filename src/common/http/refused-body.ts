import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';

/** How long, and how much of, a refused upload is read and thrown away before the connection is cut. */
const LINGER_MS = 5_000;
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Gives a client that is still sending a refused body the time to read the 400 it was sent. Fastify answers at
 * the limit and closes the connection, but closing a socket with unread input makes the kernel send a reset,
 * and a client still writing then often loses the response (seen with a chunked 100 MB upload). So the rest of
 * the body is read and discarded for a while — nothing is kept — and the connection stays usable if it ends
 * in time; a client that keeps sending past LINGER_BYTES or LINGER_MS is cut off. nginx calls this a
 * lingering close. The byte cap keeps the garbage of the discarded reads (collected lazily) small.
 */
export function drainRefusedBody(request: IncomingMessage, reply: FastifyReply): void {
  if (request.complete) return;
  reply.removeHeader('connection');
  const socket = request.socket;
  const cut = (): void => {
    stop();
    socket.destroy();
  };
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  let discarded = 0;
  const count = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) cut();
  };
  const stop = (): void => {
    clearTimeout(timer);
    request.off('data', count);
  };
  request.on('data', count);
  request.once('end', stop);
  socket.once('close', stop);
}
