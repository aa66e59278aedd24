import { randomUUID } from 'node:crypto';
import { BatchingSink, type BatchingOptions } from './batching-sink';
import type { StandardLoggingPayload } from './standard-logging-payload';

interface LangfuseIngestionResult {
  errors?: { id?: string; status?: number; message?: string }[];
}

/**
 * LiteLLM's `langfuse` callback on Langfuse's public ingestion API: per call a trace (`trace-create`) and a
 * generation under it (`generation-create`) with model, times, usage, cost and, unless turned off, input and output.
 * Basic auth with the project's public and secret keys.
 */
export class LangfuseSink extends BatchingSink {
  private readonly authorization: string;

  constructor(
    private readonly host: string,
    publicKey: string,
    secretKey: string,
    private readonly defaultTags: readonly string[],
    options: BatchingOptions,
  ) {
    super('langfuse', options);
    this.authorization = `Basic ${Buffer.from(`${publicKey}:${secretKey}`).toString('base64')}`;
  }

  protected async send(batch: readonly StandardLoggingPayload[], signal: AbortSignal): Promise<void> {
    const events = batch.flatMap((payload) => this.eventsOf(payload));
    const response = await this.post(`${this.host}/api/public/ingestion`, { authorization: this.authorization }, JSON.stringify({ batch: events }), signal);
    // 207: accepted, with per-event errors. A rejected event will be rejected again; it is logged, not retried.
    const result = (await response.json().catch(() => ({}))) as LangfuseIngestionResult;
    const errors = result.errors ?? [];
    if (errors.length > 0) this.logger.warn(`${errors.length} event(s) refused by Langfuse (status ${errors[0].status ?? 'unknown'})`);
  }

  private eventsOf(payload: StandardLoggingPayload): Record<string, unknown>[] {
    const timestamp = new Date(payload.startTime * 1000).toISOString();
    const metadata = payload.metadata;
    const userId = typeof metadata.user_api_key_user_id === 'string' ? metadata.user_api_key_user_id : undefined;
    const failed = payload.status === 'failure';
    return [
      {
        id: randomUUID(),
        type: 'trace-create',
        timestamp,
        body: {
          id: payload.trace_id,
          timestamp,
          name: `litellm-${payload.call_type}`,
          userId: payload.end_user || userId,
          input: payload.messages,
          output: payload.response,
          tags: [...this.defaultTags, ...payload.request_tags],
          metadata: { ...metadata, cache_hit: payload.cache_hit },
        },
      },
      {
        id: randomUUID(),
        type: 'generation-create',
        timestamp,
        body: {
          id: `time-${payload.id}`,
          traceId: payload.trace_id,
          name: `litellm-${payload.call_type}`,
          startTime: timestamp,
          endTime: new Date(payload.endTime * 1000).toISOString(),
          completionStartTime: new Date(payload.completionStartTime * 1000).toISOString(),
          model: payload.model,
          modelParameters: payload.model_parameters,
          input: payload.messages,
          output: payload.response,
          usage: { input: payload.prompt_tokens, output: payload.completion_tokens, total: payload.total_tokens, unit: 'TOKENS' },
          usageDetails: { input: payload.prompt_tokens, output: payload.completion_tokens, total: payload.total_tokens },
          costDetails: { total: payload.response_cost },
          level: failed ? 'ERROR' : 'DEFAULT',
          statusMessage: failed ? (payload.error_str ?? undefined) : undefined,
          metadata: { model_group: payload.model_group, model_id: payload.model_id, api_base: payload.api_base },
        },
      },
    ];
  }
}
