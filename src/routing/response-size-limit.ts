import { ResponseTooLargeError } from '../common/errors/http-errors';

const MEBIBYTE = 1024 * 1024;

/**
 * `general_settings.max_response_size_mb` as a byte budget for one response. LiteLLM measures the response
 * after it has it in memory; Tollgate counts while reading, so an oversized response is never buffered.
 */
export class ResponseSizeLimit {
  readonly maxBytes: number;

  constructor(readonly maxMb: number) {
    this.maxBytes = maxMb * MEBIBYTE;
  }

  /** @throws ResponseTooLargeError when `bytes` is over the limit. */
  check(bytes: number): void {
    if (bytes > this.maxBytes) throw new ResponseTooLargeError(bytes / MEBIBYTE, this.maxMb);
  }
}

/** A body as undici hands it over: chunks to iterate, and a way to stop reading (which aborts the request). */
export interface ReadableBody extends AsyncIterable<Buffer> {
  destroy(): unknown;
}

/**
 * Reads a whole body as text, refusing it as soon as it is known to be over the limit: at once from a
 * declared Content-Length, else at the chunk that crosses it. Stopping destroys the body, which aborts the
 * upstream request and frees its socket.
 *
 * @throws ResponseTooLargeError
 */
export async function readTextWithin(body: ReadableBody, contentLength: string | string[] | undefined, limit: ResponseSizeLimit): Promise<string> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength);
  try {
    if (Number.isFinite(declared)) limit.check(declared);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of body) {
      size += part.length;
      limit.check(size);
      parts.push(part);
    }
    return Buffer.concat(parts, size).toString('utf8');
  } catch (error) {
    body.destroy();
    throw error;
  }
}

/**
 * Passes a streamed body through while counting it, and stops at the chunk that crosses the limit. This bounds
 * what the SSE parser may buffer too: one event that never ends is as much a memory risk as many events.
 *
 * @throws ResponseTooLargeError from the iteration
 */
export async function* streamWithin(body: AsyncIterable<Buffer>, limit: ResponseSizeLimit): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const part of body) {
    size += part.length;
    limit.check(size);
    yield part;
  }
}
