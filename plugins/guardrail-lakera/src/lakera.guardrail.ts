import { allow, block, contentText, defineGuardrail, type ChatMessage, type Guardrail, type GuardrailContext, type AllowVerdict, type BlockVerdict } from '@tollgate/guardrail-sdk';
import { LakeraClient, type LakeraGuardResult, type LakeraMessage } from './lakera.client';

/** The instance config: LiteLLM's `lakera_prompt_injection` / `lakera_v2` settings. */
export interface LakeraConfig {
  /** Lakera Guard API key; defaults to the `LAKERA_API_KEY` environment variable. */
  api_key?: string;
  /** Defaults to `LAKERA_API_BASE`, else `https://api.lakera.ai`. */
  api_base?: string;
  /** The Lakera project whose policy screens the calls (its detectors and confidence levels). */
  project_id?: string;
  /**
   * LiteLLM's v1 `category_thresholds` (`{prompt_injection: 0.1, jailbreak: 0.1}`): when set, only these categories
   * refuse. Keys are `prompt_injection` / `jailbreak` (Lakera's `prompt_attack` detector), a v2 detector type
   * (`moderated_content/hate`) or its family (`pii`, `moderated_content`, `unknown_links`).
   */
  category_thresholds?: Record<string, number>;
  /** `block` (default) refuses a flagged call; `monitor` logs it and lets it through. */
  on_flagged?: 'block' | 'monitor';
  /** Message roles sent to Lakera (LiteLLM's `enabled_roles`; default system, user, assistant). */
  enabled_roles?: string[];
}

/** LiteLLM's refusal text for a call Lakera v2 flags. */
export const LAKERA_REFUSAL = 'Lakera AI flagged this request. Please review the request and try again.';
/** The refusal of a flagged reply (`post_call`). */
export const LAKERA_REPLY_REFUSAL = 'Lakera AI flagged the response. Please review the request and try again.';

const LAKERA_ROLES = new Set(['system', 'user', 'assistant', 'tool']);
const DEFAULT_ROLES = ['system', 'user', 'assistant'];
const DEFAULT_API_BASE = 'https://api.lakera.ai';

/** The categories a detector counts for: its type, its family (`pii` for `pii/email`), and v1's names of `prompt_attack`. */
export function categoriesOf(detectorType: string): string[] {
  const names = [detectorType];
  const slash = detectorType.indexOf('/');
  if (slash > 0) names.push(detectorType.slice(0, slash));
  if (detectorType === 'prompt_attack') names.push('prompt_injection', 'jailbreak');
  return names;
}

function detectedTypes(result: LakeraGuardResult): string[] {
  return result.breakdown.filter((item) => item.detected).map((item) => item.detector_type);
}

function apiBaseOf(value: string | undefined): string {
  if (value === undefined || value === '' || value.startsWith('os.environ/')) return DEFAULT_API_BASE;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('lakera: api_base is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('lakera: api_base must be an http(s) URL');
  return value.replace(/\/+$/, '');
}

export default defineGuardrail<LakeraConfig>({
  manifest: {
    id: 'lakera',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: 'Lakera Guard (v2 guard API): prompt attacks, jailbreaks, harmful content, PII and unknown links in prompts and replies.',
    phases: ['pre_call', 'during_call', 'post_call'],
    // LiteLLM's lakera_prompt_injection runs "in_parallel" by default: beside the provider call.
    defaultPhases: ['during_call'],
    priority: 10,
    timeoutMs: 3000,
    activationModes: ['all', 'key-specific', 'request-specific'],
    secretFields: ['api_key'],
    configSchema: {
      type: 'object',
      properties: {
        api_key: { type: 'string', default: 'os.environ/LAKERA_API_KEY', description: 'Lakera Guard API key (default: LAKERA_API_KEY).' },
        api_base: { type: 'string', default: 'os.environ/LAKERA_API_BASE', description: 'API base (default: LAKERA_API_BASE, else https://api.lakera.ai).' },
        project_id: { type: 'string', minLength: 1, description: 'Lakera project whose policy applies.' },
        category_thresholds: {
          type: 'object',
          additionalProperties: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          description: 'Only these categories refuse: prompt_injection, jailbreak, a detector type or family.',
        },
        on_flagged: { enum: ['block', 'monitor'], default: 'block', description: 'block refuses; monitor only logs.' },
        enabled_roles: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Roles sent to Lakera (default system, user, assistant).' },
      },
    },
  },
  create(config): Guardrail {
    const apiKey = config.api_key;
    if (apiKey === undefined || apiKey === '' || apiKey.startsWith('os.environ/')) throw new Error('lakera: no api_key; set LAKERA_API_KEY or the api_key of the guardrail');
    const client = new LakeraClient(apiBaseOf(config.api_base), apiKey, config.project_id);
    const roles = new Set((config.enabled_roles ?? DEFAULT_ROLES).filter((role) => LAKERA_ROLES.has(role)));
    const thresholds = config.category_thresholds ? Object.entries(config.category_thresholds) : undefined;
    const monitor = config.on_flagged === 'monitor';

    const toLakera = (messages: readonly ChatMessage[]): LakeraMessage[] =>
      messages
        .filter((message) => roles.has(message.role))
        .map((message) => ({ role: message.role as LakeraMessage['role'], content: contentText(message.content) }))
        .filter((message) => message.content !== '');

    const screen = async (messages: LakeraMessage[], refusal: string, ctx: GuardrailContext): Promise<AllowVerdict | BlockVerdict> => {
      if (!messages.some((message) => message.role === 'user' || message.role === 'assistant')) return allow();
      const result = await client.guard(ctx, messages);
      const detected = detectedTypes(result);
      let verdict: AllowVerdict | BlockVerdict = allow();
      if (thresholds) {
        // Lakera v2 answers "detected" at the confidence level of the project's policy: a detection scores 1.
        for (const [category, threshold] of thresholds) {
          const score = detected.some((type) => categoriesOf(type).includes(category)) ? 1 : 0;
          if (score >= threshold) {
            verdict = block(`Violated ${category} threshold`, { category });
            break;
          }
        }
      } else if (result.flagged) {
        verdict = block(refusal, { category: detected.length > 0 ? detected.join(',') : 'flagged' });
      }
      if (verdict.action === 'block' && monitor) {
        ctx.logger.warn(`Lakera flagged the call (on_flagged: monitor, not refused): ${verdict.category ?? 'flagged'}`);
        return allow();
      }
      return verdict;
    };

    return {
      preCall: (input, ctx) => screen(toLakera(input.messages), LAKERA_REFUSAL, ctx),
      duringCall: (input, ctx) => screen(toLakera(input.messages), LAKERA_REFUSAL, ctx),
      async postCall(input, output, ctx) {
        const prompt = toLakera(input.messages);
        for (const text of output.texts) {
          if (text === '') continue;
          const verdict = await screen([...prompt, { role: 'assistant', content: text }], LAKERA_REPLY_REFUSAL, ctx);
          if (verdict.action === 'block') return verdict;
        }
        return allow();
      },
    };
  },
});
