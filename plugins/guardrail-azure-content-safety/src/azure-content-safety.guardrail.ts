import {
  allow,
  block,
  contentText,
  defineGuardrail,
  streamTextChecked,
  streamTextToCheck,
  type BlockVerdict,
  type ChatMessage,
  type Guardrail,
  type GuardrailContext,
} from '@tollgate/guardrail-sdk';
import { AzureContentSafetyClient, HARM_CATEGORIES, MAX_TEXT_CHARS, splitText, type AnalyzeOptions, type HarmCategory, type TextAnalysis } from './azure-content-safety.client';

/** The two analyses an instance can run. */
export type AzureCheck = 'text_moderation' | 'prompt_shield';

/** The instance config: LiteLLM's names for `azure/text_moderations` and `azure/prompt_shield`, plus `checks`. */
export interface AzureContentSafetyConfig {
  /** The resource endpoint, `https://<resource>.cognitiveservices.azure.com`. */
  api_base: string;
  api_key: string;
  api_version?: string;
  /** Which analyses run (default both); Prompt Shields judges requests only. */
  checks?: AzureCheck[];
  categories?: HarmCategory[];
  /** A severity at or above this in any category blocks. */
  severity_threshold?: number;
  /** A severity at or above the category's own threshold blocks. */
  severity_threshold_by_category?: Partial<Record<HarmCategory, number>>;
  blocklistNames?: string[];
  haltOnBlocklistHit?: boolean;
  outputType?: 'FourSeverityLevels' | 'EightSeverityLevels';
}

/** LiteLLM's default when no threshold is configured. */
const DEFAULT_SEVERITY_THRESHOLD = 2;
const STREAM_CHECK_EVERY = 384;
const STREAM_OVERLAP = 96;
const STREAM_WINDOW = 512;

/** The messages of the latest turn: those after the last assistant message (all of them when there is none). */
function latestTurn(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  let start = messages.length;
  while (start > 0 && messages[start - 1].role !== 'assistant') start--;
  return messages.slice(start);
}

/** What the latest turn asks (user messages) and what it brought in (tool results: where indirect attacks hide). */
function requestTexts(messages: readonly ChatMessage[]): { prompt: string; documents: string[] } {
  const turn = latestTurn(messages);
  const prompt = turn
    .filter((message) => message.role === 'user')
    .map((message) => contentText(message.content))
    .filter((text) => text.trim() !== '')
    .join('\n');
  const documents = turn
    .filter((message) => message.role === 'tool' || message.role === 'function')
    .map((message) => contentText(message.content))
    .filter((text) => text.trim() !== '');
  return { prompt, documents };
}

