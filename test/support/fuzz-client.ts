import { leaksIn } from './hostile-input';

/** One answer of the gateway to a hostile request, as the fuzz suites judge it. */
export interface FuzzAnswer {
  status: number;
  text: string;
}

/** A request whose answer broke a rule: a 5xx, a leak, or an error not in the OpenAI shape. */
export interface FuzzFinding {
  caller: string;
  method: string;
  path: string;
  status: number;
  problem: string;
  request: string;
  answer: string;
}

/** Sends raw JSON text (hostile bodies are not always what JSON.stringify would write). */
export async function sendRaw(baseUrl: string, method: 'GET' | 'POST', path: string, auth: string, jsonText?: string): Promise<FuzzAnswer> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(jsonText === undefined ? {} : { 'content-type': 'application/json' }) },
    body: jsonText,
  });
  return { status: response.status, text: await response.text() };
}

/** Anthropic's Messages routes answer errors in Anthropic's envelope, as its SDKs and Claude Code read them. */
const ANTHROPIC_ROUTE = /^(\/anthropic)?\/v1\/messages(\/|\?|$)/;

/**
 * What is wrong with an answer, or null: no 5xx, no stack frame, file path, SQL or driver error the request
 * did not carry itself, and every error in the OpenAI envelope with status = int(code) (on Anthropic's routes, in
 * Anthropic's envelope).
 */
export function problemWith(answer: FuzzAnswer, requestText: string, path = ''): string | null {
  if (answer.status >= 500) return `status ${answer.status}`;
  const leaks = leaksIn(answer.text, requestText);
  if (leaks.length) return `leak ${leaks.join(' ')}`;
  if (answer.status >= 400) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      return 'error body is not JSON';
    }
    const error = (parsed as { error?: { message?: unknown; type?: unknown; param?: unknown; code?: unknown } }).error;
    if (ANTHROPIC_ROUTE.test(path)) {
      const envelope = parsed as { type?: unknown };
      return envelope.type === 'error' && error && typeof error.message === 'string' && typeof error.type === 'string' ? null : "error not in Anthropic's shape";
    }
    if (!error || typeof error.message !== 'string' || typeof error.type !== 'string' || error.code !== String(answer.status)) return 'error not in the OpenAI shape';
    if (error.param !== null && typeof error.param !== 'string') return 'error param is neither a string nor null';
  }
  return null;
}

/** Runs `tasks` with at most `concurrency` in flight. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}

/** A short, printable excerpt (findings are printed when a run fails). */
export function excerpt(text: string, length = 300): string {
  const flat = JSON.stringify(text.length > length ? `${text.slice(0, length)}…(${text.length} chars)` : text);
  return flat.slice(1, -1);
}
