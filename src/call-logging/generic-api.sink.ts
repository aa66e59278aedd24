import { BatchingSink, type BatchingOptions } from './batching-sink';
import type { StandardLoggingPayload } from './standard-logging-payload';

/** LiteLLM's `generic_api` callback: each batch is POSTed as a JSON array of StandardLoggingPayload. */
export class GenericApiSink extends BatchingSink {
  constructor(
    private readonly endpoint: string,
    private readonly headers: Readonly<Record<string, string>>,
    options: BatchingOptions,
  ) {
    super('generic_api', options);
  }

  protected async send(batch: readonly StandardLoggingPayload[], signal: AbortSignal): Promise<void> {
    await this.post(this.endpoint, { ...this.headers }, JSON.stringify(batch), signal);
  }
}
