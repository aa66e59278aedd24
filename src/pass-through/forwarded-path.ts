import { DomainError } from '../common/errors/domain-error';

/** A pass-through sub-path that would leave the target's path, or that a target could read as doing so. */
export class UnsafeForwardedPathError extends DomainError {
  constructor(reason: string) {
    // The path itself is not echoed: it is caller input, and the reason is enough to fix a legitimate client.
    super('GW_BAD_REQUEST', `Rejected Request: the pass-through sub-path is not allowed (${reason}).`, {
      status: 400,
      type: 'invalid_request_error',
      param: 'path',
    });
  }
}

/** What a pass-through endpoint contributes to the forwarded URL (a subset of its config). */
export interface ForwardedEndpoint {
  /** Where clients call it, e.g. `/pt` (with or without the leading slash). */
  readonly path: string;
  /** The configured target URL, e.g. `http://127.0.0.1:18080/v1`. */
  readonly target: string;
  readonly include_subpath?: boolean;
}

/** Levels of percent-decoding a target might apply on its own; each is checked for dot segments and separators. */
const DECODING_LEVELS_CHECKED = 4;
/** C0 controls, DEL and C1 controls: no HTTP path needs them, and NUL truncates paths in C-based servers. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
/** Characters a path segment may carry unencoded (RFC 3986 pchar: unreserved, sub-delims, ':' and '@'). */
const PCHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

/**
 * The URL a pass-through call is forwarded to: the configured target's origin and path, then, with
 * `include_subpath`, the caller's sub-path (the part of its request path after the endpoint's `path`), then the
 * caller's query. The sub-path is taken from the raw request line, decoded exactly once, normalised (`.` and `..`
 * resolved inside the sub-path), and re-encoded segment by segment, so the target receives a path that is under its
 * configured path as any server reads it.
 * @throws UnsafeForwardedPathError (400) for a sub-path that climbs above the target's path, or that carries what
 *   a server could decode or normalise into such a climb: encoded separators next to dot segments, double-encoded
 *   or Unicode look-alike dots, backslashes, `..;` path parameters, empty segments, control characters (NUL),
 *   malformed or overlong UTF-8.
 */
export function forwardedUrl(endpoint: ForwardedEndpoint, rawRequestUrl: string): string {
  const target = new URL(endpoint.target);
  const queryAt = rawRequestUrl.indexOf('?');
  const rawPath = queryAt >= 0 ? rawRequestUrl.slice(0, queryAt) : rawRequestUrl;
  if (endpoint.include_subpath) {
    const segments = subpathSegments(rawSubpathOf(rawPath, endpoint.path));
    if (segments.length > 0) target.pathname = underTargetPath(target.pathname, segments);
  }
  target.search = queryAt >= 0 ? rawRequestUrl.slice(queryAt) : '';
  return target.toString();
}

/**
 * The sub-path of a raw request path, as sent (still percent-encoded), e.g. `/a/b` for `/pt/a/b` under `/pt`.
 * The router matched the endpoint on a decoded path; a raw path that does not spell the endpoint's path literally
 * (`/p%74/…`) is refused rather than guessed at.
 */
export function rawSubpathOf(rawPath: string, endpointPath: string): string {
  const mount = (endpointPath.startsWith('/') ? endpointPath : `/${endpointPath}`).replace(/\/+$/, '');
  if (rawPath === mount) return '';
  if (!rawPath.startsWith(`${mount}/`)) throw new UnsafeForwardedPathError('the path must spell the endpoint path unencoded');
  return rawPath.slice(mount.length);
}

/**
 * Decodes and normalises a raw sub-path (`/a/./b/../c/`) into its segments (`['c', '']`; a trailing '' keeps the
 * trailing slash). A `..` may undo a segment of the sub-path, never one of the target's path.
 * @throws UnsafeForwardedPathError
 */
export function subpathSegments(rawSubpath: string): string[] {
  if (rawSubpath === '' || rawSubpath === '/') return [];
  if (rawSubpath.includes('\\')) throw new UnsafeForwardedPathError('backslashes are not allowed');
  const raw = rawSubpath.slice(1).split('/');
  const segments: string[] = [];
  raw.forEach((encoded, index) => {
    const isLast = index === raw.length - 1;
    if (encoded === '') {
      // A trailing slash is kept; an empty segment elsewhere (`//`) is read differently by different servers.
      if (isLast) segments.push('');
      else throw new UnsafeForwardedPathError('empty path segments are not allowed');
      return;
    }
    const segment = decodeOnce(encoded);
    if (segment === '.' || segment === '..') {
      if (segment === '..' && segments.length === 0) throw new UnsafeForwardedPathError('it climbs above the target path');
      if (segment === '..') segments.pop();
      if (isLast) segments.push('');
      return;
    }
    assertInertSegment(segment);
    segments.push(segment);
  });
  return segments;
}

/** The target's path with the segments appended, each percent-encoded so it stays one segment. */
function underTargetPath(targetPath: string, segments: readonly string[]): string {
  const base = targetPath.replace(/\/+$/, '');
  return `${base}/${segments.map(encodeSegment).join('/')}`;
}

/** One `decodeURIComponent`; malformed escapes and invalid UTF-8 (overlong `%C0%AE`, lone surrogates) are refused. */
function decodeOnce(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new UnsafeForwardedPathError('it is not valid percent-encoded UTF-8');
  }
}

/**
 * A decoded segment is forwarded as data; it is refused when a target that decodes again, normalises Unicode
 * (NFKC turns `．` and `‥` into dots), splits on `\` or on an encoded `/`, or drops a `;` parameter could find a dot
 * segment in it, and when it carries control characters.
 */
function assertInertSegment(segment: string): void {
  let level = segment;
  for (let depth = 0; depth < DECODING_LEVELS_CHECKED; depth++) {
    if (CONTROL_CHARACTER.test(level)) throw new UnsafeForwardedPathError('control characters are not allowed');
    for (const spelling of [level, level.normalize('NFKC')]) {
      if (hasDotPart(spelling)) throw new UnsafeForwardedPathError('it holds an encoded or look-alike dot segment');
    }
    const next = decodeQuietly(level);
    if (next === level) return;
    level = next;
  }
  throw new UnsafeForwardedPathError('it is encoded too many times');
}

/** Whether any part between `/`, `\` (and before a `;` parameter) is `.` or `..`. */
function hasDotPart(text: string): boolean {
  return text.split(/[/\\]/).some((part) => {
    const name = part.split(';')[0];
    return name === '.' || name === '..';
  });
}

/** Decodes what decodes, leaves the rest (a second decoding only probes what a lenient target would see). */
function decodeQuietly(text: string): string {
  return text.replace(/(%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function encodeSegment(segment: string): string {
  let encoded = '';
  for (const character of segment) encoded += PCHAR.test(character) ? character : encodeURIComponent(character);
  return encoded;
}
