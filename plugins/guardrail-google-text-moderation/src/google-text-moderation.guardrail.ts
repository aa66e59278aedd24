import { readFile } from 'node:fs/promises';
import { allow, block, defineGuardrail, messageTexts, type Guardrail, type GuardrailContext, type JsonSchema, type AllowVerdict, type BlockVerdict } from '@tollgate/guardrail-sdk';
import { apiKeyCredentials, credentialsFromJson, type GoogleCredentials } from './google-auth';
import { GoogleModerationClient, type ModerationScore } from './google-text-moderation.client';
import { categoryKey, MODERATION_CATEGORIES, thresholdKeys, thresholdsOf } from './moderation-categories';

/** The instance config: LiteLLM's `litellm_settings` keys for `google_text_moderation`, plus where to call. */
export interface GoogleTextModerationConfig {
  /** A key file's path (relative to config.yaml) or its JSON; defaults to `GOOGLE_APPLICATION_CREDENTIALS`. */
  credentials?: string;
  /** An API key instead of credentials (wins over them). */
  api_key?: string;
  /** Default `https://language.googleapis.com`. */
  api_base?: string;
  /** The document's language (ISO-639-1), when Google should not detect it. */
  language_code?: string;
  /** Confidence above which any category refuses, unless it has its own threshold (default 0.8). */
  google_moderation_confidence_threshold?: number;
  /** `toxic_confidence_threshold`, `violent_threshold`, …: one per category (see moderation-categories.ts). */
  [threshold: string]: unknown;
}

/** LiteLLM's refusal text for its content-moderation callbacks. */
export const CONTENT_SAFETY_REFUSAL = 'Violated content safety policy';

const DEFAULT_API_BASE = 'https://language.googleapis.com';
const fraction: JsonSchema = { type: 'number', minimum: 0, maximum: 1 };

function thresholdProperties(): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {};
  for (const category of MODERATION_CATEGORIES) {
    for (const key of thresholdKeys(category)) properties[key] = { ...fraction, description: `Confidence above which "${category}" refuses.` };
  }
  return properties;
}

/** The refusal naming every category above its threshold (names only: never the text). */
export function verdictOf(scores: readonly ModerationScore[], thresholds: ReturnType<typeof thresholdsOf>): AllowVerdict | BlockVerdict {
  const violated = scores
    .map((score) => ({ key: categoryKey(score.name), confidence: score.confidence }))
    .filter(({ key, confidence }) => /^[a-z_]{1,64}$/.test(key) && confidence > (thresholds.byCategory.get(key) ?? thresholds.fallback))
    .map(({ key }) => key);
  return violated.length === 0 ? allow() : block(`${CONTENT_SAFETY_REFUSAL}. Category=${violated.join(',')}`, { category: violated[0] });
}

function apiBaseOf(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_API_BASE;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('google-text-moderation: api_base is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('google-text-moderation: api_base must be an http(s) URL');
  return value.replace(/\/+$/, '');
}

async function credentialsOf(config: GoogleTextModerationConfig, resolvePath: (path: string) => string): Promise<GoogleCredentials> {
  if (typeof config.api_key === 'string' && config.api_key !== '') return apiKeyCredentials(config.api_key);
  const credentials = config.credentials;
  if (credentials === undefined || credentials === '') {
    throw new Error('google-text-moderation: no credentials; set GOOGLE_APPLICATION_CREDENTIALS, or the credentials or api_key of the guardrail');
  }
  if (credentials.startsWith('os.environ/')) throw new Error(`google-text-moderation: credentials names ${credentials}, which is not set`);
  if (credentials.trimStart().startsWith('{')) return credentialsFromJson(credentials);
  let json: string;
  try {
    json = await readFile(resolvePath(credentials), 'utf8');
  } catch {
    throw new Error('google-text-moderation: cannot read the credentials file (credentials / GOOGLE_APPLICATION_CREDENTIALS)');
  }
  return credentialsFromJson(json);
}

export default defineGuardrail<GoogleTextModerationConfig>({
  manifest: {
    id: 'google-text-moderation',
    version: '1.0.0',
    sdk: '^1.0.0',
    description: "Google Cloud Natural Language text moderation (moderateText): sixteen categories, each with LiteLLM's confidence threshold.",
    phases: ['pre_call', 'during_call', 'post_call'],
    // LiteLLM runs it as a moderation hook, beside the provider call.
    defaultPhases: ['during_call'],
    timeoutMs: 5000,
    activationModes: ['all', 'key-specific', 'request-specific'],
    secretFields: ['credentials', 'api_key'],
    configSchema: {
      type: 'object',
      properties: {
        credentials: { type: 'string', default: 'os.environ/GOOGLE_APPLICATION_CREDENTIALS', description: 'Key file path or JSON (default: GOOGLE_APPLICATION_CREDENTIALS).' },
        api_key: { type: 'string', minLength: 1, description: 'A Google API key, instead of credentials.' },
        api_base: { type: 'string', description: 'Default https://language.googleapis.com.' },
        language_code: { type: 'string', pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*$', description: 'The text language, when not detected.' },
        google_moderation_confidence_threshold: { ...fraction, description: 'Threshold of every category without its own (default 0.8).' },
        ...thresholdProperties(),
      },
    },
  },
  async create(config, init): Promise<Guardrail> {
    const client = new GoogleModerationClient(apiBaseOf(config.api_base), await credentialsOf(config, init.resolvePath), config.language_code);
    const thresholds = thresholdsOf(config);
    const check = async (text: string, ctx: GuardrailContext): Promise<AllowVerdict | BlockVerdict> =>
      text.trim() === '' ? allow() : verdictOf(await client.moderate(ctx, text), thresholds);
    const checkInput: NonNullable<Guardrail['duringCall']> = (input, ctx) =>
      check(
        messageTexts(input.messages)
          .filter((text) => text !== '')
          .join('\n'),
        ctx,
      );
    return {
      preCall: checkInput,
      duringCall: checkInput,
      async postCall(_input, output, ctx) {
        const verdicts = await Promise.all(output.texts.map((text) => check(text, ctx)));
        return verdicts.find((verdict) => verdict.action === 'block') ?? allow();
      },
    };
  },
});
