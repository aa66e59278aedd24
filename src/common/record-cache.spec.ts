import { RecordCache } from './record-cache';

describe('RecordCache', () => {
  it('should bump the epoch on mutations but not on adopting a read', () => {
    const cache = new RecordCache<{ spend: number }>();
    const epoch = cache.epoch;
    cache.adopt('a', { spend: 1 });
    expect(cache.epoch).toBe(epoch);
    cache.put('b', { spend: 2 });
    cache.evict('a');
    cache.touch();
    expect(cache.epoch).toBe(epoch + 3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toEqual({ spend: 2 });
  });

  it('should evict by predicate and forget misses', () => {
    const cache = new RecordCache<{ org: string | null }>();
    cache.adopt('t1', { org: 'o1' });
    cache.adopt('t2', { org: 'o2' });
    cache.rememberMiss('t3', 0);
    cache.evictWhere((_, record) => record.org === 'o1');
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('t2')).toBeDefined();
    expect(cache.isKnownMiss('t3', 1)).toBe(false);
  });

  it('should remember misses for their TTL and drop the least recently used beyond maxRecords', () => {
    const cache = new RecordCache<number>({ missTtlMs: 100, maxRecords: 2 });
    cache.rememberMiss('x', 1_000);
    expect(cache.isKnownMiss('x', 1_050)).toBe(true);
    expect(cache.isKnownMiss('x', 1_100)).toBe(false);
    cache.adopt('a', 1);
    cache.adopt('b', 2);
    cache.get('a');
    cache.adopt('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
  });
});