/** Documents in batches whose total length Azure accepts, an over-long one split at whitespace. */
function documentBatches(documents: readonly string[]): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let size = 0;
  for (const piece of documents.flatMap((document) => splitText(document))) {
    if (size + piece.length > MAX_TEXT_CHARS && batch.length > 0) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(piece);
    size += piece.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

export default defineGuardrail<AzureContentSafetyConfig>({
  manifest: {
    id: 'azure-content-safety',
    version: '1.0.0',
    sdk: '^1.3.0',
    description:
      'Azure AI Content Safety: blocks text whose harm severity reaches the configured thresholds or hits a blocklist, and prompts that Prompt Shields finds to be jailbreaks or indirect attacks.',
    phases: ['pre_call', 'during_call', 'post_call', 'streaming'],
    defaultPhases: ['pre_call', 'post_call', 'streaming'],
    priority: 40,
    timeoutMs: 3000,
    streamWindowChars: STREAM_WINDOW,
    configSchema: {
      type: 'object',
      properties: {
        api_base: { type: 'string', pattern: '^https?://', description: 'The resource endpoint, https://<resource>.cognitiveservices.azure.com.' },
        api_key: { type: 'string', minLength: 1, description: 'The resource key (Ocp-Apim-Subscription-Key).' },
        api_version: { type: 'string', default: '2024-09-01', description: 'Content Safety API version.' },
        checks: { type: 'array', items: { enum: ['text_moderation', 'prompt_shield'] }, minItems: 1, uniqueItems: true, description: 'Analyses to run (default both).' },
        categories: { type: 'array', items: { enum: [...HARM_CATEGORIES] }, minItems: 1, uniqueItems: true, description: 'Harm categories to analyze (default all four).' },
        severity_threshold: { type: 'integer', minimum: 0, maximum: 7, description: 'A severity at or above this in any category blocks (default 2 when no threshold is set).' },
        severity_threshold_by_category: {
          type: 'object',
          properties: Object.fromEntries(HARM_CATEGORIES.map((category) => [category, { type: 'integer', minimum: 0, maximum: 7 }])),
          additionalProperties: false,
          description: 'Per-category thresholds.',
        },
        blocklistNames: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Custom blocklists of the resource; a match blocks.' },
        haltOnBlocklistHit: { type: 'boolean', description: 'Skip the harm analysis once a blocklist matches.' },
        outputType: { enum: ['FourSeverityLevels', 'EightSeverityLevels'], default: 'FourSeverityLevels', description: 'Severity scale (0/2/4/6, or 0–7).' },
      },
      required: ['api_base', 'api_key'],
    },
    secretFields: ['api_key'],
  },
  create(config): Guardrail {
    const client = new AzureContentSafetyClient(config.api_base, config.api_key, config.api_version ?? '2024-09-01');
    const checks = new Set<AzureCheck>(config.checks ?? ['text_moderation', 'prompt_shield']);
    const options: AnalyzeOptions = {
      categories: config.categories ?? [...HARM_CATEGORIES],
      blocklistNames: config.blocklistNames,
      haltOnBlocklistHit: config.haltOnBlocklistHit,
      outputType: config.outputType ?? 'FourSeverityLevels',
    };
    const byCategory = config.severity_threshold_by_category;
    const overall = config.severity_threshold ?? (byCategory === undefined ? DEFAULT_SEVERITY_THRESHOLD : undefined);

    /** LiteLLM's refusal: the category, the threshold and the severity, never the text. */
    const judge = (analysis: TextAnalysis): BlockVerdict | undefined => {
      const listed = analysis.blocklistsMatch[0];
      if (listed) return block(`Azure Content Safety Guardrail: the text matched blocklist ${listed.blocklistName}`, { category: 'blocklist' });
      for (const { category, severity } of analysis.categoriesAnalysis) {
        const threshold = byCategory?.[category as HarmCategory] ?? overall;
        if (threshold !== undefined && severity >= threshold) {
          return block(`Azure Content Safety Guardrail: ${category} crossed severity ${threshold}, Got severity: ${severity}`, { category: category.toLowerCase() });
        }
      }
      return undefined;
    };

    const moderate = async (ctx: GuardrailContext, text: string): Promise<BlockVerdict | undefined> => {
      for (const piece of splitText(text)) {
        const refused = judge(await client.analyze(ctx, piece, options));
        if (refused) return refused;
      }
      return undefined;
    };

    const shield = async (ctx: GuardrailContext, prompt: string, documents: readonly string[]): Promise<BlockVerdict | undefined> => {
      const prompts = prompt === '' ? [] : splitText(prompt);
      const batches = documentBatches(documents);
      // Usually one call with both; an over-long prompt or set of documents takes several.
      const calls =
        prompts.length <= 1 && batches.length <= 1
          ? [{ prompt: prompts[0] ?? '', documents: batches[0] ?? [] }]
          : [...prompts.map((piece) => ({ prompt: piece, documents: [] })), ...batches.map((batch) => ({ prompt: '', documents: batch }))];
      for (const call of calls) {
        if (call.prompt === '' && call.documents.length === 0) continue;
        const analysis = await client.shieldPrompt(ctx, call.prompt, call.documents);
        if (analysis.userPromptAnalysis?.attackDetected)
          return block('Violated Azure Prompt Shield guardrail policy: attack detected in the user prompt', { category: 'jailbreak' });
        if (analysis.documentsAnalysis.some((document) => document.attackDetected))
          return block('Violated Azure Prompt Shield guardrail policy: attack detected in a document', { category: 'indirect_attack' });
      }
      return undefined;
    };

    const checkRequest = async (messages: readonly ChatMessage[], ctx: GuardrailContext) => {
      const { prompt, documents } = requestTexts(messages);
      const both = [prompt, ...documents].join('\n').trim();
      const [moderated, shielded] = await Promise.all([
        checks.has('text_moderation') && both !== '' ? moderate(ctx, both) : undefined,
        checks.has('prompt_shield') && both !== '' ? shield(ctx, prompt, documents) : undefined,
      ]);
      return shielded ?? moderated ?? allow();
    };

    return {
      preCall: (input, ctx) => checkRequest(input.messages, ctx),
      duringCall: (input, ctx) => checkRequest(input.messages, ctx),
      async postCall(_input, output, ctx) {
        if (!checks.has('text_moderation')) return allow();
        for (const text of output.texts) {
          const refused = text.trim() === '' ? undefined : await moderate(ctx, text);
          if (refused) return refused;
        }
        return allow();
      },
      async onStreamWindow(window, _input, ctx) {
        if (!checks.has('text_moderation')) return allow();
        const due = streamTextToCheck(window, ctx, { everyChars: STREAM_CHECK_EVERY, overlapChars: STREAM_OVERLAP });
        if (!due) return allow();
        const refused = due.text.trim() === '' ? undefined : await moderate(ctx, due.text);
        if (refused) return refused;
        streamTextChecked(window, ctx, due);
        return allow();
      },
    };
  },
});
