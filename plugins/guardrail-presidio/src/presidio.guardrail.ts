import { readFileSync } from 'node:fs';
import {
  allow,
  block,
  defineGuardrail,
  mutateMessages,
  mutateTexts,
  mutateWindow,
  rewriteMessageTexts,
  streamTextChecked,
  streamTextToCheck,
  type ChatMessage,
  type Guardrail,
  type GuardrailContext,
  type GuardrailInput,
  type StreamWindow,
} from '@tollgate/guardrail-sdk';
import { PresidioClient, type PiiSpan } from './presidio.client';

/** What to do with an entity type (LiteLLM's `PiiAction`). */
export type PiiAction = 'MASK' | 'BLOCK';

/** The instance config, in LiteLLM's names. */
export interface PresidioConfig {
  /** Base URL of the analyzer service (`POST /analyze`). */
  presidio_analyzer_api_base: string;
  /** Base URL of the anonymizer service (`POST /anonymize`). */
  presidio_anonymizer_api_base: string;
  /** Language of the texts (default `en`); a request may choose with `metadata.guardrail_config.language`. */
  presidio_language?: string;
  /** Entity types to look for and what to do with each; without it every type Presidio knows is masked. */
  pii_entities_config?: Record<string, PiiAction>;
  /** Minimum score per entity type (or `ALL`); weaker detections are ignored. */
  presidio_score_thresholds?: Record<string, number>;
  /** Entity types never acted on. */
  presidio_entities_deny_list?: string[];
  /** Mask with numbered placeholders (`<PERSON_1>`) and put the originals back into replies and streams. */
  output_parse_pii?: boolean;
  /** Mask PII in replies and streams too (wins over `output_parse_pii`, as in LiteLLM). */
  apply_to_output?: boolean;
  /** Path of a JSON file of Presidio ad-hoc recognizers (relative to the config file). */
  presidio_ad_hoc_recognizers?: string;
}

const TOKENS = 'presidio.tokens';
/** A streamed reply is analyzed once per this many new characters (and at its end): at most the window below. */
const STREAM_CHECK_EVERY = 192;
const STREAM_OVERLAP = 64;
/** A detection this close to the end of a stream window may still grow (a surname in the next chunk): masked later. */
const STREAM_MARGIN = 48;
const STREAM_WINDOW = 256;
const CONCURRENCY = 4;

/** The placeholders of one call, both ways, kept in `ctx.callState`. */
interface Tokens {
  readonly byToken: Map<string, string>;
  readonly byOriginal: Map<string, string>;
  readonly counts: Map<string, number>;
}

function tokensOf(ctx: GuardrailContext): Tokens {
  let tokens = ctx.callState.get(TOKENS) as Tokens | undefined;
  if (!tokens) {
    tokens = { byToken: new Map(), byOriginal: new Map(), counts: new Map() };
    ctx.callState.set(TOKENS, tokens);
  }
  return tokens;
}

/** The texts `rewriteMessageTexts` visits, in its order: string contents and text parts. */
function textSlots(messages: readonly ChatMessage[]): string[] {
  const slots: string[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') slots.push(message.content);
    else if (Array.isArray(message.content)) for (const part of message.content) if (part.type === 'text' && typeof part.text === 'string') slots.push(part.text);
  }
  return slots;
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order of the results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Overlapping detections: the higher score, then the longer span, wins (Presidio's own conflict rule). */
function withoutOverlaps(spans: readonly PiiSpan[]): PiiSpan[] {
  const kept: PiiSpan[] = [];
  for (const span of [...spans].sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start))) {
    if (!kept.some((other) => span.start < other.end && other.start < span.end)) kept.push(span);
  }
  return kept.sort((a, b) => a.start - b.start);
}

/** Replaces every placeholder of the call by its original; at the end of a reply, one cut short by max_tokens too. */
export function unmask(text: string, tokens: ReadonlyMap<string, string>, atEnd: boolean): string {
  let out = text;
  for (const [token, original] of tokens) if (out.includes(token)) out = out.split(token).join(original);
  if (atEnd) {
    for (const [token, original] of tokens) {
      const least = Math.min(20, Math.floor(token.length / 2));
      for (let length = Math.min(token.length - 1, out.length); length >= least && length > 0; length--) {
        if (out.endsWith(token.slice(0, length))) {
          out = out.slice(0, out.length - length) + original;
          break;
        }
      }
    }
  }
  return out;
}

