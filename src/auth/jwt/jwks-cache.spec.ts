import { generateKeyPairSync } from 'node:crypto';
import { JwksCache, parseJwks } from './jwks-cache';

function jwk(kid: string): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig' };
}

describe(JwksCache.name, () => {
  const keys = [jwk('a'), jwk('b')];

  it('should cache keys for the TTL and refetch after it', async () => {
    let fetches = 0;
    const cache = new JwksCache('https://idp/jwks', 1_000, 60_000, async () => (fetches++, { keys }));
    expect(await cache.keyFor('a', 0)).not.toBeNull();
    expect(await cache.keyFor('b', 500)).not.toBeNull();
    expect(fetches).toBe(1);
    await cache.keyFor('a', 1_501);
    expect(fetches).toBe(2);
  });

  it('should refetch for an unknown kid at most once per cooldown, even under a flood', async () => {
    let fetches = 0;
    const cache = new JwksCache('https://idp/jwks', 600_000, 30_000, async () => (fetches++, { keys }));
    await cache.keyFor('a', 0);
    fetches = 0;
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => cache.keyFor(`unknown-${i}`, 30_000)));
    expect(results.every((key) => key === null)).toBe(true);
    expect(fetches).toBe(1);
    await cache.keyFor('unknown-again', 40_000);
    expect(fetches).toBe(1);
  });

  it('should keep the keys it has when the provider fails, and fail when it never had any', async () => {
    let up = true;
    const cache = new JwksCache('https://idp/jwks', 1_000, 0, async () => {
      if (!up) throw new Error('provider down');
      return { keys };
    });
    await cache.keyFor('a', 0);
    up = false;
    expect(await cache.keyFor('a', 5_000)).not.toBeNull();
    await expect(new JwksCache('https://idp/jwks', 1_000, 0, async () => Promise.reject(new Error('down'))).keyFor('a')).rejects.toThrow('down');
  });

  it('should keep only asymmetric signing keys', () => {
    const parsed = parseJwks({ keys: [jwk('sig'), { ...jwk('enc'), use: 'enc' }, { kty: 'oct', k: 'c2VjcmV0', kid: 'hmac' }, { kty: 'RSA', kid: 'broken' }] });
    expect([...parsed.keys()]).toEqual(['sig']);
    expect(() => parseJwks({})).toThrow('no "keys" array');
  });
});
