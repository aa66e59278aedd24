/** The Admin UI session cookie. Its value is the session id (32 random bytes, base64url); only its hash is stored. */
export const SESSION_COOKIE = 'tollgate_session';

/** 32 bytes in unpadded base64url: anything else in the cookie is not one of our ids and is ignored unread. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The session id a `Cookie` header carries, or undefined. Parsed by hand (RFC 6265 §5.4 pairs separated by `;`)
 * rather than with a cookie library: only one name is wanted and only one value shape is accepted, so malformed
 * pairs, other cookies, quoting and percent-encoding need no interpretation. With the name repeated (a cookie set
 * for a narrower path, or one planted by a sibling domain) no value is trusted: the first well-formed one is used,
 * and a wrong one simply finds no session.
 */
export function sessionIdFromCookies(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join(';') : header;
  // Cheap exit for the common case of a request with other cookies only.
  if (!text.includes(SESSION_COOKIE)) return undefined;
  for (const pair of text.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (SESSION_ID.test(value)) return value;
  }
  return undefined;
}

/** Whether a `Cookie` header names the session cookie at all (well-formed or not). */
export function hasSessionCookie(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(';') : header;
  return text.includes(SESSION_COOKIE) && text.split(';').some((pair) => pair.split('=', 1)[0].trim() === SESSION_COOKIE);
}

/**
 * `Set-Cookie` for a new session: HttpOnly (scripts never read it), SameSite=Strict (no other site's page sends
 * it), Path=/ (every API route), Secure when the request came over TLS. No Max-Age: the browser drops it when it
 * closes, and the server ends it at the idle or absolute timeout anyway.
 */
export function sessionCookie(sessionId: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` that removes the session cookie (logout, or a cookie naming no live session). */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${secure ? '; Secure' : ''}`;
}
