import { KeyCache } from './key-cache';
import type { VirtualKeyRecord } from '../common/access/virtual-key';

const record = (token: string): VirtualKeyRecord => ({ token }) as VirtualKeyRecord;

describe(KeyCache.name, () => {
  let sut: KeyCache;

  beforeEach(() => {
    sut = new KeyCache({ missTtlMs: 1000, maxMisses: 2 });
  });

  it('should remember misses briefly and forget them when a key is stored', () => {
    sut.rememberMiss('t1', 0);
    expect(sut.isKnownMiss('t1', 999)).toBe(true);
    expect(sut.isKnownMiss('t1', 1000)).toBe(false);
    sut.rememberMiss('t2', 0);
    sut.put(record('t2'));
    expect(sut.isKnownMiss('t2', 1)).toBe(false);
    expect(sut.get('t2')).toBeDefined();
  });

  it('should bound the misses it remembers, dropping the oldest', () => {
    sut.rememberMiss('a', 0);
    sut.rememberMiss('b', 0);
    sut.rememberMiss('c', 0);
    expect(sut.isKnownMiss('a', 1)).toBe(false);
    expect(sut.isKnownMiss('c', 1)).toBe(true);
  });

  it('should move a rotated key, keep its old hash in grace or refuse it, and forward spend', () => {
    sut.put(record('old'));
    const epoch = sut.epoch;
    sut.rotate('old', record('new'), null, 0);
    expect(sut.epoch).toBeGreaterThan(epoch);
    expect(sut.get('old')).toBeUndefined();
    expect(sut.isKnownMiss('old', 1)).toBe(true);
    expect(sut.current('old')).toBe('new');

    sut.rotate('new', record('newer'), new Date(5000), 0);
    expect(sut.grace('new')).toEqual({ activeToken: 'newer', revokeAt: new Date(5000) });
    expect(sut.current('old')).toBe('newer');
  });

  it('should point grace entries at the key’s latest hash and drop them with the key', () => {
    sut.put(record('a'));
    sut.rotate('a', record('b'), new Date(5000), 0);
    sut.rotate('b', record('c'), null, 0);
    expect(sut.grace('a')?.activeToken).toBe('c');
    sut.remove('c', 0);
    expect(sut.grace('a')).toBeUndefined();
    expect(sut.get('c')).toBeUndefined();
    expect(sut.isKnownMiss('c', 1)).toBe(true);
  });
});
