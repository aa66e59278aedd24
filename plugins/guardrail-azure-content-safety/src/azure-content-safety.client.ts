import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** The harm categories of text analysis. */
export const HARM_CATEGORIES = ['Hate', 'SelfHarm', 'Sexual', 'Violence'] as const;
export type HarmCategory = (typeof HARM_CATEGORIES)[number];

/** Azure AI Content Safety takes at most this many characters per text (and per prompt, and per documents). */
export const MAX_TEXT_CHARS = 10_000;

/** What `text:analyze` is asked besides the text (LiteLLM's names, which are Azure's). */
export interface AnalyzeOptions {
  readonly categories: readonly HarmCategory[];
  readonly blocklistNames?: readonly string[];
  readonly haltOnBlocklistHit?: boolean;
  readonly outputType: 'FourSeverityLevels' | 'EightSeverityLevels';
}

export interface TextAnalysis {
  readonly categoriesAnalysis: readonly { readonly category: string; readonly severity: number }[];
  readonly blocklistsMatch: readonly { readonly blocklistName: string }[];
}

export interface ShieldAnalysis {
  readonly userPromptAnalysis?: { readonly attackDetected: boolean };
  readonly documentsAnalysis: readonly { readonly attackDetected: boolean }[];
}

/** The service failed or answered something that is not its answer. Never carries the text sent. */
export class AzureContentSafetyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureContentSafetyError';
  }
}

/**
 * Splits a text into pieces of at most `max` characters at whitespace (a word longer than `max` is cut), keeping every
 * character, so an over-long text is analyzed whole, in several calls.
 */
export function splitText(text: string, max: number = MAX_TEXT_CHARS): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const cut = space > max / 2 ? space + 1 : max;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/**
 * Azure AI Content Safety's text APIs: `text:analyze` (harm categories with a severity, custom blocklists) and
 * `text:shieldPrompt` (Prompt Shields: jailbreaks in the user prompt, indirect attacks in documents), authenticated
 * with `Ocp-Apim-Subscription-Key`, sent through `ctx.fetch`.
 * @see https://learn.microsoft.com/rest/api/contentsafety/text-operations
 */
export class AzureContentSafetyClient {
  private readonly base: string;

  constructor(
    endpoint: string,
    private readonly apiKey: string,
    private readonly apiVersion: string,
  ) {
    this.base = `${endpoint.replace(/\/+$/, '')}/contentsafety`;
  }

  /** @throws AzureContentSafetyError on a non-200 answer (with Azure's error code) or a malformed answer. */
  async analyze(ctx: GuardrailContext, text: string, options: AnalyzeOptions): Promise<TextAnalysis> {
    const body: Record<string, unknown> = { text, categories: options.categories, outputType: options.outputType };
    if (options.blocklistNames?.length) {
      body.blocklistNames = options.blocklistNames;
      body.haltOnBlocklistHit = options.haltOnBlocklistHit === true;
    }
    const answer = (await this.post(ctx, 'text:analyze', body)) as Partial<TextAnalysis>;
    if (!Array.isArray(answer.categoriesAnalysis) || !answer.categoriesAnalysis.every((item) => typeof item?.category === 'string' && typeof item.severity === 'number')) {
      throw new AzureContentSafetyError('Azure Content Safety answered text:analyze without categoriesAnalysis');
    }
    return { categoriesAnalysis: answer.categoriesAnalysis, blocklistsMatch: Array.isArray(answer.blocklistsMatch) ? answer.blocklistsMatch : [] };
  }

  async shieldPrompt(ctx: GuardrailContext, userPrompt: string, documents: readonly string[]): Promise<ShieldAnalysis> {
    const answer = (await this.post(ctx, 'text:shieldPrompt', { userPrompt, documents })) as Partial<ShieldAnalysis>;
    if (typeof answer.userPromptAnalysis?.attackDetected !== 'boolean' && !Array.isArray(answer.documentsAnalysis)) {
      throw new AzureContentSafetyError('Azure Content Safety answered text:shieldPrompt without an analysis');
    }
    return { userPromptAnalysis: answer.userPromptAnalysis, documentsAnalysis: Array.isArray(answer.documentsAnalysis) ? answer.documentsAnalysis : [] };
  }

  private async post(ctx: GuardrailContext, operation: string, body: unknown): Promise<unknown> {
    const response = await ctx.fetch(`${this.base}/${operation}?api-version=${encodeURIComponent(this.apiVersion)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': this.apiKey },
      body: JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => undefined)) as { error?: { code?: unknown } } | undefined;
    if (response.status !== 200) {
      // Azure's error code names the problem (401, InvalidRequestBody, TooManyRequests); its message is not repeated.
      const code = typeof answer?.error?.code === 'string' ? ` (${answer.error.code})` : '';
      throw new AzureContentSafetyError(`Azure Content Safety ${operation} answered HTTP ${response.status}${code}`);
    }
    if (typeof answer !== 'object' || answer === null) throw new AzureContentSafetyError(`Azure Content Safety ${operation} answered something that is not JSON`);
    return answer;
  }
}
