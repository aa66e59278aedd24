import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { startBuiltGateway, type BuiltGateway } from './support/built-gateway';
import { freshStorage } from './support/gateway-harness';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';
import { NO_REDIS_MESSAGE, redisServerAvailable, startRedisServer, type TestRedis } from './support/redis-server';

/**
 * Many instances on one PostgreSQL server and one Redis: three built gateways (child processes) share limits,
 * budgets, router state, revocations and the response cache. Needs a PostgreSQL server (DATABASE_URL, as CI's
 * server run sets it) and Debian's redis-server; skipped, saying so, without them.
 */
const serverUrl = process.env.DATABASE_URL;
const runnable = Boolean(serverUrl) && redisServerAvailable();
if (!runnable) console.warn(serverUrl ? NO_REDIS_MESSAGE : 'the multi-instance suite needs a PostgreSQL server: set DATABASE_URL (.ci/run does); skipped');
const describeMulti = runnable ? describe : describe.skip;

jest.setTimeout(120_000);

const MASTER_KEY = 'sk-multi-master';
/** Only completion tokens cost, and max_tokens caps them: a call's reservation equals its cost. */
const OUTPUT_PRICE = 0.0001;
const COMPLETION_TOKENS = 16;
const CALL_COST = COMPLETION_TOKENS * OUTPUT_PRICE;
const LEASE_SECONDS = 3;

interface CallResult {
  status: number;
  id?: string;
  code?: string;
  message?: string;
  headers: Headers;
}

