import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** One detection of Presidio's analyzer: the entity type and where it is in the analyzed text. */
export interface PiiSpan {
  readonly entity_type: string;
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/** What one `/analyze` call asks for. */
export interface AnalyzeRequest {
  readonly text: string;
  readonly language: string;
  /** Only these entity types (the keys of `pii_entities_config`), when given. */
  readonly entities?: readonly string[];
  readonly adHocRecognizers?: readonly unknown[];
}

/** A Presidio service that failed or answered something that is not Presidio's answer. Never carries the text. */
export class PresidioServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PresidioServiceError';
  }
}

function isSpan(value: unknown, length: number): value is PiiSpan {
  if (typeof value !== 'object' || value === null) return false;
  const { entity_type: type, start, end, score } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof start === 'number' && typeof end === 'number' && typeof score === 'number' && start >= 0 && start < end && end <= length;
}

/** A service base as LiteLLM accepts it: a trailing slash added, `http://` assumed when no scheme is given. */
export function serviceBase(base: string): string {
  const withScheme = /^https?:\/\//.test(base) ? base : `http://${base}`;
  return withScheme.endsWith('/') ? withScheme : `${withScheme}/`;
}

/**
 * Presidio's two HTTP services: the analyzer (`POST /analyze`: where is PII) and the anonymizer (`POST /anonymize`:
 * replace it). Every call goes through `ctx.fetch`, so the hook's time budget and the call's end abort it.
 * @see https://microsoft.github.io/presidio/api-docs/api-docs.html
 */
export class PresidioClient {
  private readonly analyzeUrl: string;
  private readonly anonymizeUrl: string;

  constructor(analyzerBase: string, anonymizerBase: string) {
    this.analyzeUrl = `${serviceBase(analyzerBase)}analyze`;
    this.anonymizeUrl = `${serviceBase(anonymizerBase)}anonymize`;
  }

  /** @throws PresidioServiceError on a non-200 answer or one that is not a list of detections inside the text. */
  async analyze(ctx: GuardrailContext, request: AnalyzeRequest): Promise<PiiSpan[]> {
    const body: Record<string, unknown> = { text: request.text, language: request.language };
    if (request.entities) body.entities = request.entities;
    if (request.adHocRecognizers) body.ad_hoc_recognizers = request.adHocRecognizers;
    const answer = await this.post(ctx, this.analyzeUrl, body, 'analyzer');
    if (!Array.isArray(answer) || !answer.every((item) => isSpan(item, request.text.length)))
      throw new PresidioServiceError('Presidio analyzer answered something other than a list of detections');
    return answer.map(({ entity_type, start, end, score }: PiiSpan) => ({ entity_type, start, end, score }));
  }

  /** The text with each span replaced by Presidio's default operator (`<ENTITY_TYPE>`). */
  async anonymize(ctx: GuardrailContext, text: string, spans: readonly PiiSpan[]): Promise<string> {
    const answer = await this.post(ctx, this.anonymizeUrl, { text, analyzer_results: spans }, 'anonymizer');
    const masked = typeof answer === 'object' && answer !== null ? (answer as { text?: unknown }).text : undefined;
    if (typeof masked !== 'string') throw new PresidioServiceError('Presidio anonymizer answered without a text');
    return masked;
  }

  private async post(ctx: GuardrailContext, url: string, body: unknown, service: string): Promise<unknown> {
    const response = await ctx.fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
    // The status only: Presidio's error bodies may quote the request.
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new PresidioServiceError(`Presidio ${service} answered HTTP ${response.status}`);
    }
    try {
      return await response.json();
    } catch {
      throw new PresidioServiceError(`Presidio ${service} answered something that is not JSON`);
    }
  }
}
