import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { LoggingCallbackSettings, LoggingSinkSettings, LoggingSinkTrigger, TollgateConfig } from '../config/config.types';
import type { SpendLogRow } from '../spend/spend-log-row';
import type { BatchingOptions, BatchingSink } from './batching-sink';
import { GcsSink } from './gcs.sink';
import { GenericApiSink } from './generic-api.sink';
import { LangfuseSink } from './langfuse.sink';
import { S3Sink } from './s3.sink';
import { standardLoggingPayload, type CallContent } from './standard-logging-payload';

/** How long a shutdown waits for the queued payloads. */
const DRAIN_ON_SHUTDOWN_MS = 5_000;

interface Destination {
  readonly sink: BatchingSink;
  readonly on: ReadonlySet<LoggingSinkTrigger>;
}

/**
 * LiteLLM's logging callbacks (`generic_api`, `langfuse`): after each call's spend row is built, its
 * StandardLoggingPayload goes to every destination configured for a success or a failure, batched off the request
 * path. `logged` is O(1) per destination and never throws.
 */
@Injectable()
export class CallLogging implements OnApplicationShutdown {
  private readonly destinations: readonly Destination[];
  private readonly settings?: LoggingCallbackSettings;
  private readonly logger = new Logger('CallLogging');

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    const settings = config.loggingCallbacks;
    this.settings = settings;
    if (!settings) {
      this.destinations = [];
      return;
    }
    const options = { batchSize: settings.batchSize, flushIntervalMs: settings.flushIntervalMs, maxQueued: settings.maxQueued };
    this.destinations = settings.sinks.map((sink) => ({
      on: new Set(sink.on),
      sink: sinkFor(sink, settings, options),
    }));
  }

  /** False without a logging callback: the pipeline then builds no content for it. */
  get active(): boolean {
    return this.destinations.length > 0;
  }

  logged(row: SpendLogRow, content: CallContent): void {
    const settings = this.settings;
    if (!settings) return;
    const trigger: LoggingSinkTrigger = row.status === 'success' ? 'success' : 'failure';
    const targets = this.destinations.filter((destination) => destination.on.has(trigger));
    if (targets.length === 0) return;
    try {
      const payload = standardLoggingPayload(row, content, settings);
      for (const { sink } of targets) sink.enqueue(payload);
    } catch (error) {
      this.logger.error(`payload of ${row.request_id} not built: ${error instanceof Error ? error.name : typeof error}`);
    }
  }

  /** Sends what is queued (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.destinations.map(({ sink }) => sink.flush()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.destinations.map(({ sink }) => sink.close(DRAIN_ON_SHUTDOWN_MS)));
  }
}

function sinkFor(sink: LoggingSinkSettings, settings: LoggingCallbackSettings, options: BatchingOptions): BatchingSink {
  switch (sink.kind) {
    case 'generic_api':
      return new GenericApiSink(sink.endpoint, sink.headers, options);
    case 'langfuse':
      return new LangfuseSink(sink.host, sink.publicKey, sink.secretKey, settings.langfuseDefaultTags, options);
    case 's3':
      return new S3Sink(sink, options);
    case 'gcs_bucket':
      return new GcsSink(sink, options);
  }
}
