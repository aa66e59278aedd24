/**
 * Audit values as PostgreSQL can store them, whatever a request carried: a row that cannot be written is a change
 * (or a refused attempt) that leaves no trace, so values are made storable rather than refused.
 */

/** How a NUL is stored: its JSON escape as visible text (text and json columns cannot hold the character). */
const ESCAPED_NUL = '\\u0000';

export interface StorableLimits {
  /** Members nested deeper are replaced by a marker (recursive walks and the database's JSON parser have a stack). */
  maxDepth: number;
  /** Longer strings are cut, with a marker saying how long they were. */
  maxStringLength: number;
  /** Arrays and objects keep this many members, then a marker. */
  maxMembers: number;
}

/** What a change row keeps: the objects are the service's own, already validated, so only the depth is bounded. */
export const CHANGE_LIMITS: StorableLimits = { maxDepth: 32, maxStringLength: Number.POSITIVE_INFINITY, maxMembers: Number.POSITIVE_INFINITY };

/** What a refused attempt's row keeps of the request body, which may be anything up to the body limit. */
export const DENIED_REQUEST_LIMITS: StorableLimits = { maxDepth: 16, maxStringLength: 2_048, maxMembers: 100 };

/** A string with each NUL written as the six characters `\u0000`. */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', ESCAPED_NUL) : text;
}

/**
 * A copy of `value` that a json/text column takes: NULs escaped in strings and keys, and depth, string length and
 * member counts bounded by `limits`, each cut marked as such. Dates become ISO strings, as JSON would write them.
 */
export function storableValue(value: unknown, limits: StorableLimits, depth = 0): unknown {
  if (typeof value === 'string') {
    const text = storableText(value);
    return text.length > limits.maxStringLength ? `${text.slice(0, limits.maxStringLength)}…[truncated: ${text.length} characters]` : text;
  }
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= limits.maxDepth) return `[truncated: nested deeper than ${limits.maxDepth} levels]`;
  if (Array.isArray(value)) {
    const kept = value.slice(0, limits.maxMembers).map((item) => storableValue(item, limits, depth + 1));
    if (value.length > limits.maxMembers) kept.push(`[truncated: ${value.length - limits.maxMembers} more items]`);
    return kept;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const kept: [string, unknown][] = entries.slice(0, limits.maxMembers).map(([name, member]) => [storableText(name), storableValue(member, limits, depth + 1)]);
  if (entries.length > limits.maxMembers) kept.push(['[truncated]', `${entries.length - limits.maxMembers} more members`]);
  // fromEntries makes a `__proto__` key an own member; an assignment would set the copy's prototype instead.
  return Object.fromEntries(kept);
}
