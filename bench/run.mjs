#!/usr/bin/env node
// Tollgate benchmark: what does the gateway add on top of an OpenAI-compatible provider?
//
//   npm run bench                               (= npm run build && node bench/run.mjs)
//   node bench/run.mjs [--duration 8] [--warmup 2] [--concurrency 1,16,64]
//                      [--scenarios chat,chat-stream,embeddings] [--quick] [--stores memory,redis]
//                      [--mock-latency 0] [--chunk-delay 0] [--no-pin] [--out bench/out/latest.json]
//
// Starts test/support/mock-upstream.mjs and the targets as child processes, then drives closed-loop load with an
// undici Pool: every scenario × concurrency is measured direct-to-mock and through each target, back to back.
// Targets (--targets):
//   floor       bench/nest-floor.mjs: NestJS + Fastify doing only the JSON work every gateway must do (the floor)
//   gateway     bin/tollgate.js --config bench/bench.yaml, called with the master key (the shortest path)
//   enterprise  bin/tollgate.js --config bench/enterprise.yaml, called with a virtual key that has a budget, under a
//               global max_budget, hide_secrets on every call, audit and Prometheus metrics on, embedded database
// With redis-server installed, one more gateway counts limits, budgets and router state in Redis (Debian's
// redis-server on a free port, beside the mock) instead of in memory: the Redis-store table is what the shared
// store costs per call against the in-memory one.
// Prints markdown tables and writes bench/out/latest.json. Node built-ins, undici and the project's NestJS.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOCK_SCRIPT = path.join(ROOT, 'test/support/mock-upstream.mjs');
let GATEWAY_BIN = path.join(ROOT, 'bin/tollgate.js');
const BENCH_CONFIG = path.join(ROOT, 'bench/bench.yaml');
const ENTERPRISE_CONFIG = path.join(ROOT, 'bench/enterprise.yaml');
const FLOOR_SCRIPT = path.join(ROOT, 'bench/nest-floor.mjs');
const KNOWN_TARGETS = ['floor', 'gateway', 'enterprise'];
const MASTER_KEY = 'sk-bench-1234';
const UPSTREAM_KEY = 'sk-upstream-bench';
const HEALTH_PATH = '/health/liveliness';
const HEALTH_TIMEOUT_MS = 120_000;

const SCENARIOS = {
  chat: {
    path: '/v1/chat/completions',
    stream: false,
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, how are you today?' }], max_tokens: 16 },
    check: (text) => {
      const j = JSON.parse(text);
      if (typeof j?.choices?.[0]?.message?.content !== 'string') throw new Error('no choices[0].message.content');
      if (typeof j?.usage?.total_tokens !== 'number') throw new Error('no usage.total_tokens');
    },
  },
  'chat-stream': {
    path: '/v1/chat/completions',
    stream: true,
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, how are you today?' }], max_tokens: 16, stream: true },
    check: (text) => {
      const events = text
        .split('\n\n')
        .map((b) => b.trim())
        .filter(Boolean);
      if (events.at(-1) !== 'data: [DONE]') throw new Error('stream does not end with data: [DONE]');
      const hasDelta = events.some((e) => {
        if (!e.startsWith('data: {')) return false;
        const j = JSON.parse(e.slice(6));
        return typeof j?.choices?.[0]?.delta?.content === 'string' && j.choices[0].delta.content.length > 0;
      });
      if (!hasDelta) throw new Error('no content delta in the stream');
    },
  },
  embeddings: {
    path: '/v1/embeddings',
    stream: false,
    body: { model: 'text-embedding-3-small', input: 'The food was delicious and the waiter was very friendly.' },
    check: (text) => {
      const j = JSON.parse(text);
      const e = j?.data?.[0]?.embedding;
      if (!(Array.isArray(e) && e.length > 0) && typeof e !== 'string') throw new Error('no data[0].embedding');
      if (typeof j?.usage?.prompt_tokens !== 'number') throw new Error('no usage.prompt_tokens');
    },
  },
};