export default defineGuardrail<PresidioConfig>({
  manifest: {
    id: 'presidio',
    version: '1.0.0',
    sdk: '^1.3.0',
    description: 'Masks PII with Microsoft Presidio before the provider sees it, puts it back into replies and streams (output_parse_pii), or blocks configured entity types.',
    phases: ['pre_call', 'during_call', 'post_call', 'streaming'],
    defaultPhases: ['pre_call', 'post_call', 'streaming'],
    // After hide-secrets (100), before guardrails that judge the text, so no judge sees the PII.
    priority: 90,
    timeoutMs: 3000,
    streamWindowChars: STREAM_WINDOW,
    configSchema: {
      type: 'object',
      properties: {
        presidio_analyzer_api_base: { type: 'string', minLength: 1, description: 'Base URL of the Presidio analyzer (POST /analyze).' },
        presidio_anonymizer_api_base: { type: 'string', minLength: 1, description: 'Base URL of the Presidio anonymizer (POST /anonymize).' },
        presidio_language: {
          type: 'string',
          minLength: 2,
          default: 'en',
          description: 'Language of the texts; a request may override it with metadata.guardrail_config.language.',
        },
        pii_entities_config: {
          type: 'object',
          additionalProperties: { enum: ['MASK', 'BLOCK'] },
          description: 'Entity types to look for, each MASK or BLOCK; without it every type is masked.',
        },
        presidio_score_thresholds: { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 }, description: 'Minimum score per entity type, or ALL.' },
        presidio_entities_deny_list: { type: 'array', items: { type: 'string' }, description: 'Entity types never acted on.' },
        output_parse_pii: { type: 'boolean', default: false, description: 'Mask with numbered placeholders and restore the originals in replies and streams.' },
        apply_to_output: { type: 'boolean', default: false, description: 'Mask PII in replies and streams too (wins over output_parse_pii).' },
        presidio_ad_hoc_recognizers: { type: 'string', minLength: 1, description: 'Path of a JSON file of Presidio ad-hoc recognizers.' },
      },
      required: ['presidio_analyzer_api_base', 'presidio_anonymizer_api_base'],
    },
  },
  create(config, init): Guardrail {
    const client = new PresidioClient(config.presidio_analyzer_api_base, config.presidio_anonymizer_api_base);
    const actions = config.pii_entities_config ?? {};
    const entities = Object.keys(actions).length > 0 ? Object.keys(actions) : undefined;
    const thresholds = config.presidio_score_thresholds ?? {};
    const ignored = new Set(config.presidio_entities_deny_list ?? []);
    const adHocRecognizers = config.presidio_ad_hoc_recognizers ? (JSON.parse(readFileSync(init.resolvePath(config.presidio_ad_hoc_recognizers), 'utf8')) as unknown[]) : undefined;
    if (adHocRecognizers !== undefined && !Array.isArray(adHocRecognizers)) throw new Error('presidio_ad_hoc_recognizers must name a JSON file holding a list of recognizers');
    const maskOutput = config.apply_to_output === true;
    const reversible = config.output_parse_pii === true && !maskOutput;

    const languageOf = (input: GuardrailInput): string => {
      const requested = (input.metadata.guardrail_config as { language?: unknown } | undefined)?.language;
      return typeof requested === 'string' && requested !== '' ? requested : (config.presidio_language ?? 'en');
    };

    /** What the analyzer finds in `text`, less ignored types and weak scores, without overlaps. */
    const detect = async (ctx: GuardrailContext, text: string, language: string): Promise<PiiSpan[]> => {
      if (text.trim() === '') return [];
      const spans = await client.analyze(ctx, { text, language, entities, adHocRecognizers });
      return withoutOverlaps(
        spans.filter((span) => {
          if (ignored.has(span.entity_type)) return false;
          const threshold = thresholds[span.entity_type] ?? thresholds.ALL;
          return threshold === undefined || span.score >= threshold;
        }),
      );
    };

    // LiteLLM's refusal: the entity type and the guardrail, never the value.
    const refusal = (found: readonly PiiSpan[][], ctx: GuardrailContext) => {
      const blocked = found.flat().find((span) => actions[span.entity_type] === 'BLOCK');
      return blocked ? block(`Blocked PII entity detected: ${blocked.entity_type} by Guardrail: ${ctx.guardrailName}.`, { category: 'pii' }) : undefined;
    };

    /** Numbered placeholders, the same one for the same value within a call, recorded for de-masking. */
    const maskReversibly = (text: string, spans: readonly PiiSpan[], tokens: Tokens): string => {
      let out = '';
      let at = 0;
      for (const span of spans) {
        const original = text.slice(span.start, span.end);
        const key = `${span.entity_type}\u0000${original}`;
        let token = tokens.byOriginal.get(key);
        if (!token) {
          const count = (tokens.counts.get(span.entity_type) ?? 0) + 1;
          tokens.counts.set(span.entity_type, count);
          token = `<${span.entity_type}_${count}>`;
          tokens.byOriginal.set(key, token);
          tokens.byToken.set(token, original);
        }
        out += text.slice(at, span.start) + token;
        at = span.end;
      }
      return out + text.slice(at);
    };

    const mask = (ctx: GuardrailContext, text: string, spans: readonly PiiSpan[]): Promise<string> | string => {
      if (spans.length === 0) return text;
      return reversible ? maskReversibly(text, spans, tokensOf(ctx)) : client.anonymize(ctx, text, spans);
    };

    const typesOf = (found: readonly PiiSpan[][]): string[] => [...new Set(found.flat().map((span) => span.entity_type))];

    const maskStream = async (window: StreamWindow, input: GuardrailInput, ctx: GuardrailContext) => {
      const due = streamTextToCheck(window, ctx, { everyChars: STREAM_CHECK_EVERY, overlapChars: STREAM_OVERLAP });
      if (!due) return allow();
      const spans = await detect(ctx, due.text, languageOf(input));
      const refused = refusal([spans], ctx);
      if (refused) return refused;
      let cut = due.text.length;
      if (!window.final) {
        // A detection near the end may still grow with the next chunk: it is left, and analyzed again, for later.
        for (const span of spans) if (span.end > due.text.length - STREAM_MARGIN) cut = Math.min(cut, span.start);
        for (let moved = true; moved;) {
          moved = false;
          for (const span of spans) {
            if (span.start < cut && span.end > cut) {
              cut = span.start;
              moved = true;
            }
          }
        }
      }
      const kept = spans.filter((span) => span.end <= cut);
      const checked = { text: due.text.slice(0, cut), offset: due.offset, end: due.offset + cut };
      const text = streamTextChecked(window, ctx, checked, kept.length > 0 ? await client.anonymize(ctx, checked.text, kept) : checked.text);
      return text === window.text ? allow() : mutateWindow(text, typesOf([kept]));
    };

    return {
      async preCall(input, ctx) {
        const slots = textSlots(input.messages);
        const language = languageOf(input);
        const found = await mapLimited(slots, CONCURRENCY, (text) => detect(ctx, text, language));
        const refused = refusal(found, ctx);
        if (refused) return refused;
        if (found.every((spans) => spans.length === 0)) return allow();
        const masked = await mapLimited(
          slots.map((text, index) => ({ text, spans: found[index] })),
          CONCURRENCY,
          async ({ text, spans }) => mask(ctx, text, spans),
        );
        let next = 0;
        const { messages } = rewriteMessageTexts(input.messages, () => masked[next++]);
        return mutateMessages(messages, typesOf(found));
      },
      async duringCall(input, ctx) {
        const language = languageOf(input);
        const found = await mapLimited(textSlots(input.messages), CONCURRENCY, (text) => detect(ctx, text, language));
        return refusal(found, ctx) ?? allow();
      },
      async postCall(input, output, ctx) {
        if (maskOutput) {
          const language = languageOf(input);
          const found = await mapLimited(output.texts, CONCURRENCY, (text) => detect(ctx, text, language));
          const refused = refusal(found, ctx);
          if (refused) return refused;
          if (found.every((spans) => spans.length === 0)) return allow();
          const texts = await Promise.all(output.texts.map((text, index) => mask(ctx, text, found[index])));
          return mutateTexts(texts, typesOf(found));
        }
        const tokens = (ctx.callState.get(TOKENS) as Tokens | undefined)?.byToken;
        if (!reversible || !tokens || tokens.size === 0) return allow();
        const texts = output.texts.map((text) => unmask(text, tokens, true));
        return texts.some((text, index) => text !== output.texts[index]) ? mutateTexts(texts) : allow();
      },
      async onStreamWindow(window, input, ctx) {
        if (maskOutput) return maskStream(window, input, ctx);
        const tokens = (ctx.callState.get(TOKENS) as Tokens | undefined)?.byToken;
        if (!reversible || !tokens || tokens.size === 0) return allow();
        // Only whole placeholders are put back; one still arriving is left for the next window, which repeats it.
        const text = unmask(window.text, tokens, window.final);
        return text === window.text ? allow() : mutateWindow(text);
      },
    };
  },
});
