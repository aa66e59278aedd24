import { createHash, randomBytes } from 'node:crypto';

const TOKEN_HASH = /^[0-9a-f]{64}$/;

/** A new virtual key as LiteLLM makes them: `sk-` + 16 random bytes, url-safe base64 (22 characters). */
export function newSecretKey(): string {
  return `sk-${randomBytes(16).toString('base64url')}`;
}

/** sha256 hex of a plaintext key: the only form in which a key is stored (LiteLLM's `token`). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Management routes accept a key as plaintext or as its hash. Keys must start with `sk-`, so a 64-hex string
 * can only be a hash; anything else is hashed.
 */
export function toTokenHash(keyOrHash: string): string {
  return TOKEN_HASH.test(keyOrHash) ? keyOrHash : hashKey(keyOrHash);
}

export function isTokenHash(value: string): boolean {
  return TOKEN_HASH.test(value);
}

/** LiteLLM's `key_name`: enough to recognise a key in a list, not enough to use it. */
export function abbreviateKey(key: string): string {
  return `sk-...${key.slice(-4)}`;
}

/** For error texts about a rejected caller-chosen key: never the whole value. */
export function maskKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 4)}****${key.slice(-4)}` : '****';
}
