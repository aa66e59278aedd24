import { BatchingSink, type BatchingOptions } from './batching-sink';
import type { StandardLoggingPayload } from './standard-logging-payload';

class RecordingSink extends BatchingSink {
  readonly batches: string[][] = [];
  failNext = 0;
  constructor(options: BatchingOptions) {
    super('test', options);
  }
  protected send(batch: readonly StandardLoggingPayload[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(new Error('HTTP 503'));
    }
    this.batches.push(batch.map((payload) => payload.id));
    return Promise.resolve();
  }
}

const payload = (id: string): StandardLoggingPayload => ({ id }) as StandardLoggingPayload;

describe('BatchingSink', () => {
  it('should send full batches at once and the rest on flush, in order', async () => {
    const sink = new RecordingSink({ batchSize: 2, flushIntervalMs: 60_000, maxQueued: 100 });
    for (const id of ['a', 'b', 'c']) sink.enqueue(payload(id));
    await sink.flush();
    expect(sink.batches).toEqual([['a', 'b'], ['c']]);
    expect(sink.delivered).toBe(3);
    await sink.close(100);
  });

  it('should drop and count what exceeds the bound instead of growing', async () => {
    const sink = new RecordingSink({ batchSize: 100, flushIntervalMs: 60_000, maxQueued: 2 });
    for (const id of ['a', 'b', 'c', 'd']) sink.enqueue(payload(id));
    expect(sink.dropped).toBe(2);
    await sink.flush();
    expect(sink.batches).toEqual([['a', 'b']]);
    await sink.close(100);
  });

  it('should retry a failed batch and deliver it once', async () => {
    const sink = new RecordingSink({ batchSize: 100, flushIntervalMs: 60_000, maxQueued: 10 });
    sink.failNext = 1;
    sink.enqueue(payload('a'));
    await sink.flush();
    expect(sink.batches).toEqual([['a']]);
    expect(sink.failed).toBe(0);
    await sink.close(100);
  });
});