function config(mock: MockUpstreamProcess, redisUrl: string): string {
  const priced = `api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE}`;
  return `
general_settings:
  master_key: ${MASTER_KEY}
  redis_lease_seconds: ${LEASE_SECONDS}
router_settings:
  redis_url: ${redisUrl}
  num_retries: 1
  allowed_fails: 0
  cooldown_time: 300
litellm_settings:
  cache: true
  cache_params: { type: redis, ttl: 300, mode: default_off }
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, ${priced} }
  - model_name: slow
    litellm_params: { model: openai/slow-2500, ${priced} }
  - model_name: hold
    litellm_params: { model: openai/slow-30000, ${priced} }
  - model_name: duo
    litellm_params: { model: openai/500, ${priced} }
    model_info: { id: duo-bad }
  - model_name: duo
    litellm_params: { model: openai/gpt-4o-mini, ${priced} }
    model_info: { id: duo-good }
`;
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describeMulti('Three instances on one Redis and one PostgreSQL server (e2e)', () => {
  let mock: MockUpstreamProcess;
  let redis: TestRedis;
  let db: Client;
  let databaseUrl: string;
  const dataDirs: string[] = [];
  const gateways: BuiltGateway[] = [];
  let a: BuiltGateway;
  let b: BuiltGateway;
  let c: BuiltGateway;
  const figures: string[] = [];

  async function boot(yaml: string, options: { captureOutput?: boolean } = {}): Promise<BuiltGateway> {
    const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-multi-'));
    dataDirs.push(dataDir);
    const gateway = await startBuiltGateway(yaml, { storage: { dataDir, databaseUrl }, captureOutput: options.captureOutput });
    gateways.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    [mock, redis] = await Promise.all([startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS), '--latency', '20']), startRedisServer({ appendOnly: true })]);
    const storage = await freshStorage();
    rmSync(storage.dataDir, { recursive: true, force: true });
    databaseUrl = storage.databaseUrl!;
    db = new Client({ connectionString: databaseUrl });
    const yaml = config(mock, redis.url);
    // The first runs the migrations; the other two boot beside each other on the migrated database.
    a = await boot(yaml);
    [b, c] = await Promise.all([boot(yaml), boot(yaml)]);
    await db.connect();
  });

  afterAll(async () => {
    if (figures.length > 0) console.log(`multi-instance figures:\n  ${figures.join('\n  ')}`);
    await Promise.all(gateways.map((gateway) => gateway.stop().catch(() => undefined)));
    await db?.end().catch(() => undefined);
    await mock?.close();
    await redis?.discard();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  async function admin<T = Record<string, unknown>>(gateway: BuiltGateway, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${gateway.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async function newKey(params: Record<string, unknown> = {}): Promise<{ key: string; token: string }> {
    const { status, body } = await admin<{ key: string; token_id: string }>(a, '/key/generate', params);
    expect(status).toBe(200);
    return { key: body.key, token: body.token_id };
  }

  async function chat(gateway: BuiltGateway, key: string, model = 'priced', content = 'hello', extra: Record<string, unknown> = {}): Promise<CallResult> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }], max_tokens: COMPLETION_TOKENS, ...extra }),
    });
    const body = (await response.json()) as { id?: string; error?: { code?: string; message?: string } };
    return { status: response.status, id: body.id, code: body.error?.code, message: body.error?.message, headers: response.headers };
  }

  const instances = (): BuiltGateway[] => [a, b, c];

  it('should admit at most one call beyond a budget that covers 10, of 200 concurrent calls over three instances', async () => {
    const { key, token } = await newKey({ max_budget: 10 * CALL_COST });
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(instances()[i % 3], key, 'priced', `budget ${i}`)));
    const admitted = results.filter((result) => result.status === 200);
    const refused = results.filter((result) => result.status === 400 && /Budget has been exceeded/.test(result.message ?? ''));
    const others = results.filter((result) => result.status !== 200 && !refused.includes(result)).map((result) => `${result.status} ${result.message ?? ''}`);
    figures.push(
      `budget covering 10 calls, 200 concurrent over 3 instances: ${admitted.length} admitted, ${refused.length} refused${others.length ? `, others: ${others.slice(0, 3).join(' | ')}` : ''}`,
    );
    expect(admitted.length).toBeGreaterThanOrEqual(10);
    expect(admitted.length).toBeLessThanOrEqual(11);
    expect(admitted.length + refused.length).toBe(200);
    const [row] = (await db.query(`SELECT "spend"::float8 AS spend FROM "tollgate_virtual_keys" WHERE "token" = $1`, [token])).rows as { spend: number }[];
    expect(row.spend).toBeLessThanOrEqual(11 * CALL_COST + 1e-12);
  });

  it('should admit exactly rpm_limit 10 in a minute window across three instances, and hold max_parallel_requests 4', async () => {
    // Not across a minute boundary: the window is a fixed minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await sleep(61_000 - intoMinute);
    const { key } = await newKey({ rpm_limit: 10 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => chat(instances()[i % 3], key, 'priced', `rpm ${i}`)));
    const admitted = results.filter((result) => result.status === 200).length;
    figures.push(`rpm_limit 10, 30 calls over 3 instances in one minute: ${admitted} admitted`);
    expect(admitted).toBe(10);
    expect(results.filter((result) => result.status === 429)).toHaveLength(20);

    const parallel = await newKey({ max_parallel_requests: 4 });
    const slow = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(instances()[i % 3], parallel.key, 'slow', `parallel ${i}`)));
    const inParallel = slow.filter((result) => result.status === 200).length;
    figures.push(`max_parallel_requests 4, 20 concurrent 2.5 s calls over 3 instances: ${inParallel} admitted`);
    expect(inParallel).toBe(4);
    expect(slow.filter((result) => result.status === 429 && /Max parallel request limit reached/.test(result.message ?? ''))).toHaveLength(16);
  });

  it('should refuse a key blocked, deleted or regenerated on A on B and C within 1 s', async () => {
    const samples: number[] = [];
    const fromAck: number[] = [];
    const refusedBy = async (gateway: BuiltGateway, key: string, deadline: number): Promise<number> => {
      while (performance.now() < deadline) {
        const response = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
        await response.arrayBuffer();
        if (response.status === 401 || response.status === 403 || response.status === 400) return performance.now();
      }
      return Number.POSITIVE_INFINITY;
    };
    const operations: [string, (key: string) => Promise<{ status: number }>][] = [
      ['block', (key) => admin(a, '/key/block', { key })],
      ['delete', (key) => admin(a, '/key/delete', { keys: [key] })],
      ['regenerate', (key) => admin(a, '/key/regenerate', { key })],
    ];
    for (const [name, revoke] of operations) {
      for (let trial = 0; trial < 10; trial++) {
        const { key } = await newKey();
        // Warm: B and C hold the key in their caches.
        for (const gateway of [b, c]) expect((await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
        const started = performance.now();
        const result = await revoke(key);
        const acknowledged = performance.now();
        expect([name, result.status]).toEqual([name, 200]);
        const refused = await Promise.all([b, c].map((gateway) => refusedBy(gateway, key, acknowledged + 2_000)));
        for (const at of refused) {
          samples.push(at - started);
          fromAck.push(Math.max(0, at - acknowledged));
        }
      }
    }
    const p99 = percentile(samples, 0.99);
    figures.push(
      `revocation (block, delete, regenerate ×10 each) on A, refused on B and C: p50 ${percentile(samples, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms ` +
        `from A's request start (p99 ${percentile(fromAck, 0.99).toFixed(1)} ms after A answered), ${samples.length} samples`,
    );
    expect(Math.max(...samples)).toBeLessThan(1_000);
  });

  it('should skip on B a deployment cooled down on A', async () => {
    const { key } = await newKey();
    // A finds the failing deployment (a retry serves the call) and cools it down for every instance.
    let cooled = false;
    for (let i = 0; i < 20 && !cooled; i++) {
      const result = await chat(a, key, 'duo', `cool ${i}`);
      expect(result.status).toBe(200);
      cooled = result.headers.get('x-litellm-attempted-retries') === '1';
    }
    expect(cooled).toBe(true);
    await mock.reset();
    const onB = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(b, key, 'duo', `after ${i}`)));
    expect(onB.map((result) => [result.status, result.headers.get('x-litellm-model-id'), result.headers.get('x-litellm-attempted-retries')])).toEqual(
      Array.from({ length: 20 }, () => [200, 'duo-good', '0']),
    );
    const upstream = await mock.requests();
    expect(upstream.filter((request) => request.body?.model === '500')).toEqual([]);
  });

  it('should serve a reply cached by A from B', async () => {
    const { key } = await newKey();
    const before = (await mock.stats()).requests;
    const first = await chat(a, key, 'priced', 'shared cache', { cache: { 'use-cache': true } });
    const second = await chat(b, key, 'priced', 'shared cache', { cache: { 'use-cache': true } });
    const third = await chat(c, key, 'priced', 'shared cache', { cache: { 'use-cache': true } });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect((await mock.stats()).requests).toBe(before + 1);
    expect(second.headers.get('x-litellm-cache-key')).toBe(first.headers.get('x-litellm-cache-key'));
    expect(second.headers.get('x-litellm-response-cost')).toBe('0');
    let rows: { cache_hit: boolean; spend: number }[] = [];
    for (let i = 0; i < 50 && rows.length < 3; i++) {
      rows = (
        await db.query(`SELECT "cache_hit", "spend"::float8 AS spend FROM "tollgate_spend_logs" WHERE "request_id" = ANY($1) ORDER BY "start_time"`, [
          [first.id, second.id, third.id],
        ])
      ).rows;
      if (rows.length < 3) await sleep(100);
    }
    expect(rows.map((row) => row.cache_hit)).toEqual([false, true, true]);
    expect(rows[1].spend).toBe(0);
  });

  it('should say so when an instance without Redis shares the database', async () => {
    const alone = await boot(
      config(mock, redis.url)
        .replace(/ {2}redis_url: .*\n/, '')
        .replace(/ {2}cache: true\n {2}cache_params: .*\n/, ''),
      { captureOutput: true },
    );
    const readiness = (await (await fetch(`${alone.url}/health/readiness`)).json()) as { shared_store: string; other_instances: number };
    expect(readiness.shared_store).toBe('memory');
    expect(readiness.other_instances).toBeGreaterThanOrEqual(3);
    expect(alone.output()).toContain('another Tollgate instance uses this database');
    expect(alone.output()).toContain('counted by each instance alone');
    await alone.stop();
  });

  it('should free the slots and reservations of a killed instance within the lease', async () => {
    const { key } = await newKey({ max_parallel_requests: 2, max_budget: 2 * CALL_COST });
    const held = [chat(c, key, 'hold', 'held 1'), chat(c, key, 'hold', 'held 2')];
    for (let i = 0; i < 100 && (await mock.stats()).inFlight < 2; i++) await sleep(50);
    // Both slots and the whole budget are held by C's two calls.
    expect([400, 429]).toContain((await chat(a, key)).status);
    process.kill(c.pid, 'SIGKILL');
    const killedAt = performance.now();
    await Promise.allSettled(held);
    let freedAfter = Number.POSITIVE_INFINITY;
    while (performance.now() - killedAt < (LEASE_SECONDS + 3) * 1000) {
      const result = await chat(a, key, 'priced', `after kill ${performance.now()}`);
      if (result.status === 200) {
        freedAfter = performance.now() - killedAt;
        break;
      }
      expect(result.status === 429 || result.status === 400).toBe(true);
      await sleep(100);
    }
    figures.push(`kill -9 of an instance holding 2 slots and 2 reservations: freed ${freedAfter.toFixed(0)} ms later (lease ${LEASE_SECONDS} s)`);
    // The lease ends at most LEASE after the last renewal before the kill; the rest is the polling call itself.
    expect(freedAfter).toBeLessThanOrEqual(LEASE_SECONDS * 1000 + 1_000);
  });

  it('should refuse calls while Redis is down (fail closed), recover when it is back, and keep one ledger row per admitted call with counters equal to their rows', async () => {
    const { key, token } = await newKey({ max_budget: 1_000 });
    const results: (CallResult & { at: number })[] = [];
    let stopLoad = false;
    const worker = async (gateway: BuiltGateway, id: number): Promise<void> => {
      for (let i = 0; !stopLoad; i++) {
        // When it started: a call admitted just before Redis stopped may finish while it is down.
        const at = performance.now();
        const result = await chat(gateway, key, 'priced', `load ${id}-${i}`).catch((): CallResult => ({ status: 0, headers: new Headers() }));
        results.push({ ...result, at });
      }
    };
    const load = Promise.all([worker(a, 1), worker(a, 2), worker(b, 3), worker(b, 4)]);
    await sleep(1_500);
    await redis.stop();
    const downAt = performance.now();
    await sleep(800);
    const readinessDown = await fetch(`${a.url}/health/readiness`);
    const downBody = (await readinessDown.json()) as { redis: string };
    await sleep(700);
    await redis.restart();
    const upAt = performance.now();
    await sleep(2_500);
    stopLoad = true;
    await load;
    const readinessUp = await fetch(`${a.url}/health/readiness`);

    const during = results.filter((result) => result.at > downAt + 200 && result.at < upAt);
    const after = results.filter((result) => result.at > upAt + 1_500);
    const ok = results.filter((result) => result.status === 200);
    const unavailable = results.filter((result) => result.status === 503);
    figures.push(
      `Redis stopped 1.5 s into load for 1.5 s: ${results.length} calls, ${ok.length} admitted, ${unavailable.length} refused 503 (fail closed), ` +
        `${during.filter((r) => r.status === 200).length} started while down admitted, readiness ${readinessDown.status} then ${readinessUp.status}`,
    );
    expect(results.every((result) => result.status === 200 || result.status === 503)).toBe(true);
    expect(unavailable.every((result) => result.code === '503' && /shared store \(Redis\) is unreachable/.test(result.message ?? ''))).toBe(true);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((result) => result.status === 503)).toBe(true);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((result) => result.status === 200)).toBe(true);
    expect([readinessDown.status, downBody.redis, readinessUp.status]).toEqual([503, 'disconnected', 200]);

    // Every admitted call has exactly one row; the key's counters (database and Redis) equal the sum of its rows.
    const ids = ok.map((result) => result.id!);
    let perId: { request_id: string; n: number }[] = [];
    for (let i = 0; i < 100; i++) {
      perId = (await db.query(`SELECT "request_id", count(*)::int AS n FROM "tollgate_spend_logs" WHERE "request_id" = ANY($1) GROUP BY "request_id"`, [ids])).rows;
      if (perId.length === ids.length) break;
      await sleep(100);
    }
    expect(perId).toHaveLength(ids.length);
    expect(perId.every((row) => row.n === 1)).toBe(true);
    const sums = async (): Promise<{ rows: number; counter: number; live: number }> => {
      const [{ key_id: keyId, spend }] = (await db.query(`SELECT "key_id", "spend"::float8 AS spend FROM "tollgate_virtual_keys" WHERE "token" = $1`, [token])).rows as {
        key_id: string;
        spend: number;
      }[];
      const [{ total }] = (await db.query(`SELECT coalesce(sum("spend"), 0)::float8 AS total FROM "tollgate_spend_logs" WHERE "key_id" = $1`, [keyId])).rows as { total: number }[];
      const info = await admin<{ info: { spend: number } }>(b, `/key/info?key=${key}`);
      return { rows: total, counter: spend, live: info.body.info.spend };
    };
    let totals = await sums();
    for (let i = 0; i < 50 && (Math.abs(totals.rows - totals.counter) > 1e-9 || Math.abs(totals.rows - totals.live) > 1e-9); i++) {
      await sleep(200);
      totals = await sums();
    }
    figures.push(
      `after the outage: ${ids.length} admitted calls, one row each; rows ${totals.rows.toFixed(6)} = database counter ${totals.counter.toFixed(6)} = Redis ${totals.live.toFixed(6)}`,
    );
    expect(totals.rows).toBeCloseTo(ok.length * CALL_COST, 9);
    expect(totals.counter).toBeCloseTo(totals.rows, 9);
    expect(totals.live).toBeCloseTo(totals.rows, 9);
  });
});
