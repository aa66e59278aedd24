import { printablePath } from './printable-path';

describe(printablePath.name, () => {
  it('should drop the query string and fragment', () => {
    expect(printablePath('/v1/chat/completions?key=sk-abcdef1234567890')).toBe('/v1/chat/completions');
    expect(printablePath('/a/b#sk-123')).toBe('/a/b');
  });

  it('should redact segments that could be credentials', () => {
    expect(printablePath('/nonexist/sk-abcdefghijklmnop1234/x')).toBe('/nonexist/<redacted>/x');
    expect(printablePath('/x/sk%2Dabc')).toBe('/x/<redacted>');
    expect(printablePath('/x/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig')).toBe('/x/<redacted>');
    expect(printablePath('/x/A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6')).toBe('/x/<redacted>');
    expect(printablePath('/openai/deployments/gpt-4o-mini-2024-07-18/chat')).toBe('/openai/deployments/gpt-4o-mini-2024-07-18/chat');
  });

  it('should cap very long paths', () => {
    expect(printablePath(`/${'a/'.repeat(1000)}`).length).toBeLessThanOrEqual(513);
  });
});
