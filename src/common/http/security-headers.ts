/**
 * Headers every response carries. Tollgate serves JSON, SSE and text to programs, never pages to be framed,
 * sniffed or embedded by other sites, so the strictest values cost nothing. `cross-origin-resource-policy`
 * only affects no-cors loads (an `<img>` or `<script>` on another site); CORS API calls are not affected.
 */
const API_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/**
 * Swagger UI is the one HTML page: its scripts and stylesheet come from Tollgate itself, it uses inline
 * styles and data: images, and "Try it out" calls the API on the same origin. Nothing else is allowed.
 */
const DOCS_HEADERS: Readonly<Record<string, string>> = {
  ...API_HEADERS,
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * A server-rendered page without scripts (the model hub): only its own stylesheets, named by hash, an empty
 * data: icon (so browsers do not ask for /favicon.ico) and forms posting back to Tollgate. `styleHashes` are the base64 SHA-256 digests of the page's `<style>` texts.
 */
export function scriptFreePageHeaders(styleHashes: readonly string[]): Readonly<Record<string, string>> {
  const styles = styleHashes.map((hash) => `'sha256-${hash}'`).join(' ');
  return {
    ...API_HEADERS,
    'content-security-policy': `default-src 'none'; style-src ${styles}; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  };
}

/**
 * The security headers for a request URL (path and query); `docsPath` is where the Swagger UI is served
 * (`DOCS_URL`, `/docs` by default), the one place its page and assets get the page policy.
 */
export function securityHeadersFor(url: string, docsPath = '/docs'): Readonly<Record<string, string>> {
  return isUnder(url, docsPath) ? DOCS_HEADERS : API_HEADERS;
}

function isUnder(url: string, path: string): boolean {
  if (!url.startsWith(path)) return false;
  const next = url.charAt(path.length);
  return next === '' || next === '/' || next === '?';
}

/** The headers as raw HTTP lines, for answers written straight to a socket. */
export function securityHeaderLines(): string {
  return Object.entries(API_HEADERS)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
}
