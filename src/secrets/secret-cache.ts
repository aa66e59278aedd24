import { Logger } from '@nestjs/common';
import type { SecretManager } from './secret-manager';
import { describeFailure, SecretManagerError, SecretUnavailableError } from './secrets.errors';

export interface SecretCacheOptions {
  refreshIntervalMs: number;
  ttlMs: number;
  /** Injected by tests to move time. */
  now?: () => number;
}

interface CachedValue {
  value: string;
  fetchedAt: number;
}

/**
 * Manager-held values, read once at boot and re-read in the background every refresh interval, so the request
 * path reads them synchronously and a rotated secret is picked up without a restart. While the manager is
 * unreachable the last value keeps serving until it is `ttlMs` old; after that `current()` throws instead of
 * handing out a stale or empty key.
 */
export class SecretCache {
  private readonly logger = new Logger('Secrets');
  private readonly values = new Map<string, CachedValue>();
  private readonly failures = new Map<string, string>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly manager: SecretManager,
    private readonly options: SecretCacheOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get system(): string {
    return this.manager.system;
  }

  /**
   * Reads `name` from the manager now and caches it.
   * @throws SecretManagerError when the manager fails, holds no such secret, or holds an empty one.
   */
  load(name: string): Promise<string> {
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const reading = this.fetch(name).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, reading);
    return reading;
  }

  /**
   * The cached value of `name`.
   * @throws SecretUnavailableError when it was never read or has outlived its TTL.
   */
  current(name: string): string {
    const cached = this.values.get(name);
    if (!cached) throw new SecretUnavailableError(name, this.manager.system, 'it was never read');
    if (this.now() - cached.fetchedAt >= this.options.ttlMs) {
      const failure = this.failures.get(name);
      throw new SecretUnavailableError(name, this.manager.system, `the cached value expired${failure ? ` and the manager does not answer (${failure})` : ''}`);
    }
    return cached.value;
  }

  /** Re-reads every cached name; a failure keeps the old value (until its TTL) and is logged by name only. */
  async refresh(): Promise<void> {
    await Promise.all([...this.values.keys()].map((name) => this.refreshOne(name)));
  }

  /**
   * Starts the background refresh (the timer never keeps the process alive), first re-reading values that
   * went stale while the app was being built.
   */
  async start(): Promise<void> {
    if (this.timer || this.values.size === 0) return;
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
    this.timer.unref();
    const stale = [...this.values].filter(([, cached]) => this.now() - cached.fetchedAt >= this.options.refreshIntervalMs);
    await Promise.all(stale.map(([name]) => this.refreshOne(name)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async fetch(name: string): Promise<string> {
    let value: string | undefined;
    try {
      value = await this.manager.read(name);
    } catch (error) {
      throw new SecretManagerError(describeFailure(error));
    }
    if (value === undefined) throw new SecretManagerError('no such secret');
    // An empty key upstream reads as "no auth" to some servers; refuse it like a missing one.
    if (value === '') throw new SecretManagerError('the secret is empty');
    this.values.set(name, { value, fetchedAt: this.now() });
    this.failures.delete(name);
    return value;
  }

  private async refreshOne(name: string): Promise<void> {
    try {
      await this.load(name);
    } catch (error) {
      const failure = describeFailure(error);
      this.failures.set(name, failure);
      const cached = this.values.get(name);
      const until = cached ? new Date(cached.fetchedAt + this.options.ttlMs).toISOString() : 'now';
      this.logger.warn(`refreshing secret ${name} from ${this.manager.system} failed (${failure}); the cached value serves until ${until}`);
    }
  }
}
