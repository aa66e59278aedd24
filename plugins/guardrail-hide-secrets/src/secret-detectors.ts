/**
 * Secret detectors. Every pattern must run in linear time on any input (a 1 MB prompt, adversarial repeats):
 * each one starts with a lookbehind that lets a match begin only at the start of a maximal run of the characters
 * its first unbounded quantifier consumes, so a run is scanned a bounded number of times, and every other
 * quantifier is bounded. `secret-detectors.spec.ts` measures event-loop delay on such inputs.
 */

/** One finding: `[start, end)` is what gets replaced by `[REDACTED]`. */
export interface SecretSpan {
  readonly start: number;
  readonly end: number;
  /** Detector type, in detect-secrets' wording (e.g. `Secret Keyword`); the only thing ever logged. */
  readonly type: string;
}

interface PatternDetector {
  readonly type: string;
  readonly pattern: RegExp;
  /** Capture group holding the secret; 0 (the whole match) when absent. */
  readonly group?: number;
  /** Extra test on the captured secret, for patterns that would otherwise catch ordinary words. */
  readonly accept?: (secret: string) => boolean;
}

const TOKEN_START = '(?<![A-Za-z0-9_-])';

/** Values that are clearly not secrets: placeholders, references, code expressions. */
const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|<[^>]*>?|\$\{?[A-Za-z_].*|%\(?[A-Za-z_].*|your[_-]?.*|my[_-]?.*|example.*|changeme|none|null|nil|true|false|undefined|required|optional|string|redacted|\[redacted\]|secret|password|token|api[_-]?key|os\.environ.*|process\.env.*|env\(.*|getenv.*)$/i;

/** A keyword-assignment value is taken as a secret only when it looks like one, not like an English word. */
function looksLikeSecretValue(value: string): boolean {
  if (value.length < 6 || PLACEHOLDER.test(value)) return false;
  if (/[()[\]{}]/.test(value)) return false;
  // File paths (private_key_path: /etc/ssl/…) name where a secret lives, not the secret.
  if (/^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(value)) return false;
  // Dotted names (config.password, self.token) are references, not values.
  if (/^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(value)) return false;
  const hasDigit = /\d/.test(value);
  const hasLetter = /[A-Za-z]/.test(value);
  const hasSymbol = /[^A-Za-z0-9]/.test(value);
  const hasMixedCase = /[a-z]/.test(value) && /[A-Z]/.test(value);
  return (hasDigit && hasLetter) || (hasDigit && value.length >= 8) || (hasSymbol && hasLetter && value.length >= 8) || (hasMixedCase && value.length >= 12);
}

const KEYWORD_NAMES =
  'api[_-]?key|apikey|api[_-]?token|access[_-]?key(?:[_-]?id)?|secret[_-]?access[_-]?key|secret[_-]?key|client[_-]?secret|secret|passwd|password|pwd|passphrase|auth[_-]?token|access[_-]?token|refresh[_-]?token|bearer[_-]?token|private[_-]?key|credentials?|token';

const DETECTORS: readonly PatternDetector[] = [
  { type: 'AWS Access Key', pattern: new RegExp(`${TOKEN_START}(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}(?![A-Za-z0-9])`, 'g') },
  { type: 'GitHub Token', pattern: new RegExp(`${TOKEN_START}(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})`, 'g') },
  { type: 'GitLab Token', pattern: new RegExp(`${TOKEN_START}gl(?:pat|ptt|dt|rt|cbt|oas|soat|ft|imt|agent)-[A-Za-z0-9_-]{20,255}`, 'g') },
  { type: 'Slack Token', pattern: new RegExp(`${TOKEN_START}xox[abposre]-[A-Za-z0-9-]{10,255}`, 'g') },
  { type: 'Slack Webhook', pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9_/]{20,200}/g },
  { type: 'Stripe Access Key', pattern: new RegExp(`${TOKEN_START}(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,255}`, 'g') },
  { type: 'Twilio API Key', pattern: new RegExp(`${TOKEN_START}(?:SK|AC)[0-9a-f]{32}(?![A-Za-z0-9])`, 'g') },
  { type: 'SendGrid API Key', pattern: new RegExp(`${TOKEN_START}SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{30,64}`, 'g') },
  { type: 'Anthropic Token', pattern: new RegExp(`${TOKEN_START}sk-ant-[a-z]{2,10}\\d{0,3}-[A-Za-z0-9_-]{20,255}`, 'g') },
  { type: 'OpenAI Token', pattern: new RegExp(`${TOKEN_START}sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,255}`, 'g'), accept: (s) => !s.startsWith('sk-ant-') },
  { type: 'JSON Web Token', pattern: new RegExp(`${TOKEN_START}eyJ[A-Za-z0-9_-]{5,4096}\\.eyJ[A-Za-z0-9_-]{5,8192}\\.[A-Za-z0-9_-]{0,1024}`, 'g') },
  { type: 'Google API Key', pattern: new RegExp(`${TOKEN_START}AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])`, 'g') },
  {
    type: 'Basic Auth Credentials',
    // scheme://user:password@host — only the password is redacted.
    pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/@'"]{1,128}:([^\s@/'"]{1,256})@/g,
    group: 1,
    accept: (password) => !PLACEHOLDER.test(password),
  },
  {
    type: 'Secret Keyword',
    // name = value, name: value, name := value, "name": "value", name => value; only the value is redacted.
    pattern: new RegExp(
      `(?<![A-Za-z0-9])[A-Za-z0-9_-]{0,32}?(?:${KEYWORD_NAMES})[A-Za-z0-9_-]{0,32}["']?[ \\t]{0,8}(?:=|:=|:|=>)[ \\t]{0,8}(?:[bru]?["'\`])?([^\\s"'\`,;]{1,256})`,
      'gi',
    ),
    group: 1,
    accept: looksLikeSecretValue,
  },
  {
    type: 'Authorization Header',
    pattern: /(?<![A-Za-z0-9])(?:Bearer|Basic|Token)[ \t]{1,8}([A-Za-z0-9._~+/=-]{16,1024})/g,
    group: 1,
    accept: (value) => /\d/.test(value) && /[A-Za-z]/.test(value),
  },
];

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

const HIGH_ENTROPY_CANDIDATE = /[A-Za-z0-9+/=_-]{24,}/g;
const MAX_HIGH_ENTROPY_LENGTH = 512;

/**
 * Random-looking tokens (detect-secrets' Base64 High Entropy String): 24–512 characters, upper and lower case and
 * digits, and close to the entropy of random text of that length. Longer runs (embedded files) are not secrets.
 */
function isHighEntropyToken(token: string): boolean {
  if (token.length > MAX_HIGH_ENTROPY_LENGTH) return false;
  // Subresource-integrity digests (package-lock.json, <script integrity>) are public hashes.
  if (/^sha(?:1|256|384|512)-/.test(token)) return false;
  if (!/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/\d/.test(token)) return false;
  // Paths and identifiers split into words are readable, not random.
  if (/[/_-]/.test(token) && token.split(/[/_-]/).every((part) => part.length < 16)) return false;
  const threshold = Math.min(4.5, Math.log2(token.length) - 0.45);
  return shannonEntropy(token) >= threshold;
}

const PRIVATE_KEY_BEGIN = /-----BEGIN[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_END = /-----END[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const MAX_PRIVATE_KEY_CHARS = 16384;

/**
 * Private key blocks, from BEGIN to the next END. Found with two linear passes and a merge rather than one lazy
 * pattern, which would rescan the rest of the text from every BEGIN (quadratic on repeated headers). A BEGIN with no
 * END close enough is redacted alone, so at least the block is marked.
 */
function findPrivateKeys(text: string): SecretSpan[] {
  // Both patterns need this text: one substring search spares two regex scans of nearly every prompt.
  if (!text.includes('PRIVATE KEY')) return [];
  const ends = matches(PRIVATE_KEY_END, text);
  const spans: SecretSpan[] = [];
  let next = 0;
  for (const begin of matches(PRIVATE_KEY_BEGIN, text)) {
    const headerEnd = begin.index + begin[0].length;
    while (next < ends.length && ends[next].index < headerEnd) next++;
    const end = ends[next];
    const close = end !== undefined && end.index + end[0].length - begin.index <= MAX_PRIVATE_KEY_CHARS;
    spans.push({ start: begin.index, end: close ? end.index + end[0].length : headerEnd, type: 'Private Key' });
  }
  return spans;
}

/**
 * Every match of a global pattern, by `exec` on the shared pattern: `String.prototype.matchAll` clones the RegExp
 * and builds an iterator for each call, which costs more than the scan itself on a short prompt.
 */
function matches(pattern: RegExp, text: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    found.push(match);
    // An empty match would not move lastIndex: step over it.
    if (match[0] === '') pattern.lastIndex++;
  }
  return found;
}

/** Finds every secret in `text`; spans may overlap (see {@link mergeSpans}). */
export function findSecrets(text: string, enabled?: ReadonlySet<string>): SecretSpan[] {
  const spans: SecretSpan[] = !enabled || enabled.has('Private Key') ? findPrivateKeys(text) : [];
  for (const detector of DETECTORS) {
    if (enabled && !enabled.has(detector.type)) continue;
    for (const match of matches(detector.pattern, text)) {
      const group = detector.group ?? 0;
      const secret = match[group];
      if (secret === undefined || (detector.accept && !detector.accept(secret))) continue;
      const start = match.index + (group === 0 ? 0 : match[0].lastIndexOf(secret));
      spans.push({ start, end: start + secret.length, type: detector.type });
    }
  }
  if (!enabled || enabled.has('Base64 High Entropy String')) {
    for (const match of matches(HIGH_ENTROPY_CANDIDATE, text)) {
      if (isHighEntropyToken(match[0])) spans.push({ start: match.index, end: match.index + match[0].length, type: 'Base64 High Entropy String' });
    }
  }
  return spans;
}

/** Every detector type name, for the `detectors` config option. */
export const DETECTOR_TYPES: readonly string[] = ['Private Key', ...DETECTORS.map((detector) => detector.type), 'Base64 High Entropy String'];

/** Sorted, non-overlapping spans; the first detector to claim a region names it. */
export function mergeSpans(spans: readonly SecretSpan[]): SecretSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: SecretSpan[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    if (last && span.start < last.end) {
      if (span.end > last.end) merged[merged.length - 1] = { ...last, end: span.end };
      continue;
    }
    merged.push(span);
  }
  return merged;
}

/** Replaces every secret by `replacement`; returns the new text and the detector types that fired. */
export function redactSecrets(text: string, replacement = '[REDACTED]', enabled?: ReadonlySet<string>): { text: string; types: string[] } {
  const spans = mergeSpans(findSecrets(text, enabled));
  if (spans.length === 0) return { text, types: [] };
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + replacement;
    at = span.end;
  }
  out += text.slice(at);
  return { text: out, types: [...new Set(spans.map((span) => span.type))] };
}

