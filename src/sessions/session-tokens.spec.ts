import { csrfTokenOf, newSessionId, sameSecret, sessionIdHash } from './session-tokens';

describe('session tokens', () => {
  it('should make 256-bit ids that never repeat, stored as their sha256', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSessionId()));
    expect(ids.size).toBe(1000);
    const id = [...ids][0];
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionIdHash(id)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionIdHash(id)).not.toContain(id);
  });

  it('should derive one csrf token per session that is neither the id nor its stored hash', () => {
    const a = newSessionId();
    const b = newSessionId();
    expect(csrfTokenOf(a)).toBe(csrfTokenOf(a));
    expect(csrfTokenOf(a)).not.toBe(csrfTokenOf(b));
    expect(csrfTokenOf(a)).not.toBe(a);
    expect(csrfTokenOf(a)).not.toBe(sessionIdHash(a));
  });

  it('should compare secrets of any lengths', () => {
    expect(sameSecret('sk-1234', 'sk-1234')).toBe(true);
    expect(sameSecret('sk-1234', 'sk-12345')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });
});
