import { allow, block, type ChatMessage, defineGuardrail, type Guardrail, type GuardrailLogger, mutateMessages, mutateTexts, type ContentPart } from '@tollgate/guardrail-sdk';
import { DETECTOR_TYPES, findSecrets, redactSecretsInSlices } from './secret-detectors';

/** The instance config (all optional; LiteLLM's `callbacks: ["hide_secrets"]` form needs none). */
export interface HideSecretsConfig {
  /** What replaces each secret (default `[REDACTED]`, as LiteLLM). */
  replacement?: string;
  /** Detector types to run (default: all); see the README for the names. */
  detectors?: string[];
}

/** Redacts one message list, slice by slice; returns the new messages and the detector types that fired. */
async function redactMessages(
  messages: readonly ChatMessage[],
  replacement: string,
  enabled: ReadonlySet<string> | undefined,
): Promise<{ messages: ChatMessage[]; types: Set<string> }> {
  const types = new Set<string>();
  const out: ChatMessage[] = [];
  for (const message of messages) {
    const content = message.content;
    if (typeof content === 'string') {
      const redacted = await redactSecretsInSlices(content, replacement, enabled);
      redacted.types.forEach((type) => types.add(type));
      out.push(redacted.types.length > 0 ? { ...message, content: redacted.text } : message);
      continue;
    }
    if (content === null) {
      out.push(message);
      continue;
    }
    const parts: ContentPart[] = [];
    let changed = false;
    for (const part of content) {
      if (part.type !== 'text' || typeof part.text !== 'string') {
        parts.push(part);
        continue;
      }
      const redacted = await redactSecretsInSlices(part.text, replacement, enabled);
      redacted.types.forEach((type) => types.add(type));
      changed ||= redacted.types.length > 0;
      parts.push(redacted.types.length > 0 ? { ...part, text: redacted.text } : part);
    }
    out.push(changed ? { ...message, content: parts } : message);
  }
  return { messages: out, types };
}

/** LiteLLM's warning text, naming detector types only, never values. */
function warnRedacted(logger: GuardrailLogger, types: Iterable<string>): void {
  logger.warn(`Detected and redacted secrets in message: [${[...types].map((type) => `'${type}'`).join(', ')}]`);
}

export default defineGuardrail<HideSecretsConfig>({
  manifest: {
    id: 'hide-secrets',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: 'Redacts API keys, tokens, private keys, credentials in URLs and other secrets before the provider sees them.',
    phases: ['pre_call', 'post_call', 'streaming', 'logging_only'],
    defaultPhases: ['pre_call'],
    // Redaction runs before checks that judge the text, so they never see (or log) a secret.
    priority: 100,
    timeoutMs: 5000,
    streamWindowChars: 1024,
    configSchema: {
      type: 'object',
      properties: {
        replacement: { type: 'string', minLength: 1, description: 'Text that replaces each secret.', default: '[REDACTED]' },
        detectors: { type: 'array', items: { type: 'string', enum: DETECTOR_TYPES }, minItems: 1, description: 'Detector types to run (default: all).' },
      },
    },
  },
  create(config): Guardrail {
    const replacement = config.replacement ?? '[REDACTED]';
    const enabled = config.detectors ? new Set(config.detectors) : undefined;
    return {
      async preCall(input, ctx) {
        const { messages, types } = await redactMessages(input.messages, replacement, enabled);
        if (types.size === 0) return allow();
        warnRedacted(ctx.logger, types);
        return mutateMessages(messages, [...types]);
      },
      async postCall(_input, output, ctx) {
        const types = new Set<string>();
        const texts: string[] = [];
        for (const text of output.texts) {
          const redacted = await redactSecretsInSlices(text, replacement, enabled);
          redacted.types.forEach((type) => types.add(type));
          texts.push(redacted.text);
        }
        if (types.size === 0) return allow();
        warnRedacted(ctx.logger, types);
        return mutateTexts(texts, [...types]);
      },
      onStreamWindow(window) {
        // A stream cannot be rewritten once parts of it may be on the wire, so a secret in a reply ends it.
        const found = findSecrets(window.text, enabled).filter((span) => span.end > window.newTextAt);
        if (found.length === 0) return allow();
        const types = [...new Set(found.map((span) => span.type))];
        return block(`Violated guardrail policy: the response contained a secret (${types.join(', ')})`, { category: 'secret_in_response' });
      },
      async maskForLogging(messages) {
        return (await redactMessages(messages, replacement, enabled)).messages;
      },
    };
  },
});
