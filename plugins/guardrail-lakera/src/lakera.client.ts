import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** A message as `/v2/guard` takes it: OpenAI's roles, text content. */
export interface LakeraMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
}

/** One detector's result in a `breakdown`. */
export interface LakeraDetectorResult {
  readonly detector_type: string;
  readonly detected: boolean;
}

/** What `/v2/guard` answers (the parts this guardrail reads). */
export interface LakeraGuardResult {
  readonly flagged: boolean;
  readonly breakdown: readonly LakeraDetectorResult[];
}

/** A non-2xx answer, or one without `flagged`: a malfunction for the host's `on_error`. */
export class LakeraApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LakeraApiError';
  }
}

/** Lakera Guard's screening endpoint, `POST {api_base}/v2/guard` (https://docs.lakera.ai/docs/api/guard). */
export class LakeraClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly apiBase: string,
    apiKey: string,
    private readonly projectId: string | undefined,
  ) {
    this.headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
  }

  /** @throws LakeraApiError */
  async guard(ctx: GuardrailContext, messages: readonly LakeraMessage[]): Promise<LakeraGuardResult> {
    const body = { messages, breakdown: true, ...(this.projectId ? { project_id: this.projectId } : {}) };
    const response = await ctx.fetch(`${this.apiBase}/v2/guard`, { method: 'POST', headers: this.headers, body: JSON.stringify(body) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new LakeraApiError(`Lakera /v2/guard answered ${response.status}`, response.status);
    }
    const answer = (await response.json()) as { flagged?: unknown; breakdown?: unknown } | null;
    if (typeof answer?.flagged !== 'boolean') throw new LakeraApiError('Lakera /v2/guard answered without flagged');
    const breakdown = Array.isArray(answer.breakdown)
      ? (answer.breakdown as unknown[]).filter(
          (item): item is LakeraDetectorResult =>
            typeof item === 'object' &&
            item !== null &&
            typeof (item as LakeraDetectorResult).detector_type === 'string' &&
            typeof (item as LakeraDetectorResult).detected === 'boolean',
        )
      : [];
    return { flagged: answer.flagged, breakdown };
  }
}
