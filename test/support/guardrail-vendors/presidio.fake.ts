import type { IncomingMessage } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

/** One detection, as Presidio's analyzer returns it. */
export interface PresidioResult {
  entity_type: string;
  start: number;
  end: number;
  score: number;
}

/**
 * The labelled set the fake analyzer recognises (English). Scores differ on purpose: PERSON "Bob" is a weak guess
 * (0.3) so score thresholds have something to drop; PHONE_NUMBER sits at 0.75.
 */
const RECOGNIZERS: readonly { entity: string; pattern: RegExp; score: number; languages: readonly string[] }[] = [
  { entity: 'EMAIL_ADDRESS', pattern: /(?<![\w.+-])[\w.+-]+@[\w-]+\.[a-z]{2,}/g, score: 1, languages: ['en', 'es'] },
  { entity: 'PHONE_NUMBER', pattern: /\b\d{3}[-. ]\d{3}[-. ]\d{4}\b/g, score: 0.75, languages: ['en', 'es'] },
  { entity: 'US_SSN', pattern: /\b\d{3}-\d{2}-\d{4}\b/g, score: 0.85, languages: ['en'] },
  { entity: 'CREDIT_CARD', pattern: /\b4\d{3}(?: ?\d{4}){3}\b/g, score: 1, languages: ['en'] },
  { entity: 'PERSON', pattern: /\b(?:Jane Doe|John Smith|Maria Garcia)\b/g, score: 0.85, languages: ['en'] },
  { entity: 'PERSON', pattern: /\bBob\b/g, score: 0.3, languages: ['en'] },
  { entity: 'LOCATION', pattern: /\b(?:Berlin|Lisbon)\b/g, score: 0.85, languages: ['en'] },
];

/** What a test can make the services do. */
export interface PresidioBehaviour {
  /** Milliseconds each answer waits (timeouts). */
  delayMs: number;
  /** When set, every call answers this status with Presidio's error body. */
  failWith?: number;
}

export interface PresidioFake {
  readonly analyzerUrl: string;
  readonly anonymizerUrl: string;
  /** Every request either service received, in order. */
  readonly requests: { service: 'analyzer' | 'anonymizer'; path: string; body: Record<string, unknown> }[];
  readonly behaviour: PresidioBehaviour;
  readonly analyzer: FakeServer;
  readonly anonymizer: FakeServer;
  close(): Promise<void>;
}

interface AdHocRecognizer {
  supported_entity?: unknown;
  supported_language?: unknown;
  deny_list?: unknown;
  patterns?: unknown;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What Presidio's analyzer finds in `text` with the labelled recognizers plus the request's ad-hoc ones. */
export function analyze(text: string, language: string, adHoc: readonly AdHocRecognizer[] = []): PresidioResult[] {
  const results: PresidioResult[] = [];
  for (const recognizer of RECOGNIZERS) {
    if (!recognizer.languages.includes(language)) continue;
    for (const match of text.matchAll(recognizer.pattern))
      results.push({ entity_type: recognizer.entity, start: match.index, end: match.index + match[0].length, score: recognizer.score });
  }
  for (const recognizer of adHoc) {
    if (recognizer.supported_language !== undefined && recognizer.supported_language !== language) continue;
    const entity = String(recognizer.supported_entity);
    const patterns: { regex: string; score: number }[] = Array.isArray(recognizer.patterns) ? (recognizer.patterns as { regex: string; score: number }[]) : [];
    const words = Array.isArray(recognizer.deny_list) ? (recognizer.deny_list as string[]) : [];
    for (const word of words) patterns.push({ regex: `\\b${escapeRegExp(word)}\\b`, score: 1 });
    for (const { regex, score } of patterns) {
      for (const match of text.matchAll(new RegExp(regex, 'g'))) results.push({ entity_type: entity, start: match.index, end: match.index + match[0].length, score });
    }
  }
  return results.sort((a, b) => a.start - b.start || b.end - a.end);
}

function isJson(request: IncomingMessage): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/json');
}

