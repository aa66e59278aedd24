#!/usr/bin/env node
// What does a shared counter store cost per call? Runs the counter-store work of one governed call of a virtual
// key (admission plan: proxy budget, key budget, parallel slot, rpm and tpm windows; then settlement) against the
// in-memory store and against Redis (Debian's redis-server, started here on a free port), one call at a time
// (latency) and 64 at a time (throughput), in this process. Needs the build:
//
//   npm run build && node bench/store-overhead.mjs [--calls 20000]
//
// Prints µs per call (wall time) and the CPU this process spent per call; the Redis server's CPU apart.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => require(join(ROOT, 'dist/src', path));
const { InMemoryCounterStore } = dist('store/in-memory-counter-store.js');
const { RedisCounterStore } = dist('store/redis/redis-counter-store.js');
const { RedisConnection } = dist('store/redis/redis-connection.js');
const { systemClock } = dist('store/counter-store.js');
const { Logger } = require('@nestjs/common');

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' } } });
const CALLS = Number(values.calls);
Logger.overrideLogger(false);

const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The plan a virtual key with a budget, max_parallel_requests, rpm and tpm limits makes (src/limits). */
function planFor(i) {
  const key = `key:bench-${i % 100}`;
  return {
    checks: [
      { kind: 'budget', key: 'global', windowMs: null, max: null, amount: 0.001 },
      { kind: 'budget', key, windowMs: 30 * 86_400_000, max: 1e9, amount: 0.001 },
      { kind: 'slot', key: `parallel:${key}`, limit: 1_000_000 },
      { kind: 'rate', key: `tpm:${key}`, windowMs: 60_000, limit: 1e12, cost: 0 },
      { kind: 'rate', key: `rpm:${key}`, windowMs: 60_000, limit: 1e12, cost: 1 },
    ],
    leaseMs: 600_000,
  };
}

async function oneCall(store, i) {
  const plan = planFor(i);
  let result = await store.admit(plan);
  if (result.status === 'unseeded') {
    await store.seedBudgets(result.keys.map((key) => ({ key, spend: 0, resetAt: null })));
    result = await store.admit(plan);
  }
  if (result.status !== 'admitted') throw new Error(`not admitted: ${JSON.stringify(result)}`);
  const key = plan.checks[1].key;
  await store.settle(result.hold, {
    charges: [
      { key: 'global', windowMs: null, amount: 0.0009 },
      { key, windowMs: 30 * 86_400_000, amount: 0.0009 },
    ],
    windows: [{ key: `tpm:${key}`, windowMs: 60_000, delta: 25 }],
  });
}

async function measure(name, store, redisPid) {
  for (let i = 0; i < 500; i++) await oneCall(store, i); // warm-up, seeds
  const rows = [];
  for (const concurrency of [1, 64]) {
    const cpu0 = process.cpuUsage();
    const redis0 = redisPid ? cpuTicks(redisPid) : 0;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < CALLS) await oneCall(store, next++);
      }),
    );
    const wallUs = (performance.now() - t0) * 1000;
    const cpu = process.cpuUsage(cpu0);
    const redisUs = redisPid ? ((cpuTicks(redisPid) - redis0) * 1e6) / 100 : 0;
    rows.push({
      store: name,
      concurrency,
      usPerCall: wallUs / CALLS,
      callsPerS: CALLS / (wallUs / 1e6),
      gatewayCpuUsPerCall: (cpu.user + cpu.system) / CALLS,
      redisCpuUsPerCall: redisPid ? redisUs / CALLS : null,
    });
  }
  return rows;
}

const memory = new InMemoryCounterStore(systemClock);
const results = await measure('memory', memory, 0);
memory.close();

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'tollgate-store-bench-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
try {
  const connection = new RedisConnection({ url: `redis://127.0.0.1:${port}`, source: 'bench' }, { commandTimeoutMs: 5_000 });
  if (!(await connection.waitUntilReady(10_000))) throw new Error('redis-server did not start');
  const redis = new RedisCounterStore(connection, systemClock, { keyPrefix: 'bench:' });
  results.push(...(await measure('redis', redis, server.pid)));
  await redis.close();
  await connection.close();
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (x, d = 1) => (x === null ? '–' : x.toFixed(d));
console.log(`## Counter store per governed call (admit + settle of a virtual key's plan), ${CALLS} calls, node ${process.version}\n`);
console.log('| store | concurrency | µs per call (wall) | calls/s | gateway CPU µs/call | redis-server CPU µs/call |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const row of results)
  console.log(`| ${row.store} | ${row.concurrency} | ${fmt(row.usPerCall)} | ${fmt(row.callsPerS, 0)} | ${fmt(row.gatewayCpuUsPerCall)} | ${fmt(row.redisCpuUsPerCall)} |`);
process.exit(0);
