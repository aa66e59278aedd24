import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'tollgate:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CREDENTIAL_WORD = /(^|_)(key|secret|token|password|credentials?)($|_)/i;
/** Prices and limits named after tokens (`input_cost_per_token`, `max_tokens`) are not credentials. */
const NOT_CREDENTIAL = /cost|^max_|^(tpm|rpm)$/i;

/** `litellm_params` fields that hold credentials: encrypted at rest, never returned by an API. */
export function isCredentialField(name: string): boolean {
  return CREDENTIAL_WORD.test(name) && !NOT_CREDENTIAL.test(name);
}

/**
 * AES-256-GCM for credentials of stored models, keyed by the salt key (`LITELLM_SALT_KEY`, else the
 * master key, as LiteLLM does). GCM authenticates the text, so a wrong key or a tampered value fails
 * loudly instead of yielding garbage credentials.
 */
export class CredentialCipher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(secret).digest();
  }

  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** @throws Error when the value was encrypted with another key or altered. */
  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  /** A copy with every credential field encrypted. */
  encryptParams(params: Record<string, unknown>): Record<string, unknown> {
    return mapCredentials(params, (value) => (value.startsWith(PREFIX) ? value : this.encrypt(value)));
  }

  decryptParams(params: Record<string, unknown>): Record<string, unknown> {
    return mapCredentials(params, (value) => this.decrypt(value));
  }
}

function mapCredentials(params: Record<string, unknown>, map: (value: string) => string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) copy[name] = isCredentialField(name) && typeof value === 'string' ? map(value) : value;
  return copy;
}

/** `litellm_params` as an API may show them: credential fields removed. */
export function withoutCredentials(params: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) if (!isCredentialField(name)) copy[name] = value;
  return copy;
}
