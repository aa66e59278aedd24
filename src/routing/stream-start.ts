import type { StreamResult } from './providers/provider-adapter';

/**
 * Waits for a stream's first group of events before the response is committed to the client, so that a
 * provider failing before its first byte (an error event, a dropped connection) is still a failed attempt the
 * router can retry or fall back from. Returns the same stream with that first group put back in front.
 */
export async function withFirstBatch(stream: StreamResult): Promise<StreamResult> {
  const iterator = stream.batches[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* replay(): AsyncGenerator<string[]> {
    try {
      if (first.done) return;
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // Leaving early (client gone, size limit) must close the provider's body, as the bare iterator would.
      await iterator.return?.();
    }
  }
  return { headers: stream.headers, batches: replay() };
}
