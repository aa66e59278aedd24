import { SecretCache } from './secret-cache';
import type { SecretManager } from './secret-manager';
import { SecretManagerError, SecretUnavailableError } from './secrets.errors';

/** An in-memory manager whose availability the test switches. */
class MemoryManager implements SecretManager {
  readonly system = 'hashicorp_vault' as const;
  readonly values = new Map<string, string>();
  reachable = true;
  reads = 0;

  async read(name: string): Promise<string | undefined> {
    this.reads++;
    if (!this.reachable) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return this.values.get(name);
  }

  async write(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }

  async close(): Promise<void> {}
}

describe(SecretCache.name, () => {
  let manager: MemoryManager;
  let now: number;
  let sut: SecretCache;

  beforeEach(() => {
    manager = new MemoryManager();
    manager.values.set('OPENAI_API_KEY', 'sk-v1');
    now = 1_000_000;
    sut = new SecretCache(manager, { refreshIntervalMs: 1000, ttlMs: 5000, now: () => now });
  });

  afterEach(() => sut.stop());

  it('should serve a loaded value synchronously', async () => {
    await sut.load('OPENAI_API_KEY');

    expect(sut.current('OPENAI_API_KEY')).toBe('sk-v1');
  });

  it('should pick up a rotated value on refresh', async () => {
    await sut.load('OPENAI_API_KEY');
    manager.values.set('OPENAI_API_KEY', 'sk-v2');

    await sut.refresh();

    expect(sut.current('OPENAI_API_KEY')).toBe('sk-v2');
  });

  it('should keep serving the cached value while the manager is down, until the TTL', async () => {
    await sut.load('OPENAI_API_KEY');
    manager.reachable = false;

    now += 4999;
    await sut.refresh();
    expect(sut.current('OPENAI_API_KEY')).toBe('sk-v1');

    now += 1;
    expect(() => sut.current('OPENAI_API_KEY')).toThrow(SecretUnavailableError);
    expect(() => sut.current('OPENAI_API_KEY')).toThrow(
      'The secret OPENAI_API_KEY from hashicorp_vault is unavailable: the cached value expired and the manager does not answer (Error ECONNREFUSED)',
    );
  });

  it('should restart the TTL after the manager comes back', async () => {
    await sut.load('OPENAI_API_KEY');
    manager.reachable = false;
    now += 6000;
    manager.reachable = true;

    await sut.refresh();

    expect(sut.current('OPENAI_API_KEY')).toBe('sk-v1');
  });

  it('should refuse a missing or empty secret rather than cache it', async () => {
    manager.values.set('EMPTY', '');

    await expect(sut.load('MISSING')).rejects.toThrow(new SecretManagerError('no such secret'));
    await expect(sut.load('EMPTY')).rejects.toThrow(new SecretManagerError('the secret is empty'));
    expect(() => sut.current('EMPTY')).toThrow('it was never read');
  });

  it('should keep the old value when a rotated secret is emptied', async () => {
    await sut.load('OPENAI_API_KEY');
    manager.values.set('OPENAI_API_KEY', '');

    await sut.refresh();

    expect(sut.current('OPENAI_API_KEY')).toBe('sk-v1');
  });

  it('should share one read between concurrent loads of a name', async () => {
    await Promise.all([sut.load('OPENAI_API_KEY'), sut.load('OPENAI_API_KEY'), sut.load('OPENAI_API_KEY')]);

    expect(manager.reads).toBe(1);
  });

  it('should re-read values gone stale before it started', async () => {
    await sut.load('OPENAI_API_KEY');
    manager.values.set('OPENAI_API_KEY', 'sk-v2');
    now += 1500;

    await sut.start();

    expect(sut.current('OPENAI_API_KEY')).toBe('sk-v2');
  });
});
