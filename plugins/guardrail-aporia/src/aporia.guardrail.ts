import { allow, block, contentText, defineGuardrail, mutateTexts, type ChatMessage, type Guardrail, type GuardrailContext, type PostCallVerdict } from '@tollgate/guardrail-sdk';
import { AporiaClient, type AporiaMessage, type AporiaValidation } from './aporia.client';

/** The instance config (LiteLLM's `aporia` guardrail and its `aporio_prompt_injection` callback). */
export interface AporiaConfig {
  /** Aporia API key; defaults to the `APORIO_API_KEY` environment variable. */
  api_key?: string;
  /** The project's guardrails URL (`https://gr-prd-trial.aporia.com/<project>`); defaults to `APORIO_API_BASE`. */
  api_base?: string;
  /** Replace a reply with Aporia's `revised_response` when it answers `modify` or `rephrase` (default true). */
  apply_revisions?: boolean;
}

/** LiteLLM's refusal text for an Aporia block (its `error` field). */
export const APORIA_REFUSAL = 'Violated guardrail policy';

const MAX_DETAIL_CHARS = 300;
const ECHO_WINDOW = 16;

/**
 * Aporia's `revised_response` for a block is the policy's message ("Profanity detected: … Please rephrase."): shown
 * to the caller, unless it is long or repeats a run of the checked text (a policy could quote what it refused).
 */
export function refusalOf(validation: AporiaValidation, checked: readonly string[]): string {
  const detail = validation.revised_response?.trim();
  if (!detail || detail.length > MAX_DETAIL_CHARS) return APORIA_REFUSAL;
  const haystacks = checked.map((text) => text.toLowerCase());
  const needle = detail.toLowerCase();
  for (let at = 0; at + ECHO_WINDOW <= needle.length; at += ECHO_WINDOW / 2) {
    const window = needle.slice(at, at + ECHO_WINDOW);
    if (haystacks.some((text) => text.includes(window))) return APORIA_REFUSAL;
  }
  if (needle.length < ECHO_WINDOW && haystacks.some((text) => text.trim() !== '' && needle.includes(text.trim()))) return APORIA_REFUSAL;
  return `${APORIA_REFUSAL}: ${detail}`;
}

function toAporia(messages: readonly ChatMessage[]): AporiaMessage[] {
  return messages
    .map((message) => ({
      role: (['system', 'user', 'assistant'].includes(message.role) ? message.role : 'other') as AporiaMessage['role'],
      content: contentText(message.content),
    }))
    .filter((message) => message.content !== '');
}

function apiBaseOf(value: string | undefined): string {
  if (value === undefined || value === '') throw new Error('aporia: no api_base; set APORIO_API_BASE or the api_base of the guardrail');
  if (value.startsWith('os.environ/')) throw new Error(`aporia: api_base names ${value}, which is not set`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('aporia: api_base is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('aporia: api_base must be an http(s) URL');
  return value.replace(/\/+$/, '');
}

export default defineGuardrail<AporiaConfig>({
  manifest: {
    id: 'aporia',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: "Aporia Guardrails: the project's policies (prompt injection, profanity, PII, topics…) on prompts and replies.",
    phases: ['pre_call', 'during_call', 'post_call'],
    // LiteLLM runs the callback as a moderation hook beside the provider call, and on the reply.
    defaultPhases: ['during_call', 'post_call'],
    timeoutMs: 5000,
    activationModes: ['all', 'key-specific', 'request-specific'],
    secretFields: ['api_key'],
    configSchema: {
      type: 'object',
      properties: {
        api_key: { type: 'string', default: 'os.environ/APORIO_API_KEY', description: 'Aporia API key (default: APORIO_API_KEY).' },
        api_base: { type: 'string', default: 'os.environ/APORIO_API_BASE', description: "The project's guardrails URL (default: APORIO_API_BASE)." },
        apply_revisions: { type: 'boolean', default: true, description: "Replace a reply with Aporia's revision on modify / rephrase." },
      },
    },
  },
  create(config): Guardrail {
    const apiKey = config.api_key;
    if (apiKey === undefined || apiKey === '' || apiKey.startsWith('os.environ/')) throw new Error('aporia: no api_key; set APORIO_API_KEY or the api_key of the guardrail');
    const client = new AporiaClient(apiBaseOf(config.api_base), apiKey);
    const applyRevisions = config.apply_revisions !== false;

    const checkPrompt = async (messages: readonly ChatMessage[], ctx: GuardrailContext) => {
      const sent = toAporia(messages);
      if (!sent.some((message) => message.role === 'user')) return allow();
      const validation = await client.validate(ctx, sent);
      // On a prompt only a block matters: Aporia's revisions are replies, not rewritten prompts.
      return validation.action === 'block'
        ? block(
            refusalOf(
              validation,
              sent.map((message) => message.content),
            ),
            { category: 'aporia' },
          )
        : allow();
    };

    return {
      preCall: (input, ctx) => checkPrompt(input.messages, ctx),
      duringCall: (input, ctx) => checkPrompt(input.messages, ctx),
      async postCall(input, output, ctx): Promise<PostCallVerdict> {
        const sent = toAporia(input.messages);
        const validations = await Promise.all(output.texts.map((text) => (text === '' ? undefined : client.validate(ctx, sent, text))));
        const blocked = validations.find((validation) => validation?.action === 'block');
        if (blocked) return block(refusalOf(blocked, [...output.texts, ...sent.map((message) => message.content)]), { category: 'aporia' });
        const findings: string[] = [];
        const revised = output.texts.map((text, index) => {
          const validation = validations[index];
          if (!applyRevisions || (validation?.action !== 'modify' && validation?.action !== 'rephrase') || validation.revised_response === null) return text;
          findings.push(`aporia ${validation.action}`);
          return validation.revised_response;
        });
        return findings.length > 0 ? mutateTexts(revised, findings) : allow();
      },
    };
  },
});
