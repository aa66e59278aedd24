/** A field name that holds a credential (LiteLLM masks the same family in /config/list and its UI). */
const SECRET_NAME = /(api_?key|master_key|database_url|password|passwd|secret|token|private_key|credential|webhook|authorization|redis_url|dsn)/i;
const URL_WITH_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/i;

export const MASK = '*****';

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A copy of `value` safe to return or audit: every value under a secret-looking key is replaced by a mask (a long key
 * or token keeps its last four characters), and the user:password part of any URL is masked wherever it is.
 */
export function maskSecrets(value: unknown, key = ''): unknown {
  if (key !== '' && isSecretName(key)) return maskValue(value, /key|token/i.test(key));
  if (typeof value === 'string') return value.replace(URL_WITH_CREDENTIALS, `$1${MASK}@`);
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, maskSecrets(item, name)]));
  }
  return value;
}

/** Keys and tokens keep a hint of four characters (which key is set); a password keeps none of its few characters. */
function maskValue(value: unknown, hint: boolean): unknown {
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'string') return hint && value.length >= 16 ? `${MASK}${value.slice(-4)}` : MASK;
  return MASK;
}
