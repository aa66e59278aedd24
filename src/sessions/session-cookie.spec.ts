import { clearedSessionCookie, hasSessionCookie, sessionCookie, sessionIdFromCookies } from './session-cookie';

const ID = 'A'.repeat(21) + '_-' + 'z9'.repeat(10);

describe('session cookie', () => {
  it('should find the session id among other cookies, with or without spaces and quotes', () => {
    expect(ID).toHaveLength(43);
    expect(sessionIdFromCookies(`theme=dark; tollgate_session=${ID}; lang=en`)).toBe(ID);
    expect(sessionIdFromCookies(`tollgate_session=${ID}`)).toBe(ID);
    expect(sessionIdFromCookies(`a=1;tollgate_session="${ID}"`)).toBe(ID);
    expect(sessionIdFromCookies([`a=1`, `tollgate_session=${ID}`])).toBe(ID);
  });

  it('should ignore values that are not one of our ids, and cookies whose name only contains ours', () => {
    expect(sessionIdFromCookies(undefined)).toBeUndefined();
    expect(sessionIdFromCookies('theme=dark')).toBeUndefined();
    expect(sessionIdFromCookies(`xtollgate_session=${ID}`)).toBeUndefined();
    expect(sessionIdFromCookies(`tollgate_session_old=${ID}`)).toBeUndefined();
    expect(sessionIdFromCookies(`tollgate_session=${ID}x`)).toBeUndefined();
    expect(sessionIdFromCookies(`tollgate_session=${ID.slice(1)}`)).toBeUndefined();
    expect(sessionIdFromCookies(`tollgate_session=${ID.slice(1)}%`)).toBeUndefined();
    expect(sessionIdFromCookies('tollgate_session')).toBeUndefined();
  });

  it('should take the first well-formed value when the name repeats', () => {
    const other = 'B'.repeat(43);
    expect(sessionIdFromCookies(`tollgate_session=bad; tollgate_session=${ID}; tollgate_session=${other}`)).toBe(ID);
  });

  it('should tell whether the session cookie is presented at all', () => {
    expect(hasSessionCookie(`tollgate_session=garbage`)).toBe(true);
    expect(hasSessionCookie(`a=1; tollgate_session=`)).toBe(true);
    expect(hasSessionCookie(`xtollgate_session=1`)).toBe(false);
    expect(hasSessionCookie(undefined)).toBe(false);
  });

  it('should set HttpOnly, SameSite=Strict, Path=/ and Secure only over TLS', () => {
    expect(sessionCookie(ID, false)).toBe(`tollgate_session=${ID}; Path=/; HttpOnly; SameSite=Strict`);
    expect(sessionCookie(ID, true)).toBe(`tollgate_session=${ID}; Path=/; HttpOnly; SameSite=Strict; Secure`);
    expect(clearedSessionCookie(false)).toMatch(/^tollgate_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0; /);
  });
});