function parse(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Presidio's analyzer (`POST /analyze`) and anonymizer (`POST /anonymize`), each on its own port as the two
 * services run in a deployment. They check what the real ones check (a JSON body, `text` and `language` present, a
 * supported language, analyzer results inside the text) and answer with Presidio's status codes and error bodies.
 */
export async function startPresidioFake(): Promise<PresidioFake> {
  const requests: PresidioFake['requests'] = [];
  const behaviour: PresidioBehaviour = { delayMs: 0 };

  const analyzer = new FakeServer(async (request, raw, response) => {
    if (request.method !== 'POST' || request.url !== '/analyze') return sendJson(response, 404, { error: 'Not Found' });
    if (!isJson(request)) return sendJson(response, 415, { error: 'Content-Type must be application/json' });
    const body = parse(raw);
    if (!body) return sendJson(response, 400, { error: 'Failed to decode JSON object' });
    requests.push({ service: 'analyzer', path: request.url, body });
    if (behaviour.delayMs) await wait(behaviour.delayMs);
    if (behaviour.failWith) return sendJson(response, behaviour.failWith, { error: 'analyzer unavailable' });
    if (typeof body.text !== 'string' || body.text === '') return sendJson(response, 500, { error: 'No text provided' });
    if (typeof body.language !== 'string' || body.language === '') return sendJson(response, 500, { error: 'No language provided' });
    if (!['en', 'es'].includes(body.language)) return sendJson(response, 500, { error: 'No matching recognizers were found to serve the request.' });
    let results = analyze(body.text, body.language, Array.isArray(body.ad_hoc_recognizers) ? (body.ad_hoc_recognizers as AdHocRecognizer[]) : []);
    if (Array.isArray(body.entities)) results = results.filter((result) => (body.entities as string[]).includes(result.entity_type));
    if (typeof body.score_threshold === 'number') results = results.filter((result) => result.score >= (body.score_threshold as number));
    sendJson(
      response,
      200,
      results.map((result) => ({ ...result, analysis_explanation: null, recognition_metadata: { recognizer_name: `${result.entity_type}Recognizer` } })),
    );
  });

  const anonymizer = new FakeServer(async (request, raw, response) => {
    if (request.method !== 'POST' || request.url !== '/anonymize') return sendJson(response, 404, { error: 'Not Found' });
    if (!isJson(request)) return sendJson(response, 415, { error: 'Content-Type must be application/json' });
    const body = parse(raw);
    if (!body) return sendJson(response, 400, { error: 'Failed to decode JSON object' });
    requests.push({ service: 'anonymizer', path: request.url, body });
    if (behaviour.delayMs) await wait(behaviour.delayMs);
    if (behaviour.failWith) return sendJson(response, behaviour.failWith, { error: 'anonymizer unavailable' });
    const text = body.text;
    if (typeof text !== 'string' || text === '') return sendJson(response, 400, { error: 'Invalid input, text can not be empty' });
    const results = body.analyzer_results;
    if (!Array.isArray(results)) return sendJson(response, 400, { error: 'Invalid input, analyzer_results must be a list' });
    for (const result of results as Partial<PresidioResult>[]) {
      const { start, end, entity_type: entity, score } = result;
      if (typeof start !== 'number' || typeof end !== 'number' || typeof entity !== 'string' || typeof score !== 'number') {
        return sendJson(response, 400, { error: 'Invalid input, analyzer result must have start, end, score and entity_type' });
      }
      if (start < 0 || end > text.length || start >= end)
        return sendJson(response, 400, { error: `Invalid analyzer result, start: ${start} and end: ${end}, while text length is only ${text.length}.` });
    }
    const operators = (typeof body.anonymizers === 'object' && body.anonymizers !== null ? body.anonymizers : {}) as Record<string, { type?: string; new_value?: string }>;
    // Overlapping results: the higher score (then the longer span) wins, as Presidio's conflict resolution does.
    const kept: PresidioResult[] = [];
    for (const result of [...(results as PresidioResult[])].sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start))) {
      if (!kept.some((other) => result.start < other.end && other.start < result.end)) kept.push(result);
    }
    kept.sort((a, b) => b.start - a.start);
    let out = text;
    const items: Record<string, unknown>[] = [];
    for (const result of kept) {
      const operator = operators[result.entity_type] ?? operators.DEFAULT ?? { type: 'replace' };
      const replacement = operator.type === 'redact' ? '' : (operator.new_value ?? `<${result.entity_type}>`);
      out = out.slice(0, result.start) + replacement + out.slice(result.end);
      items.push({ start: result.start, end: result.start + replacement.length, entity_type: result.entity_type, text: replacement, operator: operator.type ?? 'replace' });
    }
    sendJson(response, 200, { text: out, items: items.reverse() });
  });

  await analyzer.start();
  await anonymizer.start();
  return {
    get analyzerUrl() {
      return analyzer.url;
    },
    get anonymizerUrl() {
      return anonymizer.url;
    },
    requests,
    behaviour,
    analyzer,
    anonymizer,
    close: async () => {
      await analyzer.stop();
      await anonymizer.stop();
    },
  };
}
