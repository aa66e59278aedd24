/** Path segments that are, or may be, credentials: key prefixes, JWTs and long random-looking tokens. */
const CREDENTIAL_PREFIX = /^(?:sk-|sk_|pk-|xox[abpr]-|ghp_|gho_|github_pat_|glpat-|AKIA|ASIA|AIza|Bearer)/i;
const JWT = /^eyJ[\w-]*\.[\w-]*/;
const TOKEN_LIKE = /^(?=.*\d)(?=.*[A-Za-z])[\w-]{32,}$/;
const MAX_LENGTH = 512;

/**
 * A request URL as it may be shown back to a client or written to a log: the path only (a query string carries
 * keys, e.g. `?key=sk-…`), with any segment that could be a credential replaced by `<redacted>`, and capped.
 */
export function printablePath(url: string): string {
  const end = url.search(/[?#]/);
  const path = end < 0 ? url : url.slice(0, end);
  const shown = path
    .split('/')
    .map((segment) => (couldBeSecret(decoded(segment)) ? '<redacted>' : segment))
    .join('/');
  return shown.length > MAX_LENGTH ? `${shown.slice(0, MAX_LENGTH)}…` : shown;
}

function couldBeSecret(segment: string): boolean {
  return CREDENTIAL_PREFIX.test(segment) || JWT.test(segment) || TOKEN_LIKE.test(segment);
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
