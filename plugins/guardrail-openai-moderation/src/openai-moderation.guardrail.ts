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

/** The instance config. */
export interface OpenAiModerationConfig {
  /** A `model_name` of the gateway's model_list that serves OpenAI's moderations API (default `omni-moderation-latest`). */
  model?: string;
  /** LiteLLM's name of the same setting for `litellm_settings.callbacks: ["openai_moderations"]`. */
  openai_moderations_model_name?: string;
  /** Per-category score at or above which a category blocks, whatever OpenAI's own flag says (e.g. `{violence: 0.8}`). */
  category_thresholds?: Record<string, number>;
}

/** One result of OpenAI's moderations API, as far as the verdict reads it. */
interface ModerationResult {
  readonly categories?: Readonly<Record<string, unknown>>;
  readonly category_scores?: Readonly<Record<string, unknown>>;
}

const STREAM_CHECK_EVERY = 384;
const STREAM_OVERLAP = 96;
const STREAM_WINDOW = 512;

/**
 * The categories that block, across results: a category with a threshold blocks when its score reaches it; any other
 * category blocks when OpenAI flagged it.
 */
export function violations(results: readonly ModerationResult[], thresholds: Readonly<Record<string, number>>): string[] {
  const found = new Set<string>();
  for (const result of results) {
    const flags = result.categories ?? {};
    const scores = result.category_scores ?? {};
    for (const category of new Set([...Object.keys(flags), ...Object.keys(scores)])) {
      const threshold = thresholds[category];
      const score = scores[category];
      if (threshold !== undefined ? typeof score === 'number' && score >= threshold : flags[category] === true) found.add(category);
    }
  }
  return [...found];
}

/** The latest turn's user and tool texts, one moderation input each: earlier turns were judged when they were sent. */
function requestTexts(messages: readonly ChatMessage[]): string[] {
  let start = messages.length;
  while (start > 0 && messages[start - 1].role !== 'assistant') start--;
  return messages
    .slice(start)
    .filter((message) => message.role === 'user' || message.role === 'tool' || message.role === 'function')
    .map((message) => contentText(message.content))
    .filter((text) => text.trim() !== '');
}

export default defineGuardrail<OpenAiModerationConfig>({
  manifest: {
    id: 'openai-moderation',
    version: '1.0.0',
    sdk: '^1.3.0',
    description:
      "OpenAI moderation through a moderation deployment of the gateway's own model_list: blocks flagged categories, or categories whose score reaches a configured threshold.",
    phases: ['pre_call', 'during_call', 'post_call', 'streaming'],
    defaultPhases: ['pre_call'],
    priority: 40,
    timeoutMs: 5000,
    streamWindowChars: STREAM_WINDOW,
    configSchema: {
      type: 'object',
      properties: {
        model: { type: 'string', minLength: 1, description: 'A model_name of the model_list serving the moderations API (default omni-moderation-latest).' },
        openai_moderations_model_name: { type: 'string', minLength: 1, description: "LiteLLM's name of the model setting in litellm_settings." },
        category_thresholds: {
          type: 'object',
          additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
          description: 'Per-category score that blocks, e.g. {violence: 0.8}.',
        },
      },
    },
  },
  create(config): Guardrail {
    const model = config.model ?? config.openai_moderations_model_name ?? 'omni-moderation-latest';
    const thresholds = config.category_thresholds ?? {};

    /** Moderates the texts through the host's router; a refusal names the categories, never the text. */
    const moderate = async (ctx: GuardrailContext, texts: readonly string[]): Promise<BlockVerdict | undefined> => {
      if (texts.length === 0) return undefined;
      if (!ctx.models) throw new Error('this Tollgate offers guardrails no models (GuardrailContext.models, SDK 1.2)');
      const answer = await ctx.models.moderate({ model, input: texts });
      const results = answer.results;
      if (!Array.isArray(results) || results.length !== texts.length) throw new Error(`moderation model ${model} answered without one result per input`);
      const found = violations(results as ModerationResult[], thresholds);
      return found.length === 0 ? undefined : block(`Violated OpenAI moderation policy: flagged for ${found.join(', ')}`, { category: 'moderation' });
    };

    return {
      preCall: async (input, ctx) => (await moderate(ctx, requestTexts(input.messages))) ?? allow(),
      duringCall: async (input, ctx) => (await moderate(ctx, requestTexts(input.messages))) ?? allow(),
      postCall: async (_input, output, ctx) =>
        (await moderate(
          ctx,
          output.texts.filter((text) => text.trim() !== ''),
        )) ?? allow(),
      async onStreamWindow(window, _input, ctx) {
        const due = streamTextToCheck(window, ctx, { everyChars: STREAM_CHECK_EVERY, overlapChars: STREAM_OVERLAP });
        if (!due) return allow();
        const refused = await moderate(ctx, due.text.trim() === '' ? [] : [due.text]);
        if (refused) return refused;
        streamTextChecked(window, ctx, due);
        return allow();
      },
    };
  },
});
