import { allow, block, contentText, defineGuardrail, type Guardrail, type GuardrailInput } from '@tollgate/guardrail-sdk';
import { scoreInjectionInSlices } from './injection-heuristics';

/** The instance config. */
export interface DetectPromptInjectionConfig {
  /** Total signal weight at which a message is refused (default 1: one strong signal). */
  threshold?: number;
  /** Message roles to check (default: `user`; system prompts are the operator's own). */
  roles?: string[];
  /** Characters of each message checked, from its start and its end (default 65536 each). */
  max_chars?: number;
}

/** LiteLLM's refusal text for its prompt-injection detection. */
export const INJECTION_REFUSAL = 'Rejected message. This is a prompt injection attack.';

export default defineGuardrail<DetectPromptInjectionConfig>({
  manifest: {
    id: 'detect-prompt-injection',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: 'Offline heuristics that refuse prompt-injection and jailbreak attempts; no external service.',
    phases: ['pre_call', 'during_call'],
    defaultPhases: ['pre_call'],
    priority: 10,
    timeoutMs: 2000,
    activationModes: ['all', 'key-specific', 'request-specific'],
    configSchema: {
      type: 'object',
      properties: {
        threshold: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'Total signal weight at which a message is refused.' },
        roles: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Message roles to check (default: user).' },
        max_chars: { type: 'integer', minimum: 256, description: 'Characters checked from the start and from the end of each message.' },
      },
    },
  },
  create(config): Guardrail {
    const threshold = config.threshold ?? 1;
    const roles = new Set(config.roles ?? ['user']);
    const maxChars = config.max_chars ?? 65536;
    const check = async (input: GuardrailInput) => {
      for (const message of input.messages) {
        if (!roles.has(message.role)) continue;
        const text = contentText(message.content);
        // Attacks sit at the start or the end of a prompt; a huge middle (a pasted document) is not scanned.
        const scanned = text.length > 2 * maxChars ? `${text.slice(0, maxChars)}\n${text.slice(-maxChars)}` : text;
        const { score } = await scoreInjectionInSlices(scanned);
        if (score >= threshold) return block(INJECTION_REFUSAL, { category: 'prompt_injection' });
      }
      return allow();
    };
    return { preCall: check, duringCall: check };
  },
});
