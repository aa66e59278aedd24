import { usageFromJsonText } from './usage-extractor';

describe(usageFromJsonText.name, () => {
  it('should read usage after a large data array', () => {
    const json = JSON.stringify({ object: 'list', data: [{ embedding: [0.1, -0.2, 3e-5] }], model: 'm', usage: { prompt_tokens: 5, total_tokens: 5 } });
    expect(usageFromJsonText(json)).toEqual({ prompt_tokens: 5, total_tokens: 5 });
  });

  it('should handle nested details, whitespace and braces inside strings', () => {
    const json = '{"usage" :\n {"prompt_tokens": 2, "note": "a } b", "details": {"cached_tokens": 1}, "total_tokens": 3}}';
    expect(usageFromJsonText(json)).toEqual({ prompt_tokens: 2, note: 'a } b', details: { cached_tokens: 1 }, total_tokens: 3 });
  });

  it('should return null when usage is absent, null or truncated', () => {
    expect(usageFromJsonText('{"data":[]}')).toBeNull();
    expect(usageFromJsonText('{"data":[],"usage":null}')).toBeNull();
    expect(usageFromJsonText('{"usage":{"prompt_tokens":1')).toBeNull();
  });
});