// Small enough that one slice through every detector stays a few milliseconds even on a busy machine.
const SLICE_CHARS = 4 * 1024;
const CUT_SEARCH_CHARS = 1024;

/**
 * Where to cut a long text so that no secret is split: at a blank line, else a newline, else a space near each
 * slice boundary. Only a 1 KB stretch without any whitespace is cut hard (no detector matches such a run anyway,
 * except the high-entropy one, which ignores runs over 512 characters). Found one at a time, between the slices'
 * scans, so finding them never blocks for the whole text either.
 */
function* sliceBoundaries(text: string): Generator<number> {
  let at = 0;
  while (text.length - at > SLICE_CHARS) {
    const limit = at + SLICE_CHARS;
    const from = limit - CUT_SEARCH_CHARS;
    let cut = text.lastIndexOf('\n\n', limit);
    if (cut < from) cut = text.lastIndexOf('\n', limit);
    if (cut < from) cut = text.lastIndexOf(' ', limit);
    if (cut < from) cut = limit;
    cut = afterOpenPrivateKey(text, cut);
    yield cut;
    at = cut;
  }
  yield text.length;
}

/** Moves a cut that falls inside a private key block to the end of that block (when it ends within 16 KB). */
function afterOpenPrivateKey(text: string, cut: number): number {
  const before = text.slice(Math.max(0, cut - MAX_PRIVATE_KEY_CHARS), cut);
  if (before.lastIndexOf('-----BEGIN') <= before.lastIndexOf('-----END')) return cut;
  const end = text.slice(cut, cut + MAX_PRIVATE_KEY_CHARS).search(PRIVATE_KEY_END_ONCE);
  if (end < 0) return cut;
  const lineEnd = text.indexOf('\n', cut + end);
  return lineEnd < 0 || lineEnd > cut + MAX_PRIVATE_KEY_CHARS ? cut + end : lineEnd;
}

const PRIVATE_KEY_END_ONCE = /-----END[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----/;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * {@link redactSecrets} for texts of any size: scans 4 KB slices and yields to the event loop between them, so a
 * 1 MB prompt never stalls other requests.
 */
export async function redactSecretsInSlices(text: string, replacement = '[REDACTED]', enabled?: ReadonlySet<string>): Promise<{ text: string; types: string[] }> {
  if (text.length <= SLICE_CHARS) return redactSecrets(text, replacement, enabled);
  const types = new Set<string>();
  let out = '';
  let start = 0;
  for (const end of sliceBoundaries(text)) {
    const slice = redactSecrets(text.slice(start, end), replacement, enabled);
    out += slice.text;
    for (const type of slice.types) types.add(type);
    start = end;
    await nextTurn();
  }
  return { text: out, types: [...types] };
}