// ------------------------------------------------------------------ args
const { values: args } = parseArgs({
  allowPositionals: false,
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    scenarios: { type: 'string' },
    quick: { type: 'boolean' },
    'mock-latency': { type: 'string' },
    'chunk-delay': { type: 'string' },
    'no-pin': { type: 'boolean' },
    stores: { type: 'string' },
    targets: { type: 'string' },
    out: { type: 'string' },
    verbose: { type: 'boolean' },
    'direct-only': { type: 'boolean' }, // hidden: measure only the mock (harness self-test)
    'gateway-bin': { type: 'string' }, // hidden: another entry script in place of bin/tollgate.js (harness self-test)
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(
    'usage: node bench/run.mjs [--duration s] [--warmup s] [--concurrency 1,16,64] [--scenarios chat,chat-stream,embeddings]\n' +
      '                          [--quick] [--targets floor,gateway,enterprise] [--mock-latency ms] [--chunk-delay ms] [--no-pin]\n' +
      '                          [--stores memory,redis] [--out file] [--verbose]',
  );
  process.exit(0);
}
const num = (v, d, name) => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) die(`invalid --${name}: ${v}`);
  return n;
};
const quick = !!args.quick;
const cfg = {
  durationS: num(args.duration, quick ? 2 : 8, 'duration'),
  warmupS: num(args.warmup, quick ? 1 : 2, 'warmup'),
  concurrency: (args.concurrency ?? (quick ? '1,16' : '1,16,64')).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) die(`invalid --concurrency entry: ${s}`);
    return n;
  }),
  scenarios: (args.scenarios ?? 'chat,chat-stream,embeddings')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  mockLatencyMs: num(args['mock-latency'], 0, 'mock-latency'),
  chunkDelayMs: num(args['chunk-delay'], 0, 'chunk-delay'),
  directOnly: !!args['direct-only'],
  stores: (args.stores ?? (commandExists('redis-server') ? 'memory,redis' : 'memory'))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  targets: (args.targets ?? KNOWN_TARGETS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  out: path.resolve(args.out ?? path.join(ROOT, 'bench/out/latest.json')),
  verbose: !!args.verbose,
};
if (args['gateway-bin']) GATEWAY_BIN = path.resolve(args['gateway-bin']);
for (const t of cfg.targets) if (!KNOWN_TARGETS.includes(t)) die(`unknown target "${t}" (known: ${KNOWN_TARGETS.join(', ')})`);
for (const s of cfg.scenarios) if (!SCENARIOS[s]) die(`unknown scenario "${s}" (known: ${Object.keys(SCENARIOS).join(', ')})`);

function commandExists(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench]', ...a);

// ------------------------------------------------------------------ /proc helpers
let CLK_TCK = 100;
try {
  CLK_TCK =
    Number(
      execFileSync('getconf', ['CLK_TCK'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim(),
    ) || 100;
} catch {
  /* keep default */
}
function readStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const r = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(r[1]), ticks: Number(r[11]) + Number(r[12]) };
  } catch {
    return null;
  }
}
function readStatusKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
/** pid and all of its descendants. */
function procTree(root) {
  const kids = new Map();
  let entries;
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const d of entries) {
    const c = d.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const st = readStat(d);
    if (!st) continue;
    if (!kids.has(st.ppid)) kids.set(st.ppid, []);
    kids.get(st.ppid).push(Number(d));
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const k of kids.get(out[i]) || []) out.push(k);
  return out;
}
/** CPU µs and RSS (kB) summed over a process tree; rootCpuUs is the root process alone (the gateway without its embedded database). */
function snapshot(pid) {
  if (!pid) return { cpuUs: 0, rootCpuUs: 0, rssKb: 0, hwmKb: 0 };
  let ticks = 0;
  let rootTicks = 0;
  let rssKb = 0;
  let hwmKb = 0;
  for (const p of procTree(pid)) {
    const st = readStat(p);
    if (st) ticks += st.ticks;
    if (st && p === pid) rootTicks = st.ticks;
    rssKb += readStatusKb(p, 'VmRSS');
    hwmKb += readStatusKb(p, 'VmHWM');
  }
  return { cpuUs: (ticks * 1e6) / CLK_TCK, rootCpuUs: (rootTicks * 1e6) / CLK_TCK, rssKb, hwmKb };
}

// ------------------------------------------------------------------ processes
const children = [];
const tmpDirs = [];
let cleaned = false;

