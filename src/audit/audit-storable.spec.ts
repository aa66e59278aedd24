import { CHANGE_LIMITS, DENIED_REQUEST_LIMITS, storableText, storableValue } from './audit-storable';

describe(storableValue.name, () => {
  it('should escape NULs in strings and keys as visible text', () => {
    expect(storableText('bob\u0000')).toBe('bob\\u0000');
    expect(storableValue({ user_ids: ['bob\u0000'], 'k\u0000': 1 }, CHANGE_LIMITS)).toEqual({ user_ids: ['bob\\u0000'], 'k\\u0000': 1 });
    // JSON text with an escaped backslash, which json and jsonb columns take; never the \u0000 escape of a NUL.
    expect(JSON.stringify(storableValue({ a: '\u0000' }, CHANGE_LIMITS))).toBe(String.raw`{"a":"\\u0000"}`);
  });

  it('should cut nesting below the limit and say so', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 6_000; i++) deep = { a: deep };
    const stored = storableValue(deep, DENIED_REQUEST_LIMITS);
    let level = stored as Record<string, unknown>;
    for (let i = 0; i < DENIED_REQUEST_LIMITS.maxDepth; i++) level = level.a as Record<string, unknown>;
    expect(level).toBe(`[truncated: nested deeper than ${DENIED_REQUEST_LIMITS.maxDepth} levels]`);
  });

  it('should cut long strings and long lists of a denied request, keeping their size', () => {
    const stored = storableValue({ text: 'x'.repeat(100_000), list: Array.from({ length: 150 }, (_, i) => i) }, DENIED_REQUEST_LIMITS) as { text: string; list: unknown[] };
    expect(stored.text).toMatch(/^x{2048}…\[truncated: 100000 characters\]$/);
    expect(stored.list).toHaveLength(101);
    expect(stored.list[100]).toBe('[truncated: 50 more items]');
  });

  it('should keep a __proto__ key as data, not as a prototype', () => {
    const body = JSON.parse('{"__proto__": {"admin": true}}') as object;
    const stored = storableValue(body, CHANGE_LIMITS) as Record<string, unknown>;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(JSON.stringify(stored)).toBe('{"__proto__":{"admin":true}}');
  });
});
