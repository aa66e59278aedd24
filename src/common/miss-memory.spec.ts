import { MissMemory } from './miss-memory';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('MissMemory', () => {
  it('should trust a miss for its TTL, then send the caller back to the database', () => {
    const misses = new MissMemory({ ttlMs: 100 });
    misses.remember('alice', 1_000);
    expect(misses.isKnown('alice', 1_099)).toBe(true);
    expect(misses.isKnown('alice', 1_100)).toBe(false);
    expect(misses.isKnown('bob', 1_000)).toBe(false);
  });

  it('should hold an expired miss through a database outage, and re-arm it for another TTL', () => {
    const misses = new MissMemory({ ttlMs: 100 });
    misses.remember('alice', 1_000);
    expect(misses.isKnown('alice', 2_000)).toBe(false);
    expect(misses.heldThroughOutage('alice', refused, 2_000)).toBe(true);
    expect(misses.isKnown('alice', 2_050)).toBe(true);
  });

  it('should not invent a miss for an id it never saw, nor hide a failure that is not an outage', () => {
    const misses = new MissMemory({ ttlMs: 100 });
    expect(misses.heldThroughOutage('bob', refused, 1_000)).toBe(false);
    misses.remember('alice', 1_000);
    expect(misses.heldThroughOutage('alice', new Error('column "x" does not exist'), 2_000)).toBe(false);
    misses.forget('alice');
    expect(misses.heldThroughOutage('alice', refused, 2_000)).toBe(false);
  });

  it('should drop the oldest misses beyond its bound', () => {
    const misses = new MissMemory({ ttlMs: 100, maxEntries: 2 });
    misses.remember('a', 0);
    misses.remember('b', 0);
    misses.remember('c', 0);
    expect(['a', 'b', 'c'].map((id) => misses.isKnown(id, 1))).toEqual([false, true, true]);
    expect(misses.heldThroughOutage('a', refused, 1)).toBe(false);
  });
});
