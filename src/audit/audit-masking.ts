/** Field names whose string values are credentials wherever they appear in an audited object. */
const SECRET_FIELD =
  /(^|_)(key|api_key|apikey|token|password|passwd|secret|client_secret|master_key|credentials?|private_key|access_key(_id)?|secret_access_key|session_token|authorization)$/i;
/** Fields that are never useful partially: a password's last characters narrow it down, so none are kept. */
const PASSWORD_FIELD = /(^|_)(password|passwd|passphrase)$/i;
/** A sha256 hex digest: key hashes are identifiers, not secrets, and audit queries filter on them. */
const TOKEN_HASH = /^[0-9a-f]{64}$/;
/** Provider and virtual keys recognisable by their prefix, in any field. */
const KEY_PREFIX = /^(sk-|sk_|xox[abpr]-|ghp_|gho_|glpat-|AKIA|ASIA)/;

/** `sk-...abcd`: enough to tell keys apart in a log, not enough to use one. */
export function maskSecret(value: string): string {
  const tail = value.length > 12 ? value.slice(-4) : '';
  const head = value.startsWith('sk-') ? 'sk-' : '';
  return `${head}...${tail}`;
}

/**
 * A copy of `value` with secrets masked: string values of credential-named fields (except key hashes), and
 * strings that look like keys anywhere. Audit rows keep who changed what, never a usable credential.
 */
export function maskSecrets(value: unknown, fieldName = ''): unknown {
  if (typeof value === 'string') {
    if (PASSWORD_FIELD.test(fieldName)) return value === '' ? value : '***';
    if (TOKEN_HASH.test(value)) return value;
    // `sk-...abcd` (a key_name) is already masked.
    if (value.includes('...')) return value;
    if (SECRET_FIELD.test(fieldName) || KEY_PREFIX.test(value)) return value === '' ? value : maskSecret(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, fieldName));
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const masked: Record<string, unknown> = {};
    for (const [name, member] of Object.entries(value as Record<string, unknown>)) masked[name] = maskSecrets(member, name);
    return masked;
  }
  return value;
}

/**
 * What an update changed: the members of `after` whose JSON differs from `before` (nested objects compared
 * whole), so a row says `{"max_budget": 10}` rather than repeating the whole object.
 */
export function changedValues(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(after)) {
    if (JSON.stringify(value ?? null) !== JSON.stringify(before[name] ?? null)) changed[name] = value;
  }
  for (const name of Object.keys(before)) {
    if (!(name in after) && before[name] !== undefined && before[name] !== null) changed[name] = null;
  }
  return changed;
}
