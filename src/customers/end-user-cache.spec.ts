import { EndUserCache } from './end-user-cache';
import type { EndUserRecord } from './end-user';

const record = (userId: string, budgetId: string | null = null): EndUserRecord => ({ userId, budget: budgetId ? { budgetId } : null }) as EndUserRecord;

describe(EndUserCache.name, () => {
  it('should remember misses briefly and forget them when the end user is stored', () => {
    const sut = new EndUserCache({ missTtlMs: 1000 });
    sut.rememberMiss('u1', 0);
    expect(sut.isKnownMiss('u1', 999)).toBe(true);
    expect(sut.isKnownMiss('u1', 1000)).toBe(false);
    sut.rememberMiss('u2', 0);
    sut.put('u2', record('u2'));
    expect(sut.isKnownMiss('u2', 1)).toBe(false);
    sut.rememberMiss('u3', 0);
    sut.forgetMiss('u3');
    expect(sut.isKnownMiss('u3', 1)).toBe(false);
  });

  it('should bound misses and records, dropping the least recently used record', () => {
    const sut = new EndUserCache({ maxMisses: 2, maxRecords: 2 });
    sut.rememberMiss('a', 0);
    sut.rememberMiss('b', 0);
    sut.rememberMiss('c', 0);
    expect(sut.isKnownMiss('a', 1)).toBe(false);
    expect(sut.isKnownMiss('c', 1)).toBe(true);
    sut.adopt('x', record('x'));
    sut.adopt('y', record('y'));
    sut.get('x');
    sut.adopt('z', record('z'));
    expect(sut.size).toBe(2);
    expect(sut.get('y')).toBeUndefined();
    expect(sut.get('x')).toBeDefined();
  });

  it('should move the epoch on mutations but not on reads adopted from the database', () => {
    const sut = new EndUserCache();
    const start = sut.epoch;
    sut.adopt('a', record('a'));
    expect(sut.epoch).toBe(start);
    sut.put('a', record('a'));
    sut.evict('a');
    sut.touch();
    expect(sut.epoch).toBe(start + 3);
    expect(sut.get('a')).toBeUndefined();
  });

  it('should find the cached end users of a budget', () => {
    const sut = new EndUserCache();
    sut.adopt('a', record('a', 'free'));
    sut.adopt('b', record('b', 'paid'));
    sut.adopt('c', record('c', 'free'));
    sut.adopt('d', record('d'));
    expect(sut.withBudget('free').map((r) => r.userId)).toEqual(['a', 'c']);
  });
});
