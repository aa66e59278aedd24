import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new session id: 256 random bits, base64url. It lives only in the cookie; the database keeps its hash. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database and the caches know a session by: sha256 of its id, hex. */
export function sessionIdHash(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex');
}

/**
 * The session's CSRF token, derived from its id (domain-separated hash), so it is per session, needs no storage,
 * and reveals nothing of the id. Scripts of the UI read it from the login answer and send it as `x-csrf-token`;
 * another site can neither read it nor guess it.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update('tollgate-ui-csrf\0').update(sessionId).digest('base64url');
}

/** Whether two secrets are equal, in time that depends on neither (both are hashed to one length first). */
export function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
