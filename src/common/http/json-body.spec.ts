import { assertJsonDepth, JsonTooDeepError } from './json-body';

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe(assertJsonDepth.name, () => {
  it('should accept nesting up to the limit and refuse one level more', () => {
    expect(() => assertJsonDepth(nested(64), 64)).not.toThrow();
    expect(() => assertJsonDepth(nested(65), 64)).toThrow(JsonTooDeepError);
    expect(() => assertJsonDepth(`{"a":{"b":${nested(62)}}}`, 64)).not.toThrow();
    expect(() => assertJsonDepth(`{"a":{"b":${nested(63)}}}`, 64)).toThrow(JsonTooDeepError);
  });

  it('should not count brackets inside strings, escaped quotes included', () => {
    const brackets = JSON.stringify({ text: `${'['.repeat(500)} \\" "{{{`, other: '\\' });
    expect(() => assertJsonDepth(brackets, 3)).not.toThrow();
    expect(() => assertJsonDepth(JSON.stringify({ a: '\\"', b: [[[[1]]]] }), 4)).toThrow(JsonTooDeepError);
  });

  it('should name the top-level field that holds the nesting, as a 400', () => {
    const text = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: '[[[' }] }).replace('"content"', `"tools":${nested(100)},"content"`);
    let error: unknown;
    try {
      assertJsonDepth(text, 64);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(JsonTooDeepError);
    expect(error).toMatchObject({ status: 400, param: 'messages', message: expect.stringContaining("at most 64 levels of arrays and objects are accepted (in 'messages')") });
    expect(() => assertJsonDepth(`{"a":1,"met\\u0000a":${nested(6000)}}`, 64)).toThrow(expect.objectContaining({ param: 'met\\u0000a' }));
    expect(() => assertJsonDepth(nested(6000), 64)).toThrow(expect.objectContaining({ param: 'body' }));
  });

  it('should leave malformed text to the JSON parser', () => {
    expect(() => assertJsonDepth(`{"a": "never closed ${'['.repeat(100)}`, 64)).not.toThrow();
    expect(() => assertJsonDepth(']]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]', 64)).not.toThrow();
  });
});
