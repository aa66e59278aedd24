import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/** Fetches a JWKS document (the URL is operator config, never request input). */
export type JwksFetcher = (url: string) => Promise<unknown>;

interface CachedKeys {
  keys: Map<string, KeyObject>;
  fetchedAt: number;
}

/**
 * The identity provider's signing keys from `JWT_PUBLIC_KEY_URL`, kept for `public_key_ttl`. A token naming a
 * `kid` the cache does not know triggers a refetch (the provider may have rotated keys), but at most one per
 * cooldown: a flood of tokens with made-up `kid`s costs the provider a handful of requests, not one each.
 */
export class JwksCache {
  private cached?: CachedKeys;
  private inFlight?: Promise<CachedKeys>;
  private lastFetchStarted = 0;
  /** How many times the JWKS was fetched (health and tests). */
  fetches = 0;

  constructor(
    private readonly url: string,
    private readonly ttlMs: number,
    private readonly refetchCooldownMs: number,
    private readonly fetcher: JwksFetcher,
  ) {}

  /**
   * @returns the verification key for `kid` (or the only key when the token names none), or null.
   * @throws when the JWKS cannot be fetched at all.
   */
  async keyFor(kid: string | undefined, now = Date.now()): Promise<KeyObject | null> {
    let current = this.cached;
    if (!current || now - current.fetchedAt > this.ttlMs) current = await this.refresh(now);
    let key = pick(current, kid);
    if (!key && now - this.lastFetchStarted >= this.refetchCooldownMs) {
      current = await this.refresh(now);
      key = pick(current, kid);
    }
    return key;
  }

  private refresh(now: number): Promise<CachedKeys> {
    if (this.inFlight) return this.inFlight;
    this.lastFetchStarted = now;
    this.fetches++;
    this.inFlight = this.fetcher(this.url)
      .then((document) => {
        const fresh = { keys: parseJwks(document), fetchedAt: now };
        this.cached = fresh;
        return fresh;
      })
      .catch((error: unknown) => {
        // A provider hiccup: keep serving with the keys we had, if any.
        if (this.cached) return this.cached;
        throw error;
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}

function pick(cached: CachedKeys, kid: string | undefined): KeyObject | null {
  if (kid !== undefined) return cached.keys.get(kid) ?? null;
  return cached.keys.size === 1 ? [...cached.keys.values()][0] : null;
}

/** Signing keys only (RSA and EC); symmetric keys in a JWKS would let anyone holding the document forge tokens. */
export function parseJwks(document: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('JWKS document has no "keys" array');
  list.forEach((jwk: JsonWebKey & { kid?: string; use?: string }, index) => {
    if (typeof jwk !== 'object' || jwk === null || (jwk.kty !== 'RSA' && jwk.kty !== 'EC')) return;
    if (jwk.use !== undefined && jwk.use !== 'sig') return;
    try {
      keys.set(jwk.kid ?? `#${index}`, createPublicKey({ key: jwk, format: 'jwk' }));
    } catch {
      // A malformed entry is skipped; the others still verify.
    }
  });
  return keys;
}
