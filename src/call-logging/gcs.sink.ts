import { GoogleAuth, JWT } from 'google-auth-library';
import type { LoggingSinkSettings } from '../config/config.types';
import { BatchingSink, type BatchingOptions } from './batching-sink';
import type { StandardLoggingPayload } from './standard-logging-payload';

type GcsSettings = Extract<LoggingSinkSettings, { kind: 'gcs_bucket' }>;

/** Writing objects needs no more than this scope. */
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';

/**
 * LiteLLM's `gcs_bucket` callback: one JSON object per call at `{GCS_PATH}/{YYYY-MM-DD}/{call id}` through Cloud
 * Storage's JSON API (simple media upload), authenticated by google-auth-library with the service account key
 * (`GCS_PATH_SERVICE_ACCOUNT`, a self-signed scoped JWT) or Application Default Credentials.
 */
export class GcsSink extends BatchingSink {
  private readonly auth: GoogleAuth;

  constructor(
    private readonly settings: GcsSettings,
    options: BatchingOptions,
  ) {
    super('gcs_bucket', options);
    // A service account signs its own scoped JWT (no token endpoint round trip, valid for every Google API);
    // other credentials (workload identity, the metadata server) fetch access tokens as usual.
    this.auth = new GoogleAuth({ keyFile: settings.keyFile, scopes: [SCOPE] });
  }

  protected async send(batch: readonly StandardLoggingPayload[], signal: AbortSignal): Promise<void> {
    const client = await this.auth.getClient();
    if (client instanceof JWT) client.useJWTAccessWithScope = true;
    const headers = await client.getRequestHeaders();
    const authorization = headers.get('authorization') ?? '';
    const concurrency = 8;
    for (let start = 0; start < batch.length; start += concurrency) {
      await Promise.all(batch.slice(start, start + concurrency).map((payload) => this.upload(payload, authorization, signal)));
    }
  }

  private async upload(payload: StandardLoggingPayload, authorization: string, signal: AbortSignal): Promise<void> {
    const day = new Date(payload.startTime * 1000).toISOString().slice(0, 10);
    const name = [this.settings.path, day, payload.id].filter((part) => part !== '').join('/');
    const url = `${this.settings.apiBase}/upload/storage/v1/b/${encodeURIComponent(this.settings.bucket)}/o?uploadType=media&name=${encodeURIComponent(name)}`;
    await this.post(url, { authorization }, JSON.stringify(payload), signal);
  }
}
