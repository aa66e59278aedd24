import { Logger } from '@nestjs/common';
import type { StandardLoggingPayload } from './standard-logging-payload';

export interface BatchingOptions {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueued: number;
}

/** Tries per batch; waits double from the first between them. */
export const LOG_BATCH_ATTEMPTS = 3;
const FIRST_RETRY_MS = 500;
const REQUEST_TIMEOUT_MS = 10_000;

/** A refusal not worth retrying (the destination said the batch itself is wrong: 4xx but 408 and 429). */
export class PermanentDeliveryError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.name = 'PermanentDeliveryError';
  }
}

/**
 * One logging destination: payloads queue in memory (at most `maxQueued`; more are dropped and counted) and leave in
 * batches of `batchSize`, when a batch is full or every `flushIntervalMs`, one batch at a time, retried with backoff.
 * Never on the request path; log lines name the destination and the error class, never payload contents.
 */
export abstract class BatchingSink {
  protected readonly logger: Logger;
  private readonly queue: StandardLoggingPayload[] = [];
  private readonly timer: NodeJS.Timeout;
  private sending?: Promise<void>;
  dropped = 0;
  delivered = 0;
  failed = 0;

  protected constructor(
    readonly name: string,
    private readonly options: BatchingOptions,
  ) {
    this.logger = new Logger(`LoggingCallback:${name}`);
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  enqueue(payload: StandardLoggingPayload): void {
    if (this.queue.length >= this.options.maxQueued) {
      this.dropped += 1;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.warn(`${this.dropped} payload(s) dropped: ${this.options.maxQueued} are waiting to be sent`);
      return;
    }
    this.queue.push(payload);
    if (this.queue.length >= this.options.batchSize) void this.flush();
  }

  /** Sends everything queued now (one batch at a time); resolves when the queue is empty or a batch failed for good. */
  flush(): Promise<void> {
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  async close(timeoutMs: number): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (this.queue.length > 0) this.logger.warn(`${this.queue.length} payload(s) not sent at shutdown`);
  }

  /** Delivers one batch; throws on failure (PermanentDeliveryError when a retry cannot help). */
  protected abstract send(batch: readonly StandardLoggingPayload[], signal: AbortSignal): Promise<void>;

  protected async post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<Response> {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal });
    if (!response.ok) {
      await response.body?.cancel();
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw new PermanentDeliveryError(response.status);
      throw new Error(`HTTP ${response.status}`);
    }
    return response;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSize);
      await this.deliver(batch);
    }
  }

  private async deliver(batch: readonly StandardLoggingPayload[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.send(batch, AbortSignal.timeout(REQUEST_TIMEOUT_MS));
        this.delivered += batch.length;
        return;
      } catch (error) {
        const reason = error instanceof Error ? (error.message.startsWith('HTTP ') ? error.message : error.name) : typeof error;
        if (error instanceof PermanentDeliveryError || attempt >= LOG_BATCH_ATTEMPTS) {
          this.failed += batch.length;
          this.logger.error(`batch of ${batch.length} not delivered after ${attempt} attempt(s): ${reason}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** (attempt - 1)).unref());
      }
    }
  }
}