function hasTaskset() {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    try {
      fs.accessSync(path.join(dir, 'taskset'), fs.constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}
const cpuCount = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const pinned = !args['no-pin'] && cpuCount >= 2 && process.platform === 'linux' && hasTaskset();

function tail(buf, max = 8000) {
  return buf.length > max ? '…' + buf.slice(-max) : buf;
}

function startChild(name, argv, { cpu, env } = {}) {
  const [cmd, cmdArgs] = pinned && cpu !== undefined ? ['taskset', ['-c', String(cpu), ...argv]] : [argv[0], argv.slice(1)];
  const child = spawn(cmd, cmdArgs, { cwd: ROOT, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const rec = { name, child, pid: child.pid, stdout: '', stderr: '', exited: false, exitCode: null };
  // always drain the pipes (a full pipe would block the child's logging)
  child.stdout.on('data', (d) => {
    rec.stdout = (rec.stdout + d).slice(-64_000);
    if (cfg.verbose) process.stderr.write(`[${name}] ${d}`);
  });
  child.stderr.on('data', (d) => {
    rec.stderr = (rec.stderr + d).slice(-64_000);
    if (cfg.verbose) process.stderr.write(`[${name}] ${d}`);
  });
  child.on('exit', (code, signal) => {
    rec.exited = true;
    rec.exitCode = code ?? signal;
  });
  child.on('error', (err) => {
    rec.exited = true;
    rec.exitCode = err.message;
  });
  children.push(rec);
  return rec;
}

async function stopChildren() {
  const live = children.filter((c) => !c.exited && c.pid);
  for (const c of live) {
    try {
      process.kill(-c.pid, 'SIGTERM'); // its own process group (detached), i.e. only what we started
    } catch {
      try {
        c.child.kill('SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && live.some((c) => !c.exited)) await sleep(50);
  for (const c of live) {
    if (c.exited) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      try {
        c.child.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await stopChildren();
  for (const dir of tmpDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
}
process.on('exit', () => {
  for (const c of children) {
    if (c.exited || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    log(`${sig}: stopping children`);
    cleanup().finally(() => process.exit(130));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startMock() {
  const port = await freePort();
  const rec = startChild(
    'mock',
    [
      process.execPath,
      MOCK_SCRIPT,
      '--port',
      String(port),
      '--latency',
      String(cfg.mockLatencyMs),
      '--chunk-delay',
      String(cfg.chunkDelayMs),
      '--require-api-key',
      UPSTREAM_KEY,
      // advertise limits a gateway can never exhaust, so none backs off during the run
      '--rpm-limit',
      '1000000000',
      '--tpm-limit',
      '1000000000000',
    ],
    { cpu: 0 },
  );
  const deadline = Date.now() + 10_000;
  while (!/mock upstream listening on/.test(rec.stdout)) {
    if (rec.exited) throw new Error(`mock upstream exited (${rec.exitCode}):\n${rec.stderr}${rec.stdout}`);
    if (Date.now() > deadline) throw new Error(`mock upstream did not start in 10 s:\n${rec.stderr}${rec.stdout}`);
    await sleep(20);
  }
  rec.port = port;
  rec.origin = `http://127.0.0.1:${port}`;
  return rec;
}

/** Debian's redis-server on a free port, on the harness' CPU (its CPU is reported apart from the gateway's). */
async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-redis-'));
  tmpDirs.push(dir);
  const rec = startChild('redis', ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { cpu: 0 });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(rec.stdout)) {
    if (rec.exited) throw new Error(`redis-server exited (${rec.exitCode}):\n${rec.stderr}${rec.stdout}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not start in 10 s:\n${rec.stderr}${rec.stdout}`);
    await sleep(20);
  }
  rec.url = `redis://127.0.0.1:${port}`;
  return rec;
}

async function startGateway(mock, { name = 'gateway', redisUrl, config = BENCH_CONFIG } = {}) {
  if (!fs.existsSync(GATEWAY_BIN)) throw new Error(`${path.relative(ROOT, GATEWAY_BIN)} not found — build the gateway first (npm run build)`);
  const port = await freePort();
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bench-'));
  tmpDirs.push(tmpDir);
  const env = { ...process.env, UPSTREAM_BASE_URL: `${mock.origin}/v1`, TOLLGATE_DATA_DIR: tmpDir };
  delete env.LITELLM_MASTER_KEY;
  for (const name of ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINEL_NODES']) delete env[name];
  if (redisUrl) env.REDIS_URL = redisUrl;
  const argv = [process.execPath, GATEWAY_BIN, '--config', config, '--port', String(port)];
  const rec = startChild(name, argv, { cpu: 1, env });
  rec.port = port;
  rec.origin = `http://127.0.0.1:${port}`;
  rec.cmd = argv
    .slice(1)
    .map((a) => path.relative(ROOT, a) || a)
    .join(' ');
  const t0 = Date.now();
  let last = '';
  while (true) {
    if (rec.exited) {
      throw new Error(`gateway exited during boot (${rec.exitCode})\n--- gateway stderr ---\n${tail(rec.stderr)}\n--- gateway stdout ---\n${tail(rec.stdout)}`);
    }
    if (Date.now() - t0 > HEALTH_TIMEOUT_MS) {
      throw new Error(
        `gateway not healthy after ${HEALTH_TIMEOUT_MS / 1000} s (GET ${HEALTH_PATH}: ${last})\n--- gateway stderr ---\n${tail(rec.stderr)}\n--- gateway stdout ---\n${tail(rec.stdout)}`,
      );
    }
    try {
      const res = await request(`${rec.origin}${HEALTH_PATH}`, { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
      const text = await res.body.text();
      if (res.statusCode === 200) break;
      last = `${res.statusCode} ${text.slice(0, 200)}`;
    } catch (err) {
      last = err.code || err.message;
    }
    await sleep(200);
  }
  rec.bootMs = Date.now() - t0;
  return rec;
}

/** The floor on the gateway's CPU: NestJS + Fastify doing only the JSON work, nothing Tollgate adds. */
async function startFloor(mock) {
  const port = await freePort();
  const argv = [process.execPath, FLOOR_SCRIPT, '--port', String(port), '--upstream', mock.origin, '--upstream-key', UPSTREAM_KEY];
  const rec = startChild('floor', argv, { cpu: 1 });
  rec.origin = `http://127.0.0.1:${port}`;
  rec.cmd = `bench/nest-floor.mjs --upstream ${mock.origin}`;
  const t0 = Date.now();
  for (;;) {
    if (rec.exited) throw new Error(`floor exited during boot (${rec.exitCode})\n${tail(rec.stderr)}${tail(rec.stdout)}`);
    if (Date.now() - t0 > 30_000) throw new Error(`floor not listening after 30 s\n${tail(rec.stderr)}`);
    try {
      const res = await request(`${rec.origin}/v1/health`, { method: 'GET', headersTimeout: 2000, bodyTimeout: 2000 });
      await res.body.text();
      if (res.statusCode === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  rec.bootMs = Date.now() - t0;
  return rec;
}

/** A virtual key as a tenant would hold one: a budget of its own and the two bench models. */
async function createVirtualKey(gateway) {
  const res = await request(`${gateway.origin}/key/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${MASTER_KEY}` },
    body: JSON.stringify({ key_alias: 'bench-tenant', max_budget: 1_000_000, models: ['gpt-4o-mini', 'text-embedding-3-small'] }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${gateway.name}: /key/generate answered ${res.statusCode}: ${text.slice(0, 500)}`);
  return JSON.parse(text).key;
}

async function mockStats(mock) {
  const res = await request(`${mock.origin}/__stats`);
  return res.body.json();
}

// ------------------------------------------------------------------ load
function percentile(sorted, q) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
const round = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);

function summarize(values) {
  if (values.length === 0) return { p50: null, p90: null, p99: null, mean: null, max: null };
  const a = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of a) sum += v;
  return {
    p50: round(percentile(a, 0.5)),
    p90: round(percentile(a, 0.9)),
    p99: round(percentile(a, 0.99)),
    mean: round(sum / a.length),
    max: round(a[a.length - 1]),
  };
}

async function preflight(target, scenario) {
  const sc = SCENARIOS[scenario];
  const res = await request(`${target.origin}${sc.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: target.auth },
    body: JSON.stringify(sc.body),
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new Error(`preflight ${scenario} → ${target.name}: HTTP ${res.statusCode}\n${text.slice(0, 2000)}`);
  }
  try {
    sc.check(text);
  } catch (err) {
    throw new Error(`preflight ${scenario} → ${target.name}: bad response (${err.message})\n${text.slice(0, 2000)}`, { cause: err });
  }
  return { status: res.statusCode, headers: res.headers, bytes: Buffer.byteLength(text) };
}

/**
 * Closed loop: `concurrency` workers on a Pool of `concurrency` connections, each sending the next
 * request as soon as the previous response has been read completely. Only requests that start and
 * finish inside the measurement window are counted.
 */
async function runLoad(target, scenario, concurrency, mock, gatewayPid, redisPid = 0) {
  const sc = SCENARIOS[scenario];
  const body = JSON.stringify(sc.body);
  const headers = { 'content-type': 'application/json', authorization: target.auth };
  const pool = new Pool(target.origin, {
    connections: concurrency,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  const lat = [];
  const ttfb = [];
  const statusCounts = {};
  const errorSamples = [];
  let errors = 0;
  let warmupErrors = 0;
  let sent = 0;

  const t0 = performance.now();
  const measureStart = t0 + cfg.warmupS * 1000;
  const measureEnd = measureStart + cfg.durationS * 1000;
  const mock0 = await mockStats(mock);
  let startSnap = null;
  let endSnap = null;
  const snap = () => ({
    at: performance.now(),
    gw: gatewayPid ? snapshot(gatewayPid) : null,
    mock: snapshot(mock.pid),
    redis: redisPid ? snapshot(redisPid) : null,
    self: process.cpuUsage(),
  });
  // whichever comes first: the timer, or a worker noticing the boundary (timers lag under load)
  const tStart = setTimeout(() => (startSnap ??= snap()), Math.max(0, measureStart - performance.now()));
  const tEnd = setTimeout(() => (endSnap ??= snap()), Math.max(0, measureEnd - performance.now()));

  const recordError = (inWindow, what) => {
    if (inWindow) errors++;
    else warmupErrors++;
    if (errorSamples.length < 5) errorSamples.push(what);
  };

  async function worker() {
    while (true) {
      const start = performance.now();
      if (start >= measureStart && !startSnap) startSnap = snap();
      if (start >= measureEnd) {
        endSnap ??= snap();
        return;
      }
      const inWindow = start >= measureStart;
      sent++;
      let first = 0;
      try {
        const res = await pool.request({ path: sc.path, method: 'POST', headers, body });
        const status = res.statusCode;
        statusCounts[status] = (statusCounts[status] || 0) + 1;
        if (status < 200 || status >= 300) {
          const text = await res.body.text();
          recordError(inWindow, { status, body: text.slice(0, 1000) });
          continue;
        }
        let bytes = 0;
        let tailStr = '';
        for await (const chunk of res.body) {
          if (first === 0) first = performance.now();
          bytes += chunk.length;
          if (sc.stream) tailStr = (tailStr + chunk.toString('latin1')).slice(-32);
        }
        const end = performance.now();
        if (bytes === 0) {
          recordError(inWindow, { status, body: '(empty body)' });
          continue;
        }
        if (sc.stream && !tailStr.includes('[DONE]')) {
          recordError(inWindow, { status, body: `(stream without [DONE], ends with ${JSON.stringify(tailStr)})` });
          continue;
        }
        if (inWindow && end <= measureEnd) {
          lat.push(end - start);
          if (sc.stream) ttfb.push(first - start);
        }
      } catch (err) {
        statusCounts.network = (statusCounts.network || 0) + 1;
        recordError(inWindow, { status: 'network', body: `${err.code || ''} ${err.message}`.trim() });
        await sleep(1);
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  clearTimeout(tStart);
  clearTimeout(tEnd);
  endSnap ??= snap();
  await pool.close();
  const mock1 = await mockStats(mock);
  if (!startSnap || !endSnap) throw new Error('internal: CPU snapshots missing');

  const wallS = (endSnap.at - startSnap.at) / 1000;
  const n = lat.length;
  const selfUs = endSnap.self.user + endSnap.self.system - startSnap.self.user - startSnap.self.system;
  const mockUs = endSnap.mock.cpuUs - startSnap.mock.cpuUs;
  const out = {
    scenario,
    target: target.name,
    concurrency,
    durationS: cfg.durationS,
    requests: n,
    rps: round(n / cfg.durationS, 1),
    latencyMs: summarize(lat),
    ttfbMs: sc.stream ? summarize(ttfb) : null,
    errors,
    warmupErrors,
    statusCounts,
    errorSamples,
    sent,
    upstreamPerReq: sent > 0 ? round((mock1.requests - mock0.requests) / sent, 3) : null,
    mockAborted: mock1.aborted - mock0.aborted,
    harnessCpuPct: round(((selfUs + mockUs) / 1e6 / wallS) * 100, 1),
    mockCpuPct: round((mockUs / 1e6 / wallS) * 100, 1),
  };
  if (gatewayPid) {
    const gwUs = endSnap.gw.cpuUs - startSnap.gw.cpuUs;
    out.gatewayCpuPct = round((gwUs / 1e6 / wallS) * 100, 1);
    out.gatewayCpuUsPerReq = n > 0 ? round(gwUs / n, 1) : null;
    // The embedded PostgreSQL runs as the gateway's children: what they spend is the database's share of the call.
    const childUs = gwUs - (endSnap.gw.rootCpuUs - startSnap.gw.rootCpuUs);
    out.childCpuUsPerReq = n > 0 ? round(childUs / n, 1) : null;
    out.gatewayRssKb = endSnap.gw.rssKb;
  }
  if (redisPid) {
    const redisUs = endSnap.redis.cpuUs - startSnap.redis.cpuUs;
    out.redisCpuUsPerReq = n > 0 ? round(redisUs / n, 1) : null;
  }
  return out;
}

// ------------------------------------------------------------------ report
const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const signed = (x, d = 2) => (x === null || x === undefined ? '–' : (x >= 0 ? '+' : '') + Number(x).toFixed(d));
const mb = (kb) => (kb ? (kb / 1024).toFixed(1) + ' MB' : '–');

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i < 3 ? '---' : '--:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function compare(results) {
  const out = [];
  for (const gw of results.filter((r) => r.target !== 'direct')) {
    const d = results.find((r) => r.target === 'direct' && r.scenario === gw.scenario && r.concurrency === gw.concurrency);
    if (!d) continue;
    const sub = (a, b) => (a === null || b === null ? null : round(a - b));
    out.push({
      scenario: gw.scenario,
      concurrency: gw.concurrency,
      target: gw.target,
      rpsDirect: d.rps,
      rpsGateway: gw.rps,
      rpsRatio: d.rps > 0 ? round(gw.rps / d.rps, 3) : null,
      p50DirectMs: d.latencyMs.p50,
      p50GatewayMs: gw.latencyMs.p50,
      addedP50Ms: sub(gw.latencyMs.p50, d.latencyMs.p50),
      addedP90Ms: sub(gw.latencyMs.p90, d.latencyMs.p90),
      p99DirectMs: d.latencyMs.p99,
      p99GatewayMs: gw.latencyMs.p99,
      addedP99Ms: sub(gw.latencyMs.p99, d.latencyMs.p99),
      addedTtfbP50Ms: gw.ttfbMs && d.ttfbMs ? sub(gw.ttfbMs.p50, d.ttfbMs.p50) : null,
      addedTtfbP99Ms: gw.ttfbMs && d.ttfbMs ? sub(gw.ttfbMs.p99, d.ttfbMs.p99) : null,
      gatewayCpuUsPerReq: gw.gatewayCpuUsPerReq,
      gatewayErrors: gw.errors,
    });
  }
  return out;
}

/**
 * The headline: each target against the floor on the same core. Chat at the highest concurrency for throughput,
 * CPU and tail; chat at the lowest for the latency added to one call; the stream's first byte at the lowest.
 */
function againstFloor(results, processes) {
  const cHigh = Math.max(...cfg.concurrency);
  const cLow = Math.min(...cfg.concurrency);
  const find = (target, scenario, c) => results.find((r) => r.target === target && r.scenario === scenario && r.concurrency === c);
  const floor = find('floor', 'chat', cHigh);
  const added = (target, scenario, pick) => {
    const mine = find(target, scenario, cLow);
    const direct = find('direct', scenario, cLow);
    return mine && direct && pick(mine) !== undefined && pick(direct) !== undefined ? round(pick(mine) - pick(direct)) : null;
  };
  return processes
    .map((p) => {
      const high = find(p.target, 'chat', cHigh);
      if (!high) return null;
      return {
        target: p.target,
        cHigh,
        cLow,
        rps: high.rps,
        rpsVsFloor: floor?.rps ? round(high.rps / floor.rps, 2) : null,
        cpuUsPerReq: high.gatewayCpuUsPerReq ?? null,
        childCpuUsPerReq: high.childCpuUsPerReq ?? null,
        addedP50LowMs: added(p.target, 'chat', (r) => r.latencyMs.p50),
        p99HighMs: high.latencyMs.p99,
        p99VsFloor: floor?.latencyMs.p99 ? round(high.latencyMs.p99 / floor.latencyMs.p99, 1) : null,
        addedTtfbLowMs: added(p.target, 'chat-stream', (r) => r.ttfbMs?.p50),
        rssBootKb: p.rssBootKb,
        rssPeakKb: p.rssPeakKb,
      };
    })
    .filter(Boolean);
}

/** The shared store's cost per call: the Redis-store gateway against the in-memory one, same scenario and c. */
function storeCost(results) {
  const out = [];
  for (const redis of results.filter((r) => r.target === 'gateway-redis')) {
    const memory = results.find((r) => r.target === 'gateway' && r.scenario === redis.scenario && r.concurrency === redis.concurrency);
    if (!memory) continue;
    const sub = (a, b) => (a === null || b === null || a === undefined || b === undefined ? null : round(a - b));
    out.push({
      scenario: redis.scenario,
      concurrency: redis.concurrency,
      rpsMemory: memory.rps,
      rpsRedis: redis.rps,
      rpsRatio: memory.rps > 0 ? round(redis.rps / memory.rps, 3) : null,
      p50MemoryMs: memory.latencyMs.p50,
      p50RedisMs: redis.latencyMs.p50,
      addedP50Ms: sub(redis.latencyMs.p50, memory.latencyMs.p50),
      addedP99Ms: sub(redis.latencyMs.p99, memory.latencyMs.p99),
      cpuUsMemory: memory.gatewayCpuUsPerReq,
      cpuUsRedis: redis.gatewayCpuUsPerReq,
      addedCpuUs: sub(redis.gatewayCpuUsPerReq, memory.gatewayCpuUsPerReq),
      redisServerCpuUs: redis.redisCpuUsPerReq ?? null,
      errors: redis.errors,
    });
  }
  return out;
}

function report(doc) {
  const m = doc.meta;
  const lines = [];
  lines.push(`## Tollgate bench — ${m.date}`);
  lines.push('');
  lines.push(
    `node ${m.node}, ${m.cpuCount} CPU (${m.cpuModel}), ${m.pinned ? 'pinned: gateway on CPU 1, mock + load driver on CPU 0' : 'not pinned'}; ` +
      `${m.durationS} s measured after ${m.warmupS} s warm-up per cell; mock latency ${m.mockLatencyMs} ms, chunk delay ${m.chunkDelayMs} ms` +
      (m.directOnly ? '; **direct only** (no gateway)' : ''),
  );
  for (const p of doc.processes) {
    lines.push('');
    lines.push(`${p.target}: \`${p.cmd}\`, ready after ${p.bootMs} ms; RSS ${mb(p.rssBootKb)} at rest after boot, ${mb(p.rssAfterKb)} after the run (peak ${mb(p.rssPeakKb)}).`);
  }
  if (doc.againstFloor.length) {
    const f = doc.againstFloor[0];
    lines.push('');
    lines.push(`### Against the floor (chat at c=${f.cHigh} and c=${f.cLow}, first streamed byte at c=${f.cLow}; RSS of the whole process tree)`);
    lines.push('');
    lines.push(
      table(
        ['target', 'rps', '× floor', 'CPU µs/req', 'of which child processes', `+p50 c=${f.cLow}`, 'p99', '× floor p99', '+first SSE byte', 'RSS rest', 'RSS peak'],
        doc.againstFloor.map((r) => [
          r.target,
          fmt(r.rps, 0),
          fmt(r.rpsVsFloor, 2),
          fmt(r.cpuUsPerReq, 0),
          fmt(r.childCpuUsPerReq, 0),
          signed(r.addedP50LowMs),
          fmt(r.p99HighMs),
          fmt(r.p99VsFloor, 1),
          signed(r.addedTtfbLowMs),
          mb(r.rssBootKb),
          mb(r.rssPeakKb),
        ]),
      ),
    );
  }
  if (doc.comparison.length) {
    lines.push('');
    lines.push('### Each target vs direct (latency in ms, added = target − direct)');
    lines.push('');
    lines.push(
      table(
        [
          'scenario',
          'c',
          'target',
          'rps direct',
          'rps target',
          'gw/direct',
          'p50 direct',
          'p50 gw',
          '+p50',
          'p99 direct',
          'p99 gw',
          '+p99',
          '+TTFB p50',
          '+TTFB p99',
          'gw CPU µs/req',
          'gw errors',
        ],
        doc.comparison.map((c) => [
          c.scenario,
          c.concurrency,
          c.target,
          fmt(c.rpsDirect, 0),
          fmt(c.rpsGateway, 0),
          fmt(c.rpsRatio, 2),
          fmt(c.p50DirectMs),
          fmt(c.p50GatewayMs),
          signed(c.addedP50Ms),
          fmt(c.p99DirectMs),
          fmt(c.p99GatewayMs),
          signed(c.addedP99Ms),
          signed(c.addedTtfbP50Ms),
          signed(c.addedTtfbP99Ms),
          fmt(c.gatewayCpuUsPerReq, 0),
          c.gatewayErrors,
        ]),
      ),
    );
  }
  if (doc.storeCost?.length) {
    lines.push('');
    lines.push('### Shared store: Redis against in-memory (gateway CPU µs per call; Redis server CPU apart)');
    lines.push('');
    lines.push(
      table(
        [
          'scenario',
          'c',
          'rps memory',
          'rps redis',
          'redis/memory',
          'p50 memory',
          'p50 redis',
          '+p50',
          '+p99',
          'gw µs/req memory',
          'gw µs/req redis',
          '+µs/req',
          'redis-server µs/req',
          'errors',
        ],
        doc.storeCost.map((c) => [
          c.scenario,
          c.concurrency,
          fmt(c.rpsMemory, 0),
          fmt(c.rpsRedis, 0),
          fmt(c.rpsRatio, 2),
          fmt(c.p50MemoryMs),
          fmt(c.p50RedisMs),
          signed(c.addedP50Ms),
          signed(c.addedP99Ms),
          fmt(c.cpuUsMemory, 0),
          fmt(c.cpuUsRedis, 0),
          signed(c.addedCpuUs, 0),
          fmt(c.redisServerCpuUs, 0),
          c.errors,
        ]),
      ),
    );
  }
  lines.push('');
  lines.push('### All runs (latency in ms)');
  lines.push('');
  lines.push(
    table(
      ['scenario', 'c', 'target', 'requests', 'rps', 'p50', 'p90', 'p99', 'TTFB p50', 'TTFB p99', 'errors', 'upstream/req', 'gw CPU %', 'harness CPU %'],
      doc.results.map((r) => [
        r.scenario,
        r.concurrency,
        r.target,
        r.requests,
        fmt(r.rps, 0),
        fmt(r.latencyMs.p50),
        fmt(r.latencyMs.p90),
        fmt(r.latencyMs.p99),
        fmt(r.ttfbMs?.p50),
        fmt(r.ttfbMs?.p99),
        r.errors + (r.warmupErrors ? ` (+${r.warmupErrors} warm-up)` : ''),
        fmt(r.upstreamPerReq, 2),
        fmt(r.gatewayCpuPct, 0),
        fmt(r.harnessCpuPct, 0),
      ]),
    ),
  );
  lines.push('');
  lines.push(
    'harness CPU % = mock + load driver (one core when pinned: near 100 % means the harness, not the target, is the limit). ' +
      'upstream/req ≈ 1.00 shows every request reached the mock. CPU µs/req is meaningful when the gateway is busy (c ≥ 16).',
  );
  return lines.join('\n');
}

// ------------------------------------------------------------------ main
async function main() {
  if (pinned) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    } catch {
      log('could not pin the load driver to CPU 0');
    }
  }
  log(`mock: starting ${path.relative(ROOT, MOCK_SCRIPT)}${pinned ? ' (CPU 0)' : ''}`);
  const mock = await startMock();
  // Every target runs alone on the gateway's core while it is measured; the others sit idle.
  const targets = [{ name: 'direct', origin: mock.origin, auth: `Bearer ${UPSTREAM_KEY}`, process: null }];
  let redis = null;
  if (!cfg.directOnly) {
    if (cfg.targets.includes('floor')) {
      log(`floor: starting bench/nest-floor.mjs${pinned ? ' (CPU 1)' : ''}`);
      const floor = await startFloor(mock);
      targets.push({ name: 'floor', origin: floor.origin, auth: 'Bearer client-key-the-floor-swaps', process: floor });
    }
    if (cfg.targets.includes('gateway')) {
      log(`gateway: starting ${path.relative(ROOT, GATEWAY_BIN)} --config bench/bench.yaml${pinned ? ' (CPU 1)' : ''}`);
      const gateway = await startGateway(mock);
      log(`gateway: healthy after ${gateway.bootMs} ms on ${gateway.origin}`);
      targets.push({ name: 'gateway', origin: gateway.origin, auth: `Bearer ${MASTER_KEY}`, process: gateway });
    }
    if (cfg.targets.includes('enterprise')) {
      log(`enterprise: starting ${path.relative(ROOT, GATEWAY_BIN)} --config bench/enterprise.yaml${pinned ? ' (CPU 1)' : ''}`);
      const enterprise = await startGateway(mock, { name: 'enterprise', config: ENTERPRISE_CONFIG });
      log(`enterprise: healthy after ${enterprise.bootMs} ms on ${enterprise.origin}`);
      targets.push({ name: 'enterprise', origin: enterprise.origin, auth: `Bearer ${await createVirtualKey(enterprise)}`, process: enterprise });
    }
    if (cfg.stores.includes('redis')) {
      redis = await startRedis();
      log(`gateway-redis: starting the bench.yaml gateway with REDIS_URL=${redis.url}${pinned ? ' (CPU 1; redis-server on CPU 0)' : ''}`);
      const redisGateway = await startGateway(mock, { name: 'gateway-redis', redisUrl: redis.url });
      log(`gateway-redis: healthy after ${redisGateway.bootMs} ms on ${redisGateway.origin}`);
      targets.push({ name: 'gateway-redis', origin: redisGateway.origin, auth: `Bearer ${MASTER_KEY}`, process: redisGateway });
    }
  }
  const measured = targets.filter((t) => t.process);

  for (const scenario of cfg.scenarios) {
    for (const t of targets) {
      const before = await mockStats(mock);
      await preflight(t, scenario);
      const after = await mockStats(mock);
      if (after.requests - before.requests < 1) throw new Error(`preflight ${scenario} → ${t.name}: the request never reached the mock upstream`);
    }
  }
  await sleep(1000);
  for (const t of measured) {
    t.rssBootKb = snapshot(t.process.pid).rssKb;
    t.rssPeakKb = t.rssBootKb;
  }

  const results = [];
  for (const scenario of cfg.scenarios) {
    for (const c of cfg.concurrency) {
      for (const t of targets) {
        for (const m of measured) if (m.process.exited) throw new Error(`${m.name} exited (${m.process.exitCode})\n${tail(m.process.stderr)}`);
        log(`${scenario} c=${c} → ${t.name} (${cfg.warmupS}+${cfg.durationS} s)`);
        const r = await runLoad(t, scenario, c, mock, t.process?.pid ?? 0, t.name === 'gateway-redis' ? redis.pid : 0);
        results.push(r);
        if (t.process) t.rssPeakKb = Math.max(t.rssPeakKb, r.gatewayRssKb || 0);
        log(
          `  ${r.requests} req, ${fmt(r.rps, 0)} rps, p50 ${fmt(r.latencyMs.p50)} ms, p99 ${fmt(r.latencyMs.p99)} ms` +
            (r.ttfbMs ? `, TTFB p50 ${fmt(r.ttfbMs.p50)} ms` : '') +
            `, errors ${r.errors}` +
            (r.gatewayCpuUsPerReq !== undefined ? `, ${fmt(r.gatewayCpuUsPerReq, 0)} µs CPU/req` : '') +
            (r.redisCpuUsPerReq !== undefined ? `, redis-server ${fmt(r.redisCpuUsPerReq, 0)} µs CPU/req` : ''),
        );
        await sleep(300);
      }
    }
  }

  await sleep(1000);
  const processes = measured.map((t) => {
    const s = snapshot(t.process.pid);
    return {
      target: t.name,
      cmd: t.process.cmd,
      pid: t.process.pid,
      bootMs: t.process.bootMs,
      rssBootKb: t.rssBootKb,
      rssAfterKb: s.rssKb,
      rssPeakKb: Math.max(t.rssPeakKb, s.hwmKb, s.rssKb),
    };
  });

  const cpus = os.cpus();
  const doc = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.type()} ${os.release()} ${os.arch()}`,
      cpuCount,
      cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
      pinned,
      pinning: pinned ? { gateway: '1', mockAndDriver: '0' } : null,
      durationS: cfg.durationS,
      warmupS: cfg.warmupS,
      concurrency: cfg.concurrency,
      scenarios: cfg.scenarios,
      mockLatencyMs: cfg.mockLatencyMs,
      chunkDelayMs: cfg.chunkDelayMs,
      directOnly: cfg.directOnly,
      stores: cfg.stores,
      targets: cfg.targets,
      bodies: Object.fromEntries(cfg.scenarios.map((s) => [s, SCENARIOS[s].body])),
    },
    processes,
    againstFloor: againstFloor(results, processes),
    comparison: compare(results),
    storeCost: storeCost(results),
    results,
  };

  fs.mkdirSync(path.dirname(cfg.out), { recursive: true });
  fs.writeFileSync(cfg.out, JSON.stringify(doc, null, 2) + '\n');
  console.log(report(doc));
  console.log('');
  console.log(`written ${path.relative(process.cwd(), cfg.out) || cfg.out}`);

  let failed = false;
  for (const r of results) {
    if (r.errors === 0 && r.warmupErrors === 0) continue;
    const where = `${r.scenario} c=${r.concurrency} → ${r.target}`;
    const sample = r.errorSamples[0];
    const msg = `${where}: ${r.errors} errors during measurement, ${r.warmupErrors} during warm-up; statuses ${JSON.stringify(r.statusCounts)}; sample: ${sample ? `${sample.status} ${sample.body}` : '-'}`;
    if (r.errors > 0) {
      failed = true;
      console.error(`bench: FAIL ${msg}`);
    } else {
      console.error(`bench: warning ${msg}`);
    }
  }
  return failed ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`bench: ${cfg.verbose && err && err.stack ? err.stack : err && err.message ? err.message : err}`);
    await cleanup();
    process.exit(1);
  });
