import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { LoggingSinkSettings } from '../config/config.types';
import { BatchingSink, PermanentDeliveryError, type BatchingOptions } from './batching-sink';
import type { StandardLoggingPayload } from './standard-logging-payload';

type S3Settings = Extract<LoggingSinkSettings, { kind: 's3' }>;

/**
 * LiteLLM's `s3` callback: one JSON object per call at `{s3_path}/{team or key alias}/{YYYY-MM-DD}/time-{HH-MM-SS.mmm}_{id}.json`
 * in an AWS bucket or any S3-compatible store (`s3_endpoint_url`, path-style). Objects of a batch are written a few
 * at a time; the batch is retried as a whole (a rewrite of the same key is harmless).
 */
export class S3Sink extends BatchingSink {
  private readonly client: S3Client;

  constructor(
    private readonly settings: S3Settings,
    options: BatchingOptions,
  ) {
    super('s3', options);
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.endpoint !== undefined,
      credentials: settings.credentials ? { ...settings.credentials } : undefined,
      // The body is small and whole: a plain signed PUT, no streaming checksum trailers an S3-compatible store may lack.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  }

  protected async send(batch: readonly StandardLoggingPayload[], signal: AbortSignal): Promise<void> {
    const concurrency = 8;
    for (let start = 0; start < batch.length; start += concurrency) {
      await Promise.all(batch.slice(start, start + concurrency).map((payload) => this.put(payload, signal)));
    }
  }

  override async close(timeoutMs: number): Promise<void> {
    await super.close(timeoutMs);
    this.client.destroy();
  }

  private async put(payload: StandardLoggingPayload, signal: AbortSignal): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.keyOf(payload), Body: JSON.stringify(payload), ContentType: 'application/json' }), {
        abortSignal: signal,
      });
    } catch (error) {
      const status = error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) throw new PermanentDeliveryError(status);
      throw error;
    }
  }

  private keyOf(payload: StandardLoggingPayload): string {
    const start = new Date(payload.startTime * 1000).toISOString();
    const parts: string[] = [];
    if (this.settings.path) parts.push(this.settings.path);
    const team = payload.metadata.user_api_key_team_alias ?? payload.metadata.user_api_key_team_id;
    if (this.settings.useTeamPrefix && typeof team === 'string' && team !== '') parts.push(safeSegment(team));
    const keyAlias = payload.metadata.user_api_key_alias;
    if (this.settings.useKeyPrefix && typeof keyAlias === 'string' && keyAlias !== '') parts.push(safeSegment(keyAlias));
    parts.push(start.slice(0, 10), `time-${start.slice(11, 23).replace(/:/g, '-')}_${safeSegment(payload.id)}.json`);
    return parts.join('/');
  }
}

/** A name as one path segment: no slashes or dots walking elsewhere in the bucket. */
function safeSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
}
