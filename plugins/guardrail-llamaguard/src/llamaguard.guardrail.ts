import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allow, block, contentText, defineGuardrail, type ChatMessage, type Guardrail, type GuardrailContext, type AllowVerdict, type BlockVerdict } from '@tollgate/guardrail-sdk';
import { categoryNames, llamaGuardPrompt, parseAssessment, type AssessedRole, type Turn } from './llamaguard-prompt';

/** The instance config: LiteLLM's `llamaguard_*` settings. */
export interface LlamaGuardConfig {
  /** The judge: a `model_name` of this Tollgate's `model_list` (any provider serving a Llama Guard model). */
  llamaguard_model_name: string;
  /** A file with the unsafe content categories (relative to config.yaml); default: Llama Guard 3's S1–S14. */
  llamaguard_unsafe_content_categories?: string;
  /**
   * `template` (default): send the Llama Guard prompt built here (the categories file applies; what a raw-text
   * endpoint such as SageMaker needs). `conversation`: send the turns as chat messages, for an endpoint whose chat
   * template builds the prompt itself with the model's default categories.
   */
  llamaguard_prompt_format?: 'template' | 'conversation';
}

/** LiteLLM's refusal text for its content-moderation callbacks. */
export const CONTENT_SAFETY_REFUSAL = 'Violated content safety policy';

/** Llama Guard 3's categories, shipped with the package. */
export const DEFAULT_CATEGORIES_FILE = join(__dirname, '..', 'categories', 'llama-guard-3.txt');

/** Enough for `unsafe` and a list of codes. */
const MAX_ANSWER_TOKENS = 20;

/** The last user message (a request), or the last user message and the reply (a reply): LiteLLM judges the last message only. */
function turnsOf(messages: readonly ChatMessage[], reply?: string): Turn[] {
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const text = lastUser ? contentText(lastUser.content) : '';
  const turns: Turn[] = text === '' ? [] : [{ role: 'User', text }];
  if (reply !== undefined) turns.push({ role: 'Agent', text: reply });
  return turns;
}

export default defineGuardrail<LlamaGuardConfig>({
  manifest: {
    id: 'llamaguard',
    version: '1.0.0',
    sdk: '^1.2.0',
    description: 'Llama Guard content moderation: a Llama Guard model configured on this Tollgate judges prompts and replies against unsafe content categories.',
    phases: ['pre_call', 'during_call', 'post_call'],
    // LiteLLM runs it as a moderation hook, beside the provider call.
    defaultPhases: ['during_call'],
    timeoutMs: 10_000,
    activationModes: ['all', 'key-specific', 'request-specific'],
    configSchema: {
      type: 'object',
      properties: {
        llamaguard_model_name: { type: 'string', minLength: 1, description: "The judge's model_name in model_list." },
        llamaguard_unsafe_content_categories: { type: 'string', minLength: 1, description: 'Path of the unsafe content categories file.' },
        llamaguard_prompt_format: { enum: ['template', 'conversation'], default: 'template', description: 'template: the prompt is built here; conversation: by the endpoint.' },
      },
      required: ['llamaguard_model_name'],
    },
  },
  async create(config, init): Promise<Guardrail> {
    const path = config.llamaguard_unsafe_content_categories ? init.resolvePath(config.llamaguard_unsafe_content_categories) : DEFAULT_CATEGORIES_FILE;
    let categories: string;
    try {
      categories = (await readFile(path, 'utf8')).trim();
    } catch {
      throw new Error('llamaguard: cannot read the llamaguard_unsafe_content_categories file');
    }
    if (categories === '') throw new Error('llamaguard: the llamaguard_unsafe_content_categories file is empty');
    const names = categoryNames(categories);
    const model = config.llamaguard_model_name;
    const asTemplate = config.llamaguard_prompt_format !== 'conversation';

    const assess = async (turns: Turn[], role: AssessedRole, ctx: GuardrailContext): Promise<AllowVerdict | BlockVerdict> => {
      if (turns.length === 0 || turns.at(-1)!.text === '') return allow();
      if (!ctx.models) throw new Error('llamaguard: this Tollgate offers guardrails no models (guardrail SDK 1.2 is needed)');
      const messages: ChatMessage[] = asTemplate
        ? [{ role: 'user', content: llamaGuardPrompt(categories, turns, role) }]
        : turns.map((turn) => ({ role: turn.role === 'User' ? 'user' : 'assistant', content: turn.text }));
      const { text } = await ctx.models.chat({ model, messages, maxTokens: MAX_ANSWER_TOKENS, temperature: 0 });
      const assessment = parseAssessment(text);
      if (assessment.safe) return allow();
      const violated = assessment.codes.map((code) => (names.has(code) ? `${code} (${names.get(code)})` : code));
      return block(violated.length > 0 ? `${CONTENT_SAFETY_REFUSAL}. Categories=${violated.join(',')}` : CONTENT_SAFETY_REFUSAL, { category: assessment.codes[0] ?? 'unsafe' });
    };

    return {
      preCall: (input, ctx) => assess(turnsOf(input.messages), 'User', ctx),
      duringCall: (input, ctx) => assess(turnsOf(input.messages), 'User', ctx),
      async postCall(input, output, ctx) {
        const verdicts = await Promise.all(output.texts.map((text) => assess(turnsOf(input.messages, text), 'Agent', ctx)));
        return verdicts.find((verdict) => verdict.action === 'block') ?? allow();
      },
    };
  },
});
