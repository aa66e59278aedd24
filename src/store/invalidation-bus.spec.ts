import { Logger } from '@nestjs/common';
import { NO_REDIS_MESSAGE, redisServerAvailable, startRedisServer, type TestRedis } from '../../test/support/redis-server';
import { parseEnvelope, type InvalidationBus, type InvalidationPayload } from './invalidation-bus';
import { PostgresInvalidationBus } from './postgres-invalidation-bus';
import { RedisConnection } from './redis/redis-connection';
import { RedisInvalidationBus } from './redis/redis-invalidation-bus';

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Two instances on one bus: what one publishes reaches the other, never itself; a reconnection resyncs. */
interface OpenBuses {
  a: InvalidationBus;
  b: InvalidationBus;
  /** Drops the bus' connections and lets them come back. */
  interrupt?: () => Promise<void>;
  close(): Promise<void>;
}

function describeBus(name: string, open: () => Promise<OpenBuses>): void {
  describe(name, () => {
    let a: InvalidationBus;
    let b: InvalidationBus;
    let interrupt: (() => Promise<void>) | undefined;
    let close: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      Logger.overrideLogger(false);
      ({ a, b, interrupt, close } = await open());
    });

    afterAll(async () => {
      await close?.();
    });

    it('should deliver to the other instance only, per topic', async () => {
      const atA: InvalidationPayload[] = [];
      const atB: InvalidationPayload[] = [];
      const otherTopic: InvalidationPayload[] = [];
      a.subscribe('keys', (payload) => atA.push(payload));
      b.subscribe('keys', (payload) => atB.push(payload));
      b.subscribe('teams', (payload) => otherTopic.push(payload));
      a.publish('keys', { tokens: ['t1', 't2'] });
      await until(() => atB.length === 1);
      expect(atB).toEqual([{ tokens: ['t1', 't2'] }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(atA).toEqual([]);
      expect(otherTopic).toEqual([]);
    });

    it('should carry long id lists', async () => {
      const got: string[] = [];
      b.subscribe('customers', (payload) => got.push(...(payload.endUsers ?? [])));
      const ids = Array.from({ length: 2_000 }, (_, i) => `end-user-${i}`);
      a.publish('customers', { endUsers: ids });
      await until(() => got.length === ids.length);
      expect(got).toEqual(ids);
    });

    it('should tell its caches to start over after its connection came back', async () => {
      if (!interrupt) return;
      let resyncs = 0;
      b.onResync(() => resyncs++);
      await interrupt();
      await until(() => resyncs > 0, 30_000);
      const got: InvalidationPayload[] = [];
      b.subscribe('models', (payload) => got.push(payload));
      a.publish('models', {});
      await until(() => got.length === 1);
    });
  });
}

describe('InvalidationBus', () => {
  it('should drop anything on the wire that is not a well-formed envelope', () => {
    expect(parseEnvelope('{"o":"x","t":"keys","p":{"tokens":["a"]}}')).toEqual({ o: 'x', t: 'keys', p: { tokens: ['a'] } });
    for (const bad of ['not json', '{"o":1,"t":"keys","p":{}}', '{"o":"x","t":"keys","p":{"tokens":[1]}}', '{"o":"x","t":"keys","p":[]}'])
      expect(parseEnvelope(bad)).toBeUndefined();
  });

  if (redisServerAvailable()) {
    let server: TestRedis;
    afterAll(async () => {
      await server?.discard();
    });
    describeBus('on Redis pub/sub', async () => {
      server = await startRedisServer();
      const connect = async (): Promise<RedisConnection> => {
        const connection = new RedisConnection({ url: server.url, source: 'test' }, { commandTimeoutMs: 2_000 });
        await connection.waitUntilReady(5_000);
        return connection;
      };
      const [ca, cb] = [await connect(), await connect()];
      const a = new RedisInvalidationBus(ca, 'bus-test:');
      const b = new RedisInvalidationBus(cb, 'bus-test:');
      await Promise.all([a.start(5_000), b.start(5_000)]);
      return {
        a,
        b,
        interrupt: async () => {
          await server.stop();
          await server.restart();
          // A message published before the publisher's own connection is back is lost by design (resync covers it).
          await until(() => ca.healthy && cb.healthy, 30_000);
        },
        close: async () => {
          await Promise.all([a.close(), b.close()]);
          await Promise.all([ca.close(), cb.close()]);
        },
      };
    });
  } else {
    console.warn(NO_REDIS_MESSAGE);
  }

  // CI's server run sets DATABASE_URL; the embedded engine has no LISTEN/NOTIFY for a second process to hear.
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) {
    describeBus('on PostgreSQL LISTEN/NOTIFY', async () => {
      const a = new PostgresInvalidationBus(databaseUrl);
      const b = new PostgresInvalidationBus(databaseUrl);
      await Promise.all([a.start(), b.start()]);
      return { a, b, close: async () => void (await Promise.all([a.close(), b.close()])) };
    });
  }
});
