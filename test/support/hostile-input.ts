import fc from 'fast-check';

/**
 * Arbitraries for hostile request input, shared by the fuzz and property suites: NUL bytes, numbers that
 * overflow database columns, deep nesting, prototype-pollution keys, wrong types, long strings and unicode.
 */

/** Seed of every property run in CI; set FUZZ_SEED to explore other inputs locally. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 160_016);

/** Keys that reach `Object.prototype` when code merges objects carelessly. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** Numbers past what integer, bigint and double columns (or JavaScript integers) hold. */
const EXTREME_NUMBERS = [1e20, 1e308, -1e308, 2 ** 53, 2 ** 63, 2 ** 31, -(2 ** 31) - 1, -1, -0, 0.5, 5e-324, 1.7976931348623157e308, 1e23];

/** Strings that break parsers, SQL, paths, logs or terminals when they are handled carelessly. */
const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\u0000\u0000\u0000',
  "' OR '1'='1",
  "'; DROP TABLE tollgate_users; --",
  '../../../../etc/passwd',
  '%00',
  '\\u0000',
  '${{7*7}}',
  '{{constructor.constructor("return process")()}}',
  '\ud800',
  '\udfff',
  '\u202e\u0041',
  '\r\nX-Injected: 1',
  '🦜'.repeat(50),
  'null',
  'true',
  '1e308',
  '99999999999999999999999',
  '-1',
  'NaN',
  'Infinity',
  '',
  ' ',
  'sk-',
  'sk-1234',
];

const longString = fc.integer({ min: 1_000, max: 100_000 }).map((length) => 'x'.repeat(length));
const withNul = fc.string({ maxLength: 20 }).chain((text) => fc.nat({ max: text.length }).map((at) => `${text.slice(0, at)}\u0000${text.slice(at)}`));

/** Any string a hostile client could send, biased to the dangerous ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 3, arbitrary: withNul },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: longString },
  { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...EXTREME_NUMBERS),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.nat({ max: 10 }),
);

/** A key for an object: ordinary, prototype-polluting, or hostile. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_KEYS) },
  { weight: 2, arbitrary: hostileString.filter((text) => text.length < 200) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

/** JSON text of `value` wrapped in `depth` arrays or objects: deeper than any sane body. */
export function nestedJson(depth: number, kind: 'array' | 'object', value = '1'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${value}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${value}${'}'.repeat(depth)}`;
}

/** A marker object whose JSON text is replaced by deep nesting when the body is serialised (see `toJsonText`). */
export interface DeepNesting {
  readonly deepNesting: number;
  readonly kind: 'array' | 'object';
}

const deepNesting: fc.Arbitrary<DeepNesting> = fc.record({
  deepNesting: fc.constantFrom(65, 200, 5_000, 6_000),
  kind: fc.constantFrom<'array' | 'object'>('array', 'object'),
});

/**
 * Any JSON value, biased to hostile leaves, with `known` values (ids of the fixtures: keys, users, teams) mixed
 * in so that requests also aim at real objects.
 */
export function hostileValue(known: readonly string[]): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: hostileString },
    { weight: 3, arbitrary: hostileNumber },
    { weight: 2, arbitrary: known.length ? fc.constantFrom(...known) : fc.constant('x') },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: leaf },
      { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
      { weight: 1, arbitrary: fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }) },
      { weight: 1, arbitrary: deepNesting },
    ),
  }));
  return value;
}

/**
 * A request body: mostly an object of the route's own fields (so validation passes further) plus the odd
 * unknown or prototype key; sometimes not an object at all.
 */
export function hostileBody(fields: readonly string[], known: readonly string[]): fc.Arbitrary<unknown> {
  const value = hostileValue(known);
  const fieldName = fields.length ? fc.constantFrom(...fields) : hostileKey;
  const entries = fc.array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fieldName }, { weight: 1, arbitrary: hostileKey }), value), { maxLength: 6 });
  return fc.oneof({ weight: 8, arbitrary: entries.map((pairs) => Object.fromEntries(pairs)) }, { weight: 1, arbitrary: value });
}

/** JSON text of a generated body, with every DeepNesting marker expanded (JSON.stringify would recurse too far). */
export function toJsonText(body: unknown): string {
  if (isDeepNesting(body)) return nestedJson(body.deepNesting, body.kind);
  if (Array.isArray(body)) return `[${body.map(toJsonText).join(',')}]`;
  if (typeof body === 'object' && body !== null) {
    return `{${Object.entries(body)
      .map(([name, member]) => `${JSON.stringify(name)}:${toJsonText(member)}`)
      .join(',')}}`;
  }
  // JSON has no NaN or Infinity; `undefined` does not occur in generated values.
  return JSON.stringify(body) ?? 'null';
}

function isDeepNesting(value: unknown): value is DeepNesting {
  return typeof value === 'object' && value !== null && 'deepNesting' in value && 'kind' in value && Object.keys(value).length === 2;
}

/** A query string of hostile values for the given parameter names. */
export function hostileQuery(parameters: readonly string[], known: readonly string[]): fc.Arbitrary<string> {
  const name = parameters.length ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...parameters) }, { weight: 1, arbitrary: hostileKey }) : hostileKey;
  const value = fc.oneof(
    hostileString.filter((text) => text.length < 5_000),
    hostileNumber.map(String),
    known.length ? fc.constantFrom(...known) : fc.constant('x'),
  );
  return fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.map(([key, text]) => `${percentEncode(key)}=${percentEncode(text)}`).join('&'));
}

/** encodeURIComponent for any string: lone surrogates (which it refuses) go as UTF-8's replacement character. */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((byte) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
}

/** What must never appear in an answer unless the request itself carried it: stack frames, paths, SQL, driver errors. */
export const LEAK_MARKERS: readonly RegExp[] = [
  /\bat [\w$.<>]+ \(/,
  /\n\s+at /,
  /\/(?:work|home|usr|src|dist|node_modules)\//,
  /\.(?:ts|js|mjs):\d+/,
  /\bSELECT\b/i,
  /\bINSERT\b/i,
  /\bUPDATE\s+"/i,
  /QueryFailedError/,
  /\brelation "/,
  /violates .* constraint/,
  /invalid byte sequence/,
  /out of range for type/,
  /RangeError|TypeError|SyntaxError|ReferenceError/,
];

/** The leak markers found in `responseText` that the request (`requestText`) did not carry itself. */
export function leaksIn(responseText: string, requestText: string): string[] {
  return LEAK_MARKERS.filter((marker) => marker.test(responseText) && !marker.test(requestText)).map(String);
}
