import { BadRequestError } from '../errors/http-errors';

/**
 * Deepest nesting of arrays and objects a request body may have (`general_settings.max_json_depth`). No API of the
 * gateway needs more than a handful of levels (LLM tool schemas reach about 10-20), while thousands of levels make
 * every recursive walk that follows parsing — validation, cloning, masking, the database's own JSON parser —
 * overflow its stack.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const COLON = 0x3a;
/** Every character that changes the nesting or starts a string. */
const STRUCTURAL = /["[\]{}]/g;

/** 400 for a body nested deeper than allowed; `param` names the top-level field that holds the nesting. */
export class JsonTooDeepError extends BadRequestError {
  constructor(maxDepth: number, field: string | null) {
    super(`Request body is nested too deeply: at most ${maxDepth} levels of arrays and objects are accepted${field ? ` (in '${field}')` : ''}.`, field ?? 'body');
  }
}

/**
 * Refuses JSON text nested deeper than `maxDepth`, before it is parsed: a scan that jumps from one structural
 * character to the next (strings are skipped whole), so a typical body costs a few microseconds. Malformed text is
 * left for the JSON parser to report.
 * @throws JsonTooDeepError
 */
export function assertJsonDepth(text: string, maxDepth: number): void {
  // A body with fewer characters than the limit cannot nest deeper than it.
  if (text.length <= maxDepth) return;
  const tooDeepAt = positionDeeperThan(text, maxDepth);
  if (tooDeepAt >= 0) throw new JsonTooDeepError(maxDepth, topLevelFieldAt(text, tooDeepAt));
}

/** Where the nesting first exceeds `maxDepth`, or -1. */
function positionDeeperThan(text: string, maxDepth: number): number {
  let depth = 0;
  const structural = new RegExp(STRUCTURAL);
  for (let match = structural.exec(text); match !== null; match = structural.exec(text)) {
    const at = match.index;
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = closingQuote(text, at);
      if (end < 0) return -1;
      structural.lastIndex = end + 1;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (++depth > maxDepth) return at;
    } else {
      depth--;
    }
  }
  return -1;
}

/** The index of the quote closing the string that opens at `open`, or -1 when it is never closed. */
function closingQuote(text: string, open: number): number {
  let end = open;
  do {
    end = text.indexOf('"', end + 1);
    if (end < 0) return -1;
  } while (isEscaped(text, end));
  return end;
}

/** A quote preceded by an odd number of backslashes is part of the string. */
function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === BACKSLASH; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** The name of the top-level member that contains `position`, when the body is an object; only runs on refusal. */
function topLevelFieldAt(text: string, position: number): string | null {
  let depth = 0;
  let field: string | null = null;
  const structural = new RegExp(STRUCTURAL);
  for (let match = structural.exec(text); match !== null && match.index < position; match = structural.exec(text)) {
    const at = match.index;
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = closingQuote(text, at);
      if (end < 0) return field;
      if (depth === 1 && text.charCodeAt(firstNonSpace(text, end + 1)) === COLON) field = parsedName(text.slice(at, end + 1));
      structural.lastIndex = end + 1;
    } else if (code === OPEN_BRACKET || code === OPEN_BRACE) {
      if (depth === 0 && code === OPEN_BRACKET) return null;
      depth++;
    } else {
      depth--;
    }
  }
  return field;
}

function firstNonSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && /\s/.test(text[at])) at++;
  return at;
}

function parsedName(quoted: string): string | null {
  try {
    const name: unknown = JSON.parse(quoted);
    return typeof name === 'string' ? name.replaceAll('\u0000', '\\u0000').slice(0, 100) : null;
  } catch {
    return null;
  }
}
