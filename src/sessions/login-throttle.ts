import { createHash } from 'node:crypto';
import type { Clock, CounterStore } from '../store/counter-store';
import { LoginThrottledError } from './sessions.errors';

/** Failed logins allowed per client address and per username in one window. */
export const MAX_FAILED_LOGINS = 10;
export const FAILED_LOGIN_WINDOW_MS = 5 * 60_000;

/**
 * Counts failed logins in the shared counter store (Redis with several instances), per client address and per
 * username, in fixed windows: once either reaches the limit, every login for it is refused with 429 until the
 * window ends, the right password included, so guessing cannot continue from many addresses against one user or
 * from one address against many. Fixed windows (the store's `addToWindow`) may let up to twice the limit through
 * across a window boundary; what matters here is the order of magnitude, not the exact count.
 */
export class LoginThrottle {
  constructor(
    private readonly counters: Pick<CounterStore, 'addToWindow' | 'readWindows'>,
    private readonly clock: Clock,
    private readonly limit = MAX_FAILED_LOGINS,
    private readonly windowMs = FAILED_LOGIN_WINDOW_MS,
  ) {}

  /** @throws LoginThrottledError (429, with retry-after) once the address or the username has used up its failures. */
  async assertAllowed(clientIp: string | null, username: string): Promise<void> {
    const counts = await this.counters.readWindows(this.keysOf(clientIp, username), this.windowMs);
    if (counts.some((count) => count >= this.limit)) throw new LoginThrottledError(this.secondsLeft());
  }

  async recordFailure(clientIp: string | null, username: string): Promise<void> {
    await Promise.all(this.keysOf(clientIp, username).map((key) => this.counters.addToWindow(key, this.windowMs, 1)));
  }

  private keysOf(clientIp: string | null, username: string): string[] {
    // Usernames are hashed: what a client typed never becomes a Redis key as it is.
    const user = createHash('sha256').update(username.trim().toLowerCase()).digest('hex').slice(0, 32);
    return [`ui_login_fail:ip:${clientIp ?? 'unknown'}`, `ui_login_fail:user:${user}`];
  }

  private secondsLeft(): number {
    const now = this.clock.now();
    return (Math.floor(now / this.windowMs) * this.windowMs + this.windowMs - now) / 1000;
  }
}
