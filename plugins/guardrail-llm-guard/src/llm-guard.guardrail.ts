import { allow, block, defineGuardrail, messageTexts, type BlockVerdict, type Guardrail, type GuardrailContext, type GuardrailInput } from '@tollgate/guardrail-sdk';
import { LlmGuardClient, type LlmGuardAnalysis } from './llm-guard.client';

/** The instance config (LiteLLM's `llmguard_moderations` reads only `LLM_GUARD_API_BASE`). */
export interface LlmGuardConfig {
  /** Where llm-guard-api runs; defaults to the `LLM_GUARD_API_BASE` environment variable. */
  api_base?: string;
  /** The bearer token of an llm-guard-api deployed with `auth: {type: http_bearer}`. */
  api_key?: string;
  /** Scanners llm-guard-api should skip for these calls (`scanners_suppress`). */
  scanners_suppress?: string[];
  /** Logs each answer as `LLM Guard: Received response - {…}` (the seed's line, without the sanitized text). */
  log_responses?: boolean;
}

/** LiteLLM's refusal text for its content-moderation callbacks. */
export const CONTENT_SAFETY_REFUSAL = 'Violated content safety policy';

const SCANNER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The refusal for an invalid analysis: the failing scanners by name (never the text they scanned). */
export function verdictOf(analysis: LlmGuardAnalysis): ReturnType<typeof allow> | BlockVerdict {
  if (analysis.is_valid) return allow();
  const failing = Object.entries(analysis.scanners)
    .filter(([name, score]) => typeof score === 'number' && score > 0 && SCANNER_NAME.test(name))
    .map(([name]) => name)
    .sort();
  return block(failing.length > 0 ? `${CONTENT_SAFETY_REFUSAL}. Scanners=${failing.join(',')}` : CONTENT_SAFETY_REFUSAL, { category: 'content_safety' });
}

function promptOf(input: GuardrailInput): string {
  return messageTexts(input.messages)
    .filter((text) => text !== '')
    .join('\n');
}

function apiBaseOf(value: string | undefined): string {
  if (value === undefined || value === '') throw new Error('llm-guard: no api_base; set LLM_GUARD_API_BASE or the api_base of the guardrail');
  if (value.startsWith('os.environ/')) throw new Error(`llm-guard: api_base names ${value}, which is not set`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('llm-guard: api_base is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('llm-guard: api_base must be an http(s) URL');
  return value.replace(/\/+$/, '');
}

export default defineGuardrail<LlmGuardConfig>({
  manifest: {
    id: 'llm-guard',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: 'LLM Guard (llm-guard-api) scanners on prompts and replies: prompt injection, toxicity, secrets, PII, banned topics.',
    phases: ['pre_call', 'during_call', 'post_call'],
    // LiteLLM runs it as a moderation hook, beside the provider call.
    defaultPhases: ['during_call'],
    timeoutMs: 5000,
    activationModes: ['all', 'key-specific', 'request-specific'],
    secretFields: ['api_key'],
    configSchema: {
      type: 'object',
      properties: {
        api_base: { type: 'string', default: 'os.environ/LLM_GUARD_API_BASE', description: 'URL of llm-guard-api (default: LLM_GUARD_API_BASE).' },
        api_key: { type: 'string', minLength: 1, description: 'Bearer token of llm-guard-api (auth type http_bearer).' },
        scanners_suppress: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Scanners to skip.' },
        log_responses: { type: 'boolean', default: true, description: 'Log "LLM Guard: Received response - {…}" per call (scores only).' },
      },
    },
  },
  create(config): Guardrail {
    const client = new LlmGuardClient(apiBaseOf(config.api_base), config.api_key, config.scanners_suppress ?? []);
    const logResponses = config.log_responses !== false;
    const report = (ctx: GuardrailContext, analysis: LlmGuardAnalysis): void => {
      const line = `LLM Guard: Received response - ${JSON.stringify({ is_valid: analysis.is_valid, scanners: analysis.scanners })}`;
      if (logResponses) ctx.logger.log(line);
      else ctx.logger.debug(line);
    };
    const checkPrompt = async (input: GuardrailInput, ctx: GuardrailContext) => {
      const prompt = promptOf(input);
      if (prompt === '') return allow();
      const analysis = await client.analyzePrompt(ctx, prompt);
      report(ctx, analysis);
      return verdictOf(analysis);
    };
    return {
      preCall: checkPrompt,
      duringCall: checkPrompt,
      async postCall(input, output, ctx) {
        const prompt = promptOf(input);
        const analyses = await Promise.all(output.texts.map((text) => (text === '' ? undefined : client.analyzeOutput(ctx, prompt, text))));
        for (const analysis of analyses) {
          if (!analysis) continue;
          report(ctx, analysis);
          const verdict = verdictOf(analysis);
          if (verdict.action === 'block') return verdict;
        }
        return allow();
      },
    };
  },
});
