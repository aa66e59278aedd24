import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** llm-guard-api's answer to `/analyze/prompt` and `/analyze/output` (`schemas.py`), the sanitized text left out. */
export interface LlmGuardAnalysis {
  readonly is_valid: boolean;
  /** Risk score by scanner, -1 … 1; above 0 means the scanner failed the text. */
  readonly scanners: Readonly<Record<string, number>>;
}

/** A non-2xx answer or an answer that is not an analysis: a malfunction for the host's `on_error`, not a verdict. */
export class LlmGuardApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmGuardApiError';
  }
}

/**
 * The llm-guard-api HTTP API (https://protectai.github.io/llm-guard/api/overview/). Every call goes through the
 * hook's `ctx.fetch`, so it is aborted when the hook's time budget runs out.
 */
export class LlmGuardClient {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly apiBase: string,
    token: string | undefined,
    private readonly scannersSuppress: readonly string[],
  ) {
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  }

  /** @throws LlmGuardApiError */
  analyzePrompt(ctx: GuardrailContext, prompt: string): Promise<LlmGuardAnalysis> {
    return this.post(ctx, '/analyze/prompt', { prompt, scanners_suppress: this.scannersSuppress });
  }

  /** @throws LlmGuardApiError */
  analyzeOutput(ctx: GuardrailContext, prompt: string, output: string): Promise<LlmGuardAnalysis> {
    return this.post(ctx, '/analyze/output', { prompt, output, scanners_suppress: this.scannersSuppress });
  }

  private async post(ctx: GuardrailContext, path: string, body: Record<string, unknown>): Promise<LlmGuardAnalysis> {
    const response = await ctx.fetch(`${this.apiBase}${path}`, { method: 'POST', headers: this.headers, body: JSON.stringify(body) });
    // The body of an error may quote the prompt (422 validation details): only the status is kept.
    if (!response.ok) {
      await response.body?.cancel();
      throw new LlmGuardApiError(`LLM Guard ${path} answered ${response.status}`, response.status);
    }
    const answer = (await response.json()) as Partial<LlmGuardAnalysis> | null;
    if (typeof answer?.is_valid !== 'boolean' || typeof answer.scanners !== 'object' || answer.scanners === null) {
      throw new LlmGuardApiError(`LLM Guard ${path} answered without is_valid and scanners`);
    }
    return { is_valid: answer.is_valid, scanners: answer.scanners };
  }
}
