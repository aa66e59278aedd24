import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { LoggingSinkSettings, LoggingSinkTrigger, TollgateConfig } from '../config/config.types';
import { DEFAULT_LOG_BATCH_SIZE, DEFAULT_LOG_FLUSH_INTERVAL_SECONDS, MAX_QUEUED_LOG_PAYLOADS } from '../config/logging-callback-settings';
import type { SpendLogRow } from '../spend/spend-log-row';
import type { BatchingOptions, BatchingSink } from './batching-sink';
import { GcsSink } from './gcs.sink';
import { GenericApiSink } from './generic-api.sink';
import { LangfuseSink } from './langfuse.sink';
import { S3Sink } from './s3.sink';
import { standardLoggingPayload, type CallContent, type PayloadOptions } from './standard-logging-payload';
import { parseTeamLogging } from './team-logging';

/** How long a shutdown waits for the queued payloads. */
const DRAIN_ON_SHUTDOWN_MS = 5_000;

interface Destination {
  readonly sink: BatchingSink;
  readonly on: ReadonlySet<LoggingSinkTrigger>;
}

/** Teams whose destinations are kept open; past it the least recently changed team's are closed (and reopened on use). */
const MAX_TEAMS_WITH_SINKS = 1_000;

interface TeamDestinations {
  /** The team's `metadata.logging` as JSON: a change opens new destinations. */
  readonly fingerprint: string;
  readonly destinations: readonly Destination[];
}

/**
 * LiteLLM's logging callbacks (`generic_api`, `langfuse`, `s3`, `gcs_bucket`) and team-based logging (a team's
 * `metadata.logging`): after each call's spend row is built, its StandardLoggingPayload goes to every destination
 * configured for a success or a failure, the proxy's and the call's team's, batched off the request path. `logged`
 * is O(1) per destination and never throws.
 */
@Injectable()
export class CallLogging implements OnApplicationShutdown {
  private readonly destinations: readonly Destination[];
  private readonly payloadOptions: PayloadOptions;
  private readonly batching: BatchingOptions;
  private readonly langfuseDefaultTags: readonly string[];
  private readonly teams = new Map<string, TeamDestinations>();
  private readonly logger = new Logger('CallLogging');

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    const settings = config.loggingCallbacks;
    const litellm = config.litellm_settings;
    this.payloadOptions = {
      redactMessages: settings?.redactMessages ?? litellm.turn_off_message_logging === true,
      redactKeyInfo: settings?.redactKeyInfo ?? litellm.redact_user_api_key_info === true,
    };
    this.batching = {
      batchSize: settings?.batchSize ?? DEFAULT_LOG_BATCH_SIZE,
      flushIntervalMs: settings?.flushIntervalMs ?? DEFAULT_LOG_FLUSH_INTERVAL_SECONDS * 1000,
      maxQueued: settings?.maxQueued ?? MAX_QUEUED_LOG_PAYLOADS,
    };
    this.langfuseDefaultTags = settings?.langfuseDefaultTags ?? [];
    this.destinations = (settings?.sinks ?? []).map((sink) => this.destinationOf(sink));
  }

  /** Whether a call of this team is logged anywhere: the pipeline builds no content for logging otherwise. */
  wants(teamMetadata: Readonly<Record<string, unknown>> | null | undefined): boolean {
    return this.destinations.length > 0 || hasTeamLogging(teamMetadata);
  }

  logged(row: SpendLogRow, content: CallContent, teamMetadata?: Readonly<Record<string, unknown>> | null): void {
    try {
      const trigger: LoggingSinkTrigger = row.status === 'success' ? 'success' : 'failure';
      const all = row.team_id && hasTeamLogging(teamMetadata) ? [...this.destinations, ...this.teamDestinations(row.team_id, teamMetadata!.logging)] : this.destinations;
      const targets = all.filter((destination) => destination.on.has(trigger));
      if (targets.length === 0) return;
      const payload = standardLoggingPayload(row, content, this.payloadOptions);
      for (const { sink } of targets) sink.enqueue(payload);
    } catch (error) {
      this.logger.error(`payload of ${row.request_id} not built: ${error instanceof Error ? error.name : typeof error}`);
    }
  }

  /** A team's destinations, opened on its first call and again when its `metadata.logging` changed. */
  private teamDestinations(teamId: string, logging: unknown): readonly Destination[] {
    const fingerprint = JSON.stringify(logging);
    const known = this.teams.get(teamId);
    if (known?.fingerprint === fingerprint) return known.destinations;
    if (known) this.close(known.destinations);
    let destinations: readonly Destination[] = [];
    try {
      destinations = parseTeamLogging(logging).map((sink) => this.destinationOf(sink));
    } catch (error) {
      // Validated when the team was written; a row edited by hand is skipped, not fatal.
      this.logger.warn(`team logging of one team skipped: ${error instanceof Error ? error.message : typeof error}`);
    }
    this.teams.delete(teamId);
    this.teams.set(teamId, { fingerprint, destinations });
    if (this.teams.size > MAX_TEAMS_WITH_SINKS) {
      const [oldest, entry] = this.teams.entries().next().value as [string, TeamDestinations];
      this.teams.delete(oldest);
      this.close(entry.destinations);
    }
    return destinations;
  }

  private destinationOf(sink: LoggingSinkSettings): Destination {
    return { on: new Set(sink.on), sink: sinkFor(sink, this.langfuseDefaultTags, this.batching) };
  }

  private close(destinations: readonly Destination[]): void {
    for (const { sink } of destinations) void sink.close(DRAIN_ON_SHUTDOWN_MS);
  }

  /** Sends what is queued (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.everyDestination().map(({ sink }) => sink.flush()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.everyDestination().map(({ sink }) => sink.close(DRAIN_ON_SHUTDOWN_MS)));
  }

  private everyDestination(): Destination[] {
    return [...this.destinations, ...[...this.teams.values()].flatMap((team) => team.destinations)];
  }
}

function hasTeamLogging(metadata: Readonly<Record<string, unknown>> | null | undefined): boolean {
  return Array.isArray(metadata?.logging) && metadata.logging.length > 0;
}

function sinkFor(sink: LoggingSinkSettings, langfuseDefaultTags: readonly string[], options: BatchingOptions): BatchingSink {
  switch (sink.kind) {
    case 'generic_api':
      return new GenericApiSink(sink.endpoint, sink.headers, options);
    case 'langfuse':
      return new LangfuseSink(sink.host, sink.publicKey, sink.secretKey, langfuseDefaultTags, options);
    case 's3':
      return new S3Sink(sink, options);
    case 'gcs_bucket':
      return new GcsSink(sink, options);
  }
}
