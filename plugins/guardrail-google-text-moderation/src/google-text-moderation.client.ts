import type { GuardrailContext } from '@tollgate/guardrail-sdk';
import type { GoogleCredentials } from './google-auth';

/** One of `moderationCategories` in a `documents:moderateText` answer. */
export interface ModerationScore {
  readonly name: string;
  readonly confidence: number;
}

/** A non-2xx answer or one without `moderationCategories`: a malfunction for the host's `on_error`. */
export class GoogleModerationApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GoogleModerationApiError';
  }
}

/**
 * Cloud Natural Language `POST {api_base}/v2/documents:moderateText`
 * (https://cloud.google.com/natural-language/docs/moderating-text).
 */
export class GoogleModerationClient {
  constructor(
    private readonly apiBase: string,
    private readonly credentials: GoogleCredentials,
    private readonly languageCode: string | undefined,
  ) {}

  /** @throws GoogleModerationApiError, GoogleAuthError */
  async moderate(ctx: GuardrailContext, content: string): Promise<ModerationScore[]> {
    const body = JSON.stringify({ document: { type: 'PLAIN_TEXT', content, ...(this.languageCode ? { languageCode: this.languageCode } : {}) } });
    let response = await this.post(ctx, body);
    if (response.status === 401) {
      // A cached token Google stopped accepting: fetch a new one, once.
      await response.body?.cancel();
      this.credentials.invalidate();
      response = await this.post(ctx, body);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new GoogleModerationApiError(`Google documents:moderateText answered ${response.status}`, response.status);
    }
    const answer = (await response.json()) as { moderationCategories?: unknown } | null;
    if (!Array.isArray(answer?.moderationCategories)) throw new GoogleModerationApiError('Google documents:moderateText answered without moderationCategories');
    return (answer.moderationCategories as unknown[]).filter(
      (item): item is ModerationScore =>
        typeof item === 'object' && item !== null && typeof (item as ModerationScore).name === 'string' && typeof (item as ModerationScore).confidence === 'number',
    );
  }

  private async post(ctx: GuardrailContext, body: string): Promise<Response> {
    const headers = { 'content-type': 'application/json', accept: 'application/json', ...(await this.credentials.headers(ctx)) };
    return ctx.fetch(`${this.apiBase}/v2/documents:moderateText`, { method: 'POST', headers, body });
  }
}
