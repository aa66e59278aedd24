import { Logger } from '@nestjs/common';
import { describeCounterStoreContract } from '../../../test/support/counter-store.contract';
import { NO_REDIS_MESSAGE, redisServerAvailable, startRedisServer, type TestRedis } from '../../../test/support/redis-server';
import type { AdmissionPlan, Hold, RolledBudget } from '../counter-store';
import { SharedStoreUnavailableError } from '../store.errors';
import { RedisConnection } from './redis-connection';
import { RedisCounterStore } from './redis-counter-store';

/** CI sets it to the redis-server .ci/run started; without it the spec starts its own (when the binary exists). */
const sharedUrl = process.env.TOLLGATE_TEST_REDIS_URL;
const runnable = Boolean(sharedUrl) || redisServerAvailable();
if (!runnable) console.warn(NO_REDIS_MESSAGE);
const describeWithRedis = runnable ? describe : describe.skip;

const MINUTE = 60_000;
const START = Date.UTC(2030, 0, 1, 12, 0, 30);

describeWithRedis('RedisCounterStore on a real Redis', () => {
  let server: TestRedis | undefined;
  let url: string;
  const opened: RedisConnection[] = [];

  beforeAll(async () => {
    // The connection logs every reachability change; the assertions below check them instead.
    Logger.overrideLogger(false);
    if (sharedUrl) url = sharedUrl;
    else {
      server = await startRedisServer();
      url = server.url;
    }
  });

  afterAll(async () => {
    await Promise.all(opened.map((connection) => connection.close()));
    await server?.discard();
  });

  async function connect(): Promise<RedisConnection> {
    const connection = new RedisConnection({ url, source: 'test' }, { commandTimeoutMs: 1_000 });
    opened.push(connection);
    await connection.waitUntilReady(5_000);
    return connection;
  }

  /** Leases are not renewed here: the specs play the holder that vanished, and move the clock themselves. */
  function storeOn(connection: RedisConnection, clock: { value: number; now(): number }, keyPrefix: string): RedisCounterStore {
    return new RedisCounterStore(connection, clock, { keyPrefix, renewLeases: false });
  }

  describeCounterStoreContract('RedisCounterStore', async (startMs) => {
    const connection = await connect();
    const clock = { value: startMs, now: () => clock.value };
    // Every test gets its own namespace: the server is shared across tests (and with other suites in CI).
    const store = storeOn(connection, clock, `contract-${process.pid}-${Math.random().toString(36).slice(2)}:`);
    return {
      store,
      advance: (ms) => {
        clock.value += ms;
      },
      close: async () => {
        await store.close();
        await connection.close();
      },
    };
  });

  describe('leases, instances and outages', () => {
    let prefix: string;
    let seq = 0;
    beforeEach(() => {
      prefix = `lease-${process.pid}-${Date.now()}-${seq++}:`;
    });

    it('should free the slots and reservations of a hold whose holder vanished when its lease ends, and renew extends it', async () => {
      const clock = { value: START, now: () => clock.value };
      const store = storeOn(await connect(), clock, prefix);
      await store.seedBudgets([{ key: 'b', spend: 0, resetAt: null }]);
      const plan: AdmissionPlan = {
        checks: [
          { kind: 'budget', key: 'b', windowMs: null, max: 1, amount: 1 },
          { kind: 'slot', key: 'p', limit: 1 },
        ],
        leaseMs: 3_000,
      };
      const kept = await store.admit(plan);
      expect(kept.status).toBe('admitted');
      expect((await store.admit(plan)).status).toBe('refused');
      clock.value += 2_000;
      await store.renew((kept as { hold: Hold }).hold, 3_000);
      clock.value += 2_000;
      // 4 s after admission, but renewed 2 s ago: still held.
      expect((await store.admit(plan)).status).toBe('refused');
      expect(await store.slotsInUse(['p'])).toEqual([1]);
      clock.value += 1_001;
      // Nobody released it: the lease gave both back.
      expect(await store.slotsInUse(['p'])).toEqual([0]);
      expect((await store.admit(plan)).status).toBe('admitted');
      await store.close();
    });

    it('should still charge, once, a hold settled after its lease ended', async () => {
      const clock = { value: START, now: () => clock.value };
      const store = storeOn(await connect(), clock, prefix);
      await store.seedBudgets([{ key: 'b', spend: 0, resetAt: null }]);
      const result = await store.admit({ checks: [{ kind: 'budget', key: 'b', windowMs: null, max: 10, amount: 2 }], leaseMs: 1_000 });
      const hold = (result as { hold: Hold }).hold;
      clock.value += 5_000;
      const charge = { charges: [{ key: 'b', windowMs: null, amount: 0.5 }], windows: [] };
      expect(await store.settle(hold, charge)).toEqual({ spendAfter: [0.5] });
      expect(await store.settle(hold, charge)).toEqual({ spendAfter: null });
      await store.release(hold);
      expect(await store.readBudgets([{ key: 'b', windowMs: null }])).toEqual([{ spend: 0.5, resetAt: null }]);
      await store.close();
    });

    it('should count one budget across instances and report each window roll to exactly one of them', async () => {
      const clock = { value: START, now: () => clock.value };
      const a = storeOn(await connect(), clock, prefix);
      const b = storeOn(await connect(), clock, prefix);
      const rolled: string[] = [];
      a.onBudgetRolled((event: RolledBudget) => rolled.push(`a:${event.previousResetAt}`));
      b.onBudgetRolled((event: RolledBudget) => rolled.push(`b:${event.previousResetAt}`));
      await a.seedBudgets([{ key: 'b', spend: 0, resetAt: START + MINUTE }]);
      await b.seedBudgets([{ key: 'b', spend: 99, resetAt: null }]);
      const check = { kind: 'budget' as const, key: 'b', windowMs: MINUTE, max: 10, amount: 1 };
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).admit({ checks: [check], leaseMs: MINUTE })));
      expect(results.filter((result) => result.status === 'admitted')).toHaveLength(10);
      clock.value += 2 * MINUTE;
      await Promise.all([a.readBudgets([{ key: 'b', windowMs: MINUTE }]), b.readBudgets([{ key: 'b', windowMs: MINUTE }]), a.readBudgets([{ key: 'b', windowMs: MINUTE }])]);
      expect(rolled).toHaveLength(1);
      expect(rolled[0]).toMatch(new RegExp(`^[ab]:${START + MINUTE}$`));
      await a.close();
      await b.close();
    });

    it('should keep renewing the leases of a living instance', async () => {
      const clock = { value: START, now: () => clock.value };
      const store = new RedisCounterStore(await connect(), clock, { keyPrefix: prefix });
      const plan: AdmissionPlan = { checks: [{ kind: 'slot', key: 'p', limit: 1 }], leaseMs: 600 };
      expect((await store.admit(plan)).status).toBe('admitted');
      expect(await store.acquireSlot('d', 1, 600)).toBe(true);
      // The renewer runs every 250 ms on real time and extends from the store clock, which moves on here too.
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        clock.value += 250;
      }
      expect(await store.slotsInUse(['p', 'd'])).toEqual([1, 1]);
      await store.close();
    });

    it('should give a slot taken outside any admission back only once, from the instance that took it', async () => {
      const clock = { value: START, now: () => clock.value };
      const a = storeOn(await connect(), clock, prefix);
      const b = storeOn(await connect(), clock, prefix);
      expect(await a.acquireSlot('d', 2, MINUTE)).toBe(true);
      expect(await b.acquireSlot('d', 2, MINUTE)).toBe(true);
      expect(await a.acquireSlot('d', 2, MINUTE)).toBe(false);
      await b.releaseSlot('d');
      await b.releaseSlot('d');
      expect(await a.slotsInUse(['d'])).toEqual([1]);
      expect(await a.acquireSlot('d', Number.POSITIVE_INFINITY, MINUTE)).toBe(true);
      expect(await a.slotsInUse(['d'])).toEqual([2]);
    });

    it('should keep every key of a plan in one Redis Cluster slot', async () => {
      const connection = await connect();
      const seen: string[][] = [];
      const run = connection.run.bind(connection);
      jest.spyOn(connection, 'run').mockImplementation((script, keys, args) => {
        seen.push([...keys]);
        return run(script, keys, args);
      });
      const store = storeOn(connection, { value: START, now: () => START }, 'tollgate:');
      await store.seedBudgets([
        { key: `key:${prefix}`, spend: 0, resetAt: null },
        { key: `team:${prefix}`, spend: 0, resetAt: null },
      ]);
      await store.admit({
        checks: [
          { kind: 'budget', key: `key:${prefix}`, windowMs: MINUTE, max: 5, amount: 1 },
          { kind: 'budget', key: `team:${prefix}`, windowMs: null, max: 5, amount: 1 },
          { kind: 'slot', key: `parallel:key:${prefix}`, limit: 3 },
          { kind: 'rate', key: `rpm:key:${prefix}`, windowMs: MINUTE, limit: 3, cost: 1 },
        ],
        leaseMs: MINUTE,
      });
      const keys = seen.flat();
      expect(keys.length).toBeGreaterThan(8);
      // Redis Cluster hashes only a key's first {hash tag}: one tag for all keys is one slot.
      expect(new Set(keys.map(hashTagOf))).toEqual(new Set(['counters']));
    });

    describe('when Redis goes away', () => {
      let own: TestRedis;
      beforeAll(async () => {
        if (!redisServerAvailable()) return;
        own = await startRedisServer({ appendOnly: true });
      });
      afterAll(async () => {
        await own?.discard();
      });

      (redisServerAvailable() ? it : it.skip)('should refuse admissions, keep settlements and apply each once when Redis is back', async () => {
        const connection = new RedisConnection({ url: own.url, source: 'test' }, { commandTimeoutMs: 500 });
        opened.push(connection);
        await connection.waitUntilReady(5_000);
        const health: boolean[] = [];
        connection.onHealthChange((healthy) => health.push(healthy));
        const clock = { value: START, now: () => clock.value };
        const store = storeOn(connection, clock, prefix);
        await store.seedBudgets([{ key: 'b', spend: 1, resetAt: null }]);
        const plan: AdmissionPlan = { checks: [{ kind: 'budget', key: 'b', windowMs: null, max: 10, amount: 2 }], leaseMs: MINUTE };
        const hold = ((await store.admit(plan)) as { hold: Hold }).hold;

        await own.stop();
        await expect(store.admit(plan)).rejects.toBeInstanceOf(SharedStoreUnavailableError);
        expect(store.healthy).toBe(false);
        expect(await store.settle(hold, { charges: [{ key: 'b', windowMs: null, amount: 0.75 }], windows: [] })).toEqual({ spendAfter: null });
        expect(store.pendingCount).toBe(1);

        await own.restart();
        await connection.waitUntilReady(10_000);
        for (let i = 0; i < 50 && store.pendingCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(store.pendingCount).toBe(0);
        expect(await store.readBudgets([{ key: 'b', windowMs: null }])).toEqual([{ spend: 1.75, resetAt: null }]);
        // The reservation went back with the settlement: 8.25 of headroom.
        expect((await store.admit({ checks: [{ kind: 'budget', key: 'b', windowMs: null, max: 10, amount: 8 }], leaseMs: MINUTE })).status).toBe('admitted');
        expect(health).toEqual([false, true]);
        await store.close();
      });
    });
  });
});

function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}
