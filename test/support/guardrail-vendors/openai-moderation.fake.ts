import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, type ProviderHandler } from '../mock-providers/mock-provider-server';

export const OPENAI_MODERATION_KEY = 'sk-moderation-test-0001';

/** OpenAI's omni-moderation categories, every one of which a result names. */
export const MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
] as const;

/** The labelled set: a phrase's score in a category. 0.5 or more is flagged, as OpenAI's own cut-off would. */
const SCORES: readonly { category: (typeof MODERATION_CATEGORIES)[number]; pattern: RegExp; score: number }[] = [
  { category: 'violence', pattern: /\b(?:kill|attack)\b/i, score: 0.97 },
  { category: 'violence', pattern: /\bfight\b/i, score: 0.45 },
  { category: 'harassment', pattern: /\bidiot\b/i, score: 0.82 },
  { category: 'self-harm', pattern: /\bhurt myself\b/i, score: 0.91 },
  { category: 'hate', pattern: /\bvermin\b/i, score: 0.7 },
];
const FLAG_AT = 0.5;

export interface OpenAiModerationBehaviour {
  delayMs: number;
  failWith?: number;
}

function fail(res: ServerResponse, status: number, message: string, type = 'invalid_request_error'): true {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
  return true;
}

/** One result, with every category and its score, as OpenAI's moderation models answer. */
export function moderationResult(text: string): Record<string, unknown> {
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  for (const category of MODERATION_CATEGORIES) {
    const score = Math.max(0.0001, ...SCORES.filter((item) => item.category === category && item.pattern.test(text)).map((item) => item.score));
    scores[category] = score;
    categories[category] = score >= FLAG_AT;
  }
  return {
    flagged: Object.values(categories).some(Boolean),
    categories,
    category_scores: scores,
    category_applied_input_types: Object.fromEntries(MODERATION_CATEGORIES.map((category) => [category, ['text']])),
  };
}

/**
 * OpenAI's `POST /v1/moderations`, for a moderation deployment in a gateway's model_list (a handler for
 * `startMockProviderServer`). Checks the bearer key (401), that `input` is a string, a list of strings or a list of
 * `{type: "text", text}` parts (400 otherwise), and scores each input from the labelled set above.
 */
export function openAiModerationFake(behaviour: OpenAiModerationBehaviour = { delayMs: 0 }): ProviderHandler {
  return async ({ request, res }) => {
    if (request.path !== '/v1/moderations') return false;
    if (request.method !== 'POST') return fail(res, 405, 'Method not allowed');
    if (request.headers.authorization !== `Bearer ${OPENAI_MODERATION_KEY}`) return fail(res, 401, 'Incorrect API key provided.');
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.failWith) return fail(res, behaviour.failWith, 'The server had an error while processing your request.', 'server_error');
    const body = request.body ?? {};
    const input = body.input;
    let texts: string[];
    if (typeof input === 'string') texts = [input];
    else if (Array.isArray(input) && input.every((item) => typeof item === 'string')) texts = input as string[];
    else if (Array.isArray(input) && input.every((item) => typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'text'))
      texts = (input as { text: string }[]).map((part) => part.text);
    else return fail(res, 400, "Invalid value for 'input'.");
    if (texts.length === 0) return fail(res, 400, "Invalid value for 'input': empty list.");
    sendJson(res, 200, { id: `modr-${randomUUID()}`, model: typeof body.model === 'string' ? body.model : 'omni-moderation-latest', results: texts.map(moderationResult) });
    return true;
  };
}
