import { InMemoryCounterStore } from '../store/in-memory-counter-store';
import { LoginThrottle } from './login-throttle';
import { LoginThrottledError } from './sessions.errors';

describe('LoginThrottle', () => {
  let now: number;
  const clock = { now: (): number => now };

  beforeEach(() => {
    now = 1_000 * 60 * 60 * 24 * 365;
  });

  it('should refuse an address after its failures, with retry-after to the end of the window, and let it in again after', async () => {
    const throttle = new LoginThrottle(new InMemoryCounterStore(clock), clock, 3, 60_000);
    for (let i = 0; i < 3; i++) {
      await throttle.assertAllowed('10.0.0.1', `user-${i}`);
      await throttle.recordFailure('10.0.0.1', `user-${i}`);
    }
    now += 15_000;
    const refused = await throttle.assertAllowed('10.0.0.1', 'someone-else').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(LoginThrottledError);
    expect((refused as LoginThrottledError).status).toBe(429);
    expect((refused as LoginThrottledError).headers?.['retry-after']).toBe('45');
    await expect(throttle.assertAllowed('10.0.0.2', 'someone-else')).resolves.toBeUndefined();
    now += 45_000;
    await expect(throttle.assertAllowed('10.0.0.1', 'someone-else')).resolves.toBeUndefined();
  });

  it('should refuse a username guessed at from many addresses, whatever its case', async () => {
    const throttle = new LoginThrottle(new InMemoryCounterStore(clock), clock, 3, 60_000);
    for (let i = 0; i < 3; i++) await throttle.recordFailure(`10.0.1.${i}`, i % 2 ? 'Ada@Example.com' : 'ada@example.com');
    await expect(throttle.assertAllowed('10.9.9.9', 'ada@example.com')).rejects.toBeInstanceOf(LoginThrottledError);
    await expect(throttle.assertAllowed('10.9.9.9', 'grace@example.com')).resolves.toBeUndefined();
  });
});
