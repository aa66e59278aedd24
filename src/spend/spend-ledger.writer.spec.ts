import { storableJsonText } from './spend-ledger.writer';

describe(storableJsonText.name, () => {
  it('should turn every NUL of the JSON text into visible text, and nothing else', () => {
    for (const value of ['a\u0000b', '\u0000\u0000', 'a\\\u0000', 'plain', 'a\\u0000', 'a\\\\u0000']) {
      const stored = JSON.parse(storableJsonText(JSON.stringify({ value }))) as { value: string };
      expect(stored.value).not.toContain('\u0000');
      expect(stored.value).toBe(value.replaceAll('\u0000', '\\u0000'));
    }
  });

  it('should leave text without NULs as it is', () => {
    const text = JSON.stringify([{ request_id: 'r1', metadata: { a: '\\u0000 as typed' } }]);
    expect(storableJsonText(text)).toBe(text);
  });
});
